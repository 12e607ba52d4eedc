/**
 * Where finished bytes go, in order. A file is written under a temporary name beside its target
 * and appears under the final name only when complete (fsynced, then linked without overwriting
 * unless allowed), so a partial output never sits under the final name.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fstatSync, write as writeFd, type Stats } from 'node:fs';
import type { Writable } from 'node:stream';
import { describeFsError } from '../errors';
import { PIPE_WRITE_PIECE, writeAll, WRITE_PIECE } from './fileWrites';
import { partialName } from './outputNames';
import { crypto } from '../lazyBuiltins';

/** Unsynced bytes worth a background sync: small, so that the last one before the rename is short. */
const BACKGROUND_SYNC_BYTES = 1 << 20;

export interface Sink {
  /** A file's descriptor, for positional writes from workers (`write` is then not used). */
  readonly fd?: number;
  /** A file's temporary name, while it is written. */
  readonly tempPath?: string;
  /** `fd` takes bytes in order at its own position and never waits (a file, /dev/null): workers write it in turn. */
  readonly sequential?: boolean;
  /**
   * Workers wrote up to byte `end` through `fd`: the file is at least that long when committed (a
   * hole may end it, so its length is set then).
   */
  extend?(end: number): void;
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the written bytes durable and visible under the final name; returns any warnings. */
  commit(): Promise<string[]>;
  /** Removes whatever was written; safe to call more than once. */
  discard(): Promise<void>;
  /** Closes a file, leaving what was written under its temporary name (a job to resume later). */
  abandon?(): Promise<void>;
}

/**
 * What an output takes from the file it is made from, as zstd and gzip do: its permissions and
 * owner, and its times when it holds the whole content (not for an extracted range).
 */
export interface SourceStat {
  mode: number;
  uid: number;
  gid: number;
  /** Milliseconds since the epoch, with a fraction (fs.Stats' atimeMs and mtimeMs). */
  atimeMs?: number;
  mtimeMs?: number;
}

export interface FileSinkOptions {
  /** Replace an existing file; otherwise fail with EEXIST, before any work and again at the end. */
  overwrite: boolean;
  /**
   * fsync before publishing, so the file survives a crash right after (archives, whose source the
   * user may delete next; the default). Decoded files skip it, like `zstd -d`, since their archive
   * is still there.
   */
  durable?: boolean;
  /** The source to take permissions, owner and times from; without it, 0666 less the umask. */
  like?: SourceStat;
  /** Leave segments of zeros as holes (decoded files, as `zstd -d` does; see fileWrites.ts). */
  sparse?: boolean;
  /** Go on writing an interrupted job's temporary file, cut to `length` bytes. */
  resume?: { tempPath: string; length: number };
}

/**
 * Opens a temporary file beside `finalPath`. Fails at once if the target is a folder, or exists and
 * `overwrite` is false.
 */
export async function fileSink(finalPath: string, options: FileSinkOptions): Promise<Sink> {
  const { overwrite, durable = true, like, sparse = false, resume } = options;
  let existing: Stats | undefined;
  try {
    existing = await statOf(finalPath);
  } catch (err) {
    throw describeFsError(err, finalPath, 'create');
  }
  // Said before any work rather than at the rename after it; a folder cannot be replaced by a file.
  if (existing?.isDirectory()) throw describeFsError({ code: 'EISDIR' }, finalPath, 'create');
  if (existing && !overwrite) throw describeFsError({ code: 'EEXIST' }, finalPath, 'create');
  const dir = path.dirname(finalPath);
  const tempPath = resume?.tempPath ?? partialName(finalPath, crypto().randomBytes(4).toString('hex'));
  let handle: fs.FileHandle;
  try {
    if (resume) {
      handle = await fs.open(tempPath, 'r+');
      await handle.truncate(resume.length);
    } else {
      // Private while it is written: a file made from a private source never shows more, even
      // for a moment; it gets the source's mode when complete.
      handle = await fs.open(tempPath, 'wx', like ? 0o600 : 0o666);
    }
  } catch (err) {
    throw describeFsError(err, finalPath, 'create');
  }
  let closed = false;
  /** Where the file ends so far: appends go there, and it is the length at commit. */
  let end = resume?.length ?? 0;
  // Flush to disk in the background as the file grows, one sync after the other, so that the
  // fsync before the rename waits only for what the last one missed (with a sync every 16 MiB it
  // waited 20-25 ms at the end of the benchmark; at the end of a whole file, about 1 s per GB).
  let unsynced = 0;
  let syncing: Promise<void> | undefined;
  let syncStopped = false;
  let syncError: unknown;
  const syncInBackground = (): void => {
    if (!durable || syncStopped || syncing || unsynced < BACKGROUND_SYNC_BYTES) return;
    unsynced = 0;
    syncing = handle
      .datasync()
      .catch((err: unknown) => void (syncError ??= err)) // surfaces at commit
      .finally(() => {
        syncing = undefined;
        syncInBackground();
      });
  };
  const stopSyncing = async (): Promise<void> => {
    syncStopped = true;
    while (syncing) await syncing;
  };
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  const sink: Sink = {
    fd: handle.fd,
    tempPath,
    extend(to) {
      end = Math.max(end, to);
    },
    async write(bytes) {
      try {
        const at = end;
        end += bytes.length;
        await writeAll(bytes, at, sparse, async (b, offset, length, position) => {
          return (await handle.write(b, offset, length, position)).bytesWritten;
        });
        unsynced += bytes.length;
        syncInBackground();
      } catch (err) {
        throw describeFsError(err, finalPath, 'write');
      }
    },
    async commit() {
      let warnings: string[];
      try {
        await stopSyncing();
        if (syncError !== undefined) throw syncError;
        if (sparse) await handle.truncate(end);
        warnings = like ? await inherit(handle, like, finalPath) : [];
        if (durable) await handle.sync();
        await close();
        await publish(tempPath, finalPath, overwrite);
      } catch (err) {
        throw describeFsError(err, finalPath, 'write');
      }
      if (durable) await syncDirectory(dir);
      return warnings;
    },
    async discard() {
      await stopSyncing();
      await close().catch(() => undefined);
      await fs.rm(tempPath, { force: true });
    },
    async abandon() {
      await stopSyncing();
      await close().catch(() => undefined);
    },
  };
  return sink;
}

