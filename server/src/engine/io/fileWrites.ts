/**
 * How bytes go into a file: in pieces, whatever the caller holds, of a size that depends on who
 * writes them.
 *
 * Linux (ext4 since 6.16) caches a file in folios sized after each write, up to 2 MiB, and on
 * this VM (kernel 6.18, free pages handed back to the host a second or two after they are freed)
 * big ones were far dearer to allocate once free memory had gone cold: 1.36 GB written in 4 MiB
 * writes took 1.7-1.8 s of system time, in 1 MiB writes 1.2 s, in 512 KiB 0.63-0.70 s, in 256 KiB
 * down to 64 KiB 0.35-0.43 s; with warm free memory, 0.31-0.46 s whatever the size. zstd -d writes
 * 32 KiB at a time, pzstd -d 128 KiB.
 */
import { writeSync } from 'node:fs';

/**
 * A thread's own writes (the decoding workers', at their frames' places): 32 KiB, as `zstd -d`.
 * Decompressing the benchmark's kernel tar on two workers (6-24 runs each): 32 KiB
 * pieces took 0.92-0.99 s with 0.53-0.59 s of system time in every run; 64 KiB and 128 KiB
 * 0.86-0.99 s, but 1.0-1.5 s in a third of the runs; 256 KiB 1.00-2.01 s; 16 KiB 1.00-1.06 s
 * (the calls themselves then cost). Allocations of up to 32 KiB (order 3) are the largest the
 * kernel serves from its per-CPU lists, which may be why.
 */
export const SYNC_WRITE_PIECE = 32 << 10;

/**
 * Writes into a pipe, from the job's thread through libuv's pool: whole decoded frames of the
 * default chunk size. The kernel copies 64 KiB at a time whatever the call; fewer calls are fewer
 * trips to the pool and fewer wake-ups. Kernel tar through `| cat`, rotated rounds: 64 KiB calls
 * 3.0-4.7 s, 1 MiB 2.1-3.0 s, 4 MiB 1.6-2.7 s, 16 MiB no better (pzstd -d -c 1.6-1.9 s).
 */
export const PIPE_WRITE_PIECE = 4 << 20;

/** A worker's writes at a descriptor's own position (stdout as a file or a character device). */
const IN_ORDER_PIECE = 64 << 10;

/**
 * Writes that go through libuv's pool (the ordered writer, a file on stdout): each one is a trip to
 * another thread and back, so bigger. 32 KiB pieces there made a decode written in order 25-30 %
 * slower; 128 KiB measured as 256 KiB.
 */
export const WRITE_PIECE = 256 << 10;

/**
 * Segments of zeros (this long, aligned to it in the file) are not written into a decoded file but
 * left as holes, as `zstd -d` does by default (its --sparse, with the same 32 KiB): a disk image
 * full of zeros then takes little disk and no page-cache copy. Checking costs nothing measurable
 * on other data, where the comparison stops at the first byte that is not zero.
 */
export const HOLE_SIZE = 32 << 10;
const ZEROS = Buffer.alloc(HOLE_SIZE);

/** One write call: writes up to `length` bytes of `bytes` from `offset`; returns how many it wrote. */
type WriteSync = (bytes: Uint8Array, offset: number, length: number, position: number) => number;
type WriteAsync = (bytes: Uint8Array, offset: number, length: number, position: number) => Promise<number>;

/**
 * The stretches [start, end) of `bytes`, bound for `position` of a fresh file (where anything not
 * written reads as zeros), that must be written when `sparse`: all but its zero segments. The
 * segments are aligned in the file, so the first and last may be shorter; skipping those only
 * shortens a run, which is why a stream of small pieces still leaves its zeros unwritten.
 */
export function dataRuns(bytes: Uint8Array, position: number, sparse: boolean): Array<[number, number]> {
  if (!sparse) return [[0, bytes.length]];
  const runs: Array<[number, number]> = [];
  let runStart = 0;
  let segment = 0;
  let segmentEnd = Math.min(bytes.length, HOLE_SIZE - (position % HOLE_SIZE));
  while (segment < bytes.length) {
    if (ZEROS.compare(bytes, segment, segmentEnd, 0, segmentEnd - segment) === 0) {
      if (runStart < segment) runs.push([runStart, segment]);
      runStart = segmentEnd;
    }
    segment = segmentEnd;
    segmentEnd = Math.min(bytes.length, segmentEnd + HOLE_SIZE);
  }
  if (runStart < bytes.length) runs.push([runStart, bytes.length]);
  return runs;
}

/**
 * Writes all of `bytes` at `position` of `fd`, in pieces; `sparse`: leaves zero segments as holes
 * (`write` is injected in tests).
 */
export function writeAllSync(
  fd: number,
  bytes: Uint8Array,
  position: number,
  sparse = false,
  write: WriteSync = (b, o, l, p) => writeSync(fd, b, o, l, p),
): void {
  for (const [start, end] of dataRuns(bytes, position, sparse))
    for (let done = start; done < end; )
      done += write(bytes, done, Math.min(SYNC_WRITE_PIECE, end - done), position + done);
}

/**
 * Writes all of `bytes` at `fd`'s own position (a stdout that is a file or a character device), in
 * pieces: no holes, no positions.
 */
export function writeInOrderSync(
  fd: number,
  bytes: Uint8Array,
  write: (bytes: Uint8Array, offset: number, length: number) => number = (b, o, l) => writeSync(fd, b, o, l),
): void {
  for (let done = 0; done < bytes.length; ) done += write(bytes, done, Math.min(IN_ORDER_PIECE, bytes.length - done));
}

/** The same through an asynchronous positional `write` (a file handle's). */
export async function writeAll(bytes: Uint8Array, position: number, sparse: boolean, write: WriteAsync): Promise<void> {
  for (const [start, end] of dataRuns(bytes, position, sparse))
    for (let done = start; done < end; )
      done += await write(bytes, done, Math.min(WRITE_PIECE, end - done), position + done);
}
