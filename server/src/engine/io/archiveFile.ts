/** An archive opened for random reads: every read error names the file, and bytes read are counted. */
import * as fsp from 'node:fs/promises';
import { describeFsError } from '../errors';

export interface ArchiveFile {
  readonly path: string;
  readonly size: number;
  /** The open descriptor, for workers that read frames themselves (their bytes are not counted). */
  readonly fd: number;
  /** Bytes actually read so far. */
  readonly bytesRead: number;
  /** Up to `length` bytes at `offset`; fewer only at the end of the file. */
  readAt(offset: number, length: number): Promise<Uint8Array>;
  /** Fills `target` from `offset` (less only at the end of the file); returns the bytes read. */
  readInto(offset: number, target: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

/** Opens `file` for reading; refuses folders with EISDIR, like every other input. */
export async function openArchive(file: string): Promise<ArchiveFile> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch (err) {
    throw describeFsError(err, file, 'read');
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw describeFsError({ code: 'EISDIR' }, file, 'read');
    let bytesRead = 0;
    const readInto = async (offset: number, target: Uint8Array): Promise<number> => {
      let done = 0;
      while (done < target.length) {
        const { bytesRead: n } = await handle.read(target, done, target.length - done, offset + done).catch((err) => {
          throw describeFsError(err, file, 'read');
        });
        if (n === 0) break; // the end of the file (or it shrank under us)
        done += n;
      }
      bytesRead += done;
      return done;
    };
    return {
      path: file,
      size: stat.size,
      fd: handle.fd,
      get bytesRead() {
        return bytesRead;
      },
      readInto,
      async readAt(offset, length) {
        const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, stat.size - offset)));
        return buffer.subarray(0, await readInto(offset, buffer));
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Runs `use` with the archive open, and closes it whatever happens. */
export async function withArchive<T>(file: string, use: (archive: ArchiveFile) => Promise<T>): Promise<T> {
  const archive = await openArchive(file);
  try {
    return await use(archive);
  } finally {
    await archive.close();
  }
}
