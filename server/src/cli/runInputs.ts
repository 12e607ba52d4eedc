/** What every CLI command that works file by file shares: one worker pool, Ctrl-C, and failures. */
import { defaultSystem } from '../engine/io/system';
import type { ChunkpressError } from '../engine/errors';
import { WorkerPool } from '../engine/pool/pool';
import { MAX_THREADS } from '../engine/pool/threadPlan';
import { BROKEN_PIPE_STATUS, cancelOnBrokenPipe, pipeBroken } from './stdio';

export interface InputRun {
  /** Handles input `index`; resolves false when it found a problem it already reported. */
  run(index: number, pool: WorkerPool, signal: AbortSignal): Promise<boolean>;
  /** The stderr line for input `index` failing with `message`. */
  errorLine(index: number, message: string): string;
  /** The input's name in the --json error object. */
  name(index: number): string;
  json: boolean;
  /**
   * Whether input `index` leaves nothing to clean up if the process ends mid-job (it writes a
   * pipe, no file): a signal then ends the process by its default action if the job has not stopped
   * in a moment: a write blocked on a pipe nobody reads holds the job, and Node's exit, until it can.
   */
  nothingToCleanUp?(index: number): boolean;
}

/** How long a cancelled job that has nothing to clean up may take to stop by itself. */
const STOP_GRACE_MS = 300;

/**
 * Runs every input in turn on one pool; SIGINT/SIGTERM cancel the current one and stop (130), and so
 * does a reader of stdout or stderr going away (141, see stdio.ts).
 * Returns the exit status: 0 when all went well, 1 when any failed.
 */
export async function runInputs(count: number, inputs: InputRun): Promise<number> {
  // A job of one lane (an input of one chunk, a single frame, -T 1) runs in the CLI's own thread,
  // which has nothing else to do meanwhile, and starts no worker at all. Other jobs boot the
  // workers they plan for as soon as they have planned.
  const pool = new WorkerPool(Math.min(defaultSystem.cores, MAX_THREADS), { hostLane: true });
  const controller = new AbortController();
  let current = 0;
  const onSignal = (signal?: NodeJS.Signals): void => {
    controller.abort();
    // process.exit would wait for that worker to stop; the signal's own default action does not.
    if (signal && inputs.nothingToCleanUp?.(current))
      setTimeout(() => {
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
      }, STOP_GRACE_MS).unref();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stopWatching = cancelOnBrokenPipe(() => onSignal());
  let failures = 0;
  try {
    for (let i = 0; i < count; i++) {
      current = i;
      try {
        if (!(await inputs.run(i, pool, controller.signal))) failures++;
      } catch (err) {
        failures++;
        // Ended as by SIGPIPE: silently (the reader that would see a message is gone).
        if (pipeBroken()) return BROKEN_PIPE_STATUS;
        const message = err instanceof Error ? err.message : String(err);
        // zstd would ask; a CLI that may have no terminal says how to consent instead.
        const hint = (err as ChunkpressError).code === 'EEXIST' ? ' (-f overwrites it)' : '';
        process.stderr.write(inputs.errorLine(i, `${message}${hint}`));
        if (inputs.json)
          process.stdout.write(
            `${JSON.stringify({ input: inputs.name(i), error: message, code: (err as ChunkpressError).code })}\n`,
          );
        if (controller.signal.aborted) return 130;
      }
    }
  } finally {
    stopWatching();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await pool.close();
  }
  return pipeBroken() ? BROKEN_PIPE_STATUS : failures > 0 ? 1 : 0;
}
