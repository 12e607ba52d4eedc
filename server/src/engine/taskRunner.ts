/**
 * What a pool lane does with one task: read and compress a chunk, or decode a frame (and write it
 * to the target file). Runs in a worker thread, or on the pool's host lane in the calling thread.
 */
import { readSync, writeSync } from 'node:fs';
import { ChunkCompressor, decompressBounded, decompressInto, sliceFor } from './codec';
import { contentChecksum, xxh64 } from './hash';
import type { CompressTask, DecompressTask, TaskOutcome, WorkerTask } from './workerMessages';

/** One per thread, made on first use (the VS Code helper's host thread never compresses). */
let compressor: ChunkCompressor | undefined;
const READ_SLICE = 64 << 20;
/** Frames decoding to at most this take well under 100 ms (zstd decodes at 0.5-1.5 GB/s). */
const HOST_DECODE_MAX = 32 << 20;

/** Runs `task` to its outcome; an exception becomes a `failed` outcome with its errno code. */
export function runTask(task: WorkerTask): TaskOutcome {
  try {
    return task.kind === 'compress' ? compress(task) : decompress(task);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { kind: 'failed', message: err instanceof Error ? err.message : String(err), code };
  }
}

/**
 * Whether `task` is short enough for the host lane, where nothing else runs meanwhile (not even
 * a cancel): a chunk that zstd compresses in one abort-check slice (about 100 ms of work) read from
 * a file, or a frame of at most 32 MiB. A stream's chunks stay off it: its thread must keep reading.
 */
export function hostable(task: WorkerTask): boolean {
  return task.kind === 'compress'
    ? task.source !== undefined && task.input.length <= sliceFor(task.level)
    : task.contentSize <= HOST_DECODE_MAX;
}

function compress(task: CompressTask): TaskOutcome {
  const flag = new Int32Array(task.abortFlag);
  const stopped = (): boolean => Atomics.load(flag, 0) !== 0;
  const started = performance.now();
  if (task.source && !readChunk(task.source.fd, task.input, task.source.position, stopped)) return { kind: 'aborted' };
  const digest = xxh64(task.input);
  compressor ??= new ChunkCompressor();
  const size = compressor.compressFrame(task.input, task.output, task.level, contentChecksum(digest), stopped);
  return size === undefined
    ? { kind: 'aborted' }
    : { kind: 'done', compressedSize: size, digest, elapsedMs: performance.now() - started };
}

/**
 * Fills `into` from `fd` at `position`, in slices so that a cancel is seen within one (false then).
 * A file that has shrunk since the job began is an error.
 */
function readChunk(fd: number, into: Uint8Array, position: number, stopped: () => boolean): boolean {
  for (let filled = 0; filled < into.length; ) {
    if (stopped()) return false;
    const read = readSync(fd, into, filled, Math.min(READ_SLICE, into.length - filled), position + filled);
    if (read === 0) {
      const error: NodeJS.ErrnoException = new Error(
        `it ends at byte ${position + filled}, but was longer when compression started (it changed meanwhile)`,
      );
      error.code = 'EIO';
      throw error;
    }
    filled += read;
  }
  return true;
}

/**
 * Decodes the whole frame in one call (no copy out of a streaming window); then writes its part to
 * the target file, or hashes it for a manifest check.
 */
function decompress(task: DecompressTask): TaskOutcome {
  const started = performance.now();
  const space = task.output.subarray(0, task.contentSize);
  const size = task.sizeKnown
    ? (decompressInto(task.input, space), task.contentSize)
    : decompressBounded(task.input, space);
  const content = space.subarray(0, size);
  if (task.target) writeAt(task.target, content.subarray(task.target.skip, task.target.skip + task.target.take));
  return {
    kind: 'decoded',
    size,
    digest: task.digest ? xxh64(content) : undefined,
    elapsedMs: performance.now() - started,
  };
}

/** Writes `piece` at its place in the target file while holding the job's write lock. */
function writeAt(target: NonNullable<DecompressTask['target']>, piece: Uint8Array): void {
  holding(new Int32Array(target.writeLock), () => {
    for (let done = 0; done < piece.length; )
      done += writeSync(target.fd, piece, done, piece.length - done, target.position + done);
  });
}

/**
 * Runs `fn` while no other worker of the job writes. Buffered writes to one file from two threads
 * contend on its inode lock, where the kernel spins: measured here, two concurrent writers took
 * 1.5-3x the system time and more wall time than one at a time. Waiting here sleeps instead.
 */
function holding(lock: Int32Array, fn: () => void): void {
  while (Atomics.compareExchange(lock, 0, 0, 1) !== 0) Atomics.wait(lock, 0, 1);
  try {
    fn();
  } finally {
    Atomics.store(lock, 0, 0);
    Atomics.notify(lock, 0, 1);
  }
}
