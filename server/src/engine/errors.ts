/** Errors a person can act on: what failed, on which path, and (for archives) where. */

export type ErrorCode =
  | 'ENOENT'
  | 'EISDIR'
  | 'EACCES'
  | 'ENOSPC'
  | 'EEXIST'
  | 'EIO'
  | 'EINVAL'
  | 'ECANCELED'
  | 'EFORMAT'
  /** More than can be held in memory at once (a range read for the editor). */
  | 'EFBIG'
  /** The reader of a pipe went away. */
  | 'EPIPE'
  /** An interrupted job of the same target waits: resume it or discard it. */
  | 'EINTERRUPTED'
  /** The source changed since the interrupted job: it cannot be resumed. */
  | 'ECHANGED'
  | 'EINTERNAL';

export class ChunkpressError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ChunkpressError';
  }
}

export const cancelled = (): ChunkpressError => new ChunkpressError('Cancelled', 'ECANCELED');

/** Turns a Node fs error into a sentence naming the path and what we were doing. */
export function describeFsError(err: unknown, filePath: string, doing: 'read' | 'write' | 'create'): ChunkpressError {
  if (err instanceof ChunkpressError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // Errors reported by a worker arrive as plain { code, message } objects.
  const detail = (err as { message?: unknown } | undefined)?.message;
  switch (code) {
    case 'ENOENT':
      return doing === 'read'
        ? new ChunkpressError(`"${filePath}" does not exist`, 'ENOENT', filePath)
        : new ChunkpressError(`Cannot ${doing} "${filePath}": its folder does not exist`, 'ENOENT', filePath);
    case 'EISDIR':
      return new ChunkpressError(`"${filePath}" is a folder, not a file`, 'EISDIR', filePath);
    case 'EACCES':
    case 'EPERM':
      return new ChunkpressError(`Permission denied: cannot ${doing} "${filePath}"`, 'EACCES', filePath);
    case 'ENOSPC':
    case 'EDQUOT':
      return new ChunkpressError(`No space left on the device while writing "${filePath}"`, 'ENOSPC', filePath);
    case 'EEXIST':
      return new ChunkpressError(`"${filePath}" already exists`, 'EEXIST', filePath);
    case 'EPIPE':
      return new ChunkpressError(`The reader of "${filePath}" went away`, 'EPIPE', filePath);
    case 'ENAMETOOLONG':
      return new ChunkpressError(
        `Cannot ${doing} "${filePath}": its name is longer than the file system allows`,
        'EINVAL',
        filePath,
      );
    default:
      return new ChunkpressError(
        `Cannot ${doing} "${filePath}": ${typeof detail === 'string' ? detail : String(err)}`,
        'EIO',
        filePath,
      );
  }
}
