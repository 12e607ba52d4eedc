/** The CLI's hints for a job that meets, or leaves, an interrupted one. */
import { ChunkpressError } from '../engine/errors';

/** What to type next, for the errors of an interrupted job. */
export function withHint(err: unknown): unknown {
  const code = (err as ChunkpressError).code;
  const hint =
    code === 'EINTERRUPTED'
      ? '--resume goes on from there, --discard starts over'
      : code === 'ENOSPC' && /can be resumed/.test((err as Error).message)
        ? 'free some space, then run the same command with --resume'
        : undefined;
  return hint ? new ChunkpressError(`${(err as Error).message}: ${hint}`, code, (err as ChunkpressError).path) : err;
}
