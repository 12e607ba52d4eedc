/**
 * Where finished bytes go, in order. A file is written under a temporary name beside its target
 * and appears under the final name only when complete (fsynced, then linked without overwriting
 * unless allowed), so a partial output never sits under the final name.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Stats } from 'node:fs';
import type { Writable } from 'node:stream';
import { describeFsError } from './errors';
import { writeAll, WRITE_PIECE } from './fileWrites';
import { partialName } from './outputNames';

/** Unsynced bytes worth a background sync: small, so that the last one before the rename is short. */
const BACKGROUND_SYNC_BYTES = 1 << 20;

export interface Sink {
  /** A file's descriptor, for positional writes from workers (`write` is then not used). */
  readonly fd?: number;
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the written bytes durable and visible under the final name. */
  commit(): Promise<void>;
  /** Removes whatever was written; safe to call more than once. */
  discard(): Promise<void>;
}

/**
 * Opens a temporary file beside `finalPath`. Fails at once if the target is a folder, or exists and
 * `overwrite` is false. `durable`: fsync before publishing, so the file survives a crash right
 * after (archives, whose source the user may delete next); decoded files skip it, like `zstd -d`,
 * since their archive is still there.
 */
export async function fileSink(finalPath: string, overwrite: boolean, durable = true): Promise<Sink> {
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
  const tempPath = partialName(finalPath, randomBytes(4).toString('hex'));
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(tempPath, 'wx', 0o644);
  } catch (err) {
    throw describeFsError(err, finalPath, 'create');
  }
  let closed = false;
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
    async write(bytes) {
      try {
        await writeAll(bytes, async (b, offset, length) => (await handle.write(b, offset, length)).bytesWritten);
        unsynced += bytes.length;
        syncInBackground();
      } catch (err) {
        throw describeFsError(err, finalPath, 'write');
      }
    },
    async commit() {
      try {
        await stopSyncing();
        if (syncError !== undefined) throw syncError;
        if (durable) await handle.sync();
        await close();
        await publish(tempPath, finalPath, overwrite);
      } catch (err) {
        throw describeFsError(err, finalPath, 'write');
      }
      if (durable) await syncDirectory(dir);
    },
    async discard() {
      await stopSyncing();
      await close().catch(() => undefined);
      await fs.rm(tempPath, { force: true });
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
    commit: async () => undefined,
    discard: async () => undefined,
  };
  return sink;
}

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
