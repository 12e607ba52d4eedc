/**
 * How bytes go into a file: in pieces of at most 256 KiB, whatever the caller holds.
 *
 * Linux (ext4 since 6.16) caches a file in folios sized after each write, up to 2 MiB, and on
 * this VM (kernel 6.18, free pages handed back to the host a second or two after they are freed)
 * big ones were far dearer to allocate once free memory had gone cold: 1.36 GB written in 4 MiB
 * writes took 1.7-1.8 s of system time, in 1 MiB writes 1.2 s, in 512 KiB 0.63-0.70 s, in 256 KiB
 * down to 64 KiB 0.35-0.43 s; with warm free memory, 0.31-0.46 s whatever the size. zstd -d writes
 * 32 KiB at a time, pzstd -d 128 KiB.
 */
import { writeSync } from 'node:fs';

export const WRITE_PIECE = 256 << 10;

/** One write call: writes up to `length` bytes of `bytes` from `offset`; returns how many it wrote. */
type WriteSync = (bytes: Uint8Array, offset: number, length: number, position: number) => number;
type WriteAsync = (bytes: Uint8Array, offset: number, length: number) => Promise<number>;

/** Writes all of `bytes` at `position` of `fd`, in pieces (`write` is injected in tests). */
export function writeAllSync(
  fd: number,
  bytes: Uint8Array,
  position: number,
  write: WriteSync = (b, o, l, p) => writeSync(fd, b, o, l, p),
): void {
  for (let done = 0; done < bytes.length; )
    done += write(bytes, done, Math.min(WRITE_PIECE, bytes.length - done), position + done);
}

/** Appends all of `bytes` through `write` (a file handle's), in pieces. */
export async function writeAll(bytes: Uint8Array, write: WriteAsync): Promise<void> {
  for (let done = 0; done < bytes.length; )
    done += await write(bytes, done, Math.min(WRITE_PIECE, bytes.length - done));
}