export function streamSink(stream: Writable, label = 'stdout'): Sink {
  const sink: Sink = {
    write: (bytes) =>
      new Promise((resolve, reject) => {
        if (bytes.length === 0) return resolve();
        // Copies: a stream's consumer may hold on to a chunk after its callback, and the caller's
        // buffer is reused as soon as this resolves. In pieces, for a stdout that is a file
        // (fileWrites.ts); the first piece to fail settles the write with its error.
        for (let done = 0; done < bytes.length; done += WRITE_PIECE) {
          const last = done + WRITE_PIECE >= bytes.length;
          stream.write(Buffer.from(bytes.subarray(done, done + WRITE_PIECE)), (err) => {
            if (err) reject(describeFsError(err, label, 'write'));
            else if (last) resolve();
          });
        }
      }),
    commit: async () => [],
    discard: async () => undefined,
  };
  return sink;
}

/**
 * A descriptor opened for this job that takes bytes in order at its own position (stdout as a
 * pipe, a character device or a file). Where a write never waits (a file, /dev/null) the workers
 * write their frames to it in turn themselves (`fd`, `sequential`), as they write frames of
 * unknown size into a file. A pipe is written from the job's thread through libuv's pool instead,
 * straight from the frame's arena slot (no copy): a worker blocked on a full pipe stops decoding.
 * Kernel tar, 2 threads, rotated rounds: to /dev/null, workers 0.83-0.89 s, the pool 0.88-1.08 s
 * (pzstd -d -c 0.85-0.93 s); through `| cat`, workers 2.00-2.52 s, the pool 1.45-2.00 s (pzstd
 * 1.48-2.03 s). Nothing to publish or remove: it is not a file of ours.
 */
export function descriptorSink(fd: number, label: string): Sink {
  const stat = fstatSync(fd);
  const waits = !stat.isFile() && !stat.isCharacterDevice();
  // A file on stdout gets the pieces files get (fileWrites.ts); a pipe, whole frames.
  const piece = stat.isFile() ? WRITE_PIECE : PIPE_WRITE_PIECE;
  return {
    ...(waits ? {} : { fd, sequential: true }),
    async write(bytes) {
      try {
        for (let done = 0; done < bytes.length; )
          done += await writeAt(fd, bytes, done, Math.min(piece, bytes.length - done));
      } catch (err) {
        throw describeFsError(err, label, 'write');
      }
    },
    commit: async () => [],
    discard: async () => undefined,
  };
}

/** One write at `fd`'s own position through libuv's pool (it may block: a full pipe). */
const writeAt = (fd: number, bytes: Uint8Array, offset: number, length: number): Promise<number> =>
  new Promise((resolve, reject) =>
    writeFd(fd, bytes, offset, length, null, (err, written) => (err ? reject(err) : resolve(written))),
  );

/**
 * Gives the finished file its source's owner, permissions and times, in gzip's and zstd's order:
 * the group, then the mode, then the user, so the mode is still ours to set on systems that let
 * users give files away. Only root may give a file to another user, so ownership is best effort
 * and silent; a mode or times the file system refuses (FAT, some network shares) are warnings,
 * and the file stays 0600.
 */
async function inherit(handle: fs.FileHandle, like: SourceStat, finalPath: string): Promise<string[]> {
  const warnings: string[] = [];
  const posix = process.platform !== 'win32';
  if (posix) await handle.chown(-1, like.gid).catch(() => undefined);
  // Permission bits only, as theirs: set-user-ID on a file given to someone else would be a hole.
  await handle.chmod(like.mode & 0o777).catch((err: unknown) => {
    warnings.push(
      `"${finalPath}" could not take its source's permissions (${errorCode(err)}); it is readable by its owner only`,
    );
  });
  if (posix) await handle.chown(like.uid, -1).catch(() => undefined);
  // In seconds, which keep the sub-millisecond part a Date would drop.
  if (like.atimeMs !== undefined && like.mtimeMs !== undefined)
    await handle.utimes(like.atimeMs / 1000, like.mtimeMs / 1000).catch((err: unknown) => {
      warnings.push(`"${finalPath}" could not take its source's modification time (${errorCode(err)})`);
    });
  return warnings;
}

const errorCode = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? String(err);

/** What is at `p` now, if anything; a name the file system cannot hold throws. */
async function statOf(p: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENAMETOOLONG') throw err;
    return undefined;
  }
}

/**
 * Moves the finished temporary file to its name. Without consent to overwrite, a hard link
 * publishes atomically and fails if the name was taken meanwhile; file systems without links
 * fall back to check-then-rename.
 */
async function publish(tempPath: string, finalPath: string, overwrite: boolean): Promise<void> {
  if (overwrite) return fs.rename(tempPath, finalPath);
  try {
    await fs.link(tempPath, finalPath);
    await fs.unlink(tempPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw err;
    if (await statOf(finalPath)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    await fs.rename(tempPath, finalPath);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    await handle.sync().finally(() => handle.close());
  } catch {
    // Not every platform or file system can fsync a directory; the file itself is synced.
  }
}
