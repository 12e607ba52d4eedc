/**
 * The CLI's stdout and stderr when writing to them fails.
 *
 * A reader that goes away (`chunkpress ... | head`) makes writes fail with EPIPE. C tools die of
 * it silently, by SIGPIPE; Node reports it as an 'error' event instead, and an unhandled one
 * crashed with a stack trace and left the running job's temporary file behind. Here a broken pipe
 * cancels the running job, which removes its partial output, and the process ends silently with
 * 141, the status of a death by SIGPIPE.
 *
 * Other failures (ENOSPC on /dev/full, EIO) fail the job whose write it was, with its message;
 * output written outside a job (inspect) reports them once at the end (`stdoutFailure`).
 */
import * as fs from 'node:fs';
import { describeFsError } from '../engine/errors';

/** 128 + SIGPIPE, as a shell reports a process that SIGPIPE ended. */
export const BROKEN_PIPE_STATUS = 141;

let broken = false;
let stdoutError: unknown;
let onBroken: (() => void) | undefined;

/** Installs the handlers; once, before anything is written. */
export function watchStdio(): void {
  whenMade('stdout', (stream) => stream.on('error', (err: NodeJS.ErrnoException) => failed(err, true)));
  whenMade('stderr', (stream) => stream.on('error', (err: NodeJS.ErrnoException) => failed(err, false)));
}

/**
 * Calls `watch` with process[name] when something first asks for it, not before: making it loads
 * Node's stream modules, 3-4 ms of a run that never uses it (cat writes to a descriptor of its own).
 */
function whenMade(name: 'stdout' | 'stderr', watch: (stream: NodeJS.WriteStream) => void): void {
  const made = Object.getOwnPropertyDescriptor(process, name);
  const get = made?.get;
  if (!get || !made.configurable) {
    watch(process[name]);
    return;
  }
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: made.enumerable,
    get() {
      // Node's own getter keeps the stream it made: put it back, and watch the stream once.
      Object.defineProperty(process, name, made);
      const stream = get.call(process) as NodeJS.WriteStream;
      watch(stream);
      return stream;
    },
  });
}

function failed(err: NodeJS.ErrnoException, stdout: boolean): void {
  if (err.code === 'EPIPE') return stdoutReaderGone();
  // A failing stderr leaves nowhere to say so.
  if (stdout) stdoutError ??= err;
}

/** Until the returned function is called, a broken pipe calls `cancel` instead of ending the process. */
export function cancelOnBrokenPipe(cancel: () => void): () => void {
  onBroken = cancel;
  if (broken) cancel();
  return () => {
    if (onBroken === cancel) onBroken = undefined;
  };
}

/** Whether stdout or stderr lost its reader. */
export const pipeBroken = (): boolean => broken;

/**
 * A reader of stdout or stderr went away: seen by process.stdout and process.stderr, or by a write
 * to a stdout descriptor of the job's own. The running job is cancelled; with none, the process ends.
 */
export function stdoutReaderGone(): void {
  if (broken) return;
  broken = true;
  if (onBroken) onBroken();
  else process.exit(BROKEN_PIPE_STATUS); // nothing running, nothing to clean up
}

/**
 * Stdout as a descriptor that a decode writes straight from its buffers and that blocks when
 * full, or undefined where only process.stdout will do. A pipe or a character device is opened anew
 * through /proc (Linux): the descriptor Node's stdout uses is non-blocking once process.stdout
 * exists, and a write on it would fail with EAGAIN whenever the pipe is full. A file is fd 1
 * itself (writes to a file never wait), so that each write lands at its current position, as
 * with `>>`. Sockets (and systems without /proc) keep process.stdout.
 */
export function stdoutDescriptor(): number | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(1);
  } catch {
    return undefined;
  }
  if (stat.isFile()) return 1;
  if (!stat.isFIFO() && !stat.isCharacterDevice()) return undefined;
  try {
    return fs.openSync('/proc/self/fd/1', fs.constants.O_WRONLY);
  } catch {
    return undefined;
  }
}

/** The message for the first error writing stdout other than a broken pipe, if any. */
export const stdoutFailure = (): string | undefined =>
  stdoutError === undefined ? undefined : describeFsError(stdoutError, 'stdout', 'write').message;
