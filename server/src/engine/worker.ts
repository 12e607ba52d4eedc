/** Pool worker: one zstd compression context reused for every chunk, XXH64, and frame decoding. */
import { writeSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { ChunkCompressor, decompressBounded, decompressInto, FrameDecoder } from './codec';
import { xxh64 } from './hash';
import type { CompressTask, DecompressTask, TaskOutcome, TaskReply, WorkerTask } from './workerMessages';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const compressor = new ChunkCompressor();
let decoder: FrameDecoder | undefined;

function compress(task: CompressTask): TaskOutcome {
  const flag = new Int32Array(task.abortFlag);
  const stopped = (): boolean => Atomics.load(flag, 0) !== 0;
  const started = performance.now();
  const src = new Uint8Array(task.input, 0, task.inputLength);
  const digest = xxh64(src);
  const checksum = parseInt(digest.slice(8), 16);
  const size = compressor.compressFrame(src, new Uint8Array(task.output), task.level, checksum, stopped);
  return size === undefined
    ? { kind: 'aborted' }
    : { kind: 'done', compressedSize: size, digest, elapsedMs: performance.now() - started };
}

function decompress(task: DecompressTask): TaskOutcome {
  const started = performance.now();
  if (task.target) {
    decodeToFile(task, task.target);
    return { kind: 'decoded', size: task.contentSize, digest: undefined, elapsedMs: performance.now() - started };
  }
  const frame = new Uint8Array(task.input, 0, task.inputLength);
  const space = new Uint8Array(task.output, 0, task.contentSize);
  const size = task.sizeKnown ? (decompressInto(frame, space), task.contentSize) : decompressBounded(frame, space);
  const content = space.subarray(0, size);
  return {
    kind: 'decoded',
    size,
    digest: task.digest ? xxh64(content) : undefined,
    elapsedMs: performance.now() - started,
  };
}

/**
 * Streams the frame through a small buffer that stays in this core's cache, writing each piece at
 * its place: copying a whole cold frame into the page cache costs twice as much system time.
 */
function decodeToFile(task: DecompressTask, target: NonNullable<DecompressTask['target']>): void {
  decoder ??= new FrameDecoder();
  decoder.reset();
  let at = 0; // content offset of the next decoded byte
  const end = target.skip + target.take;
  const { frameDone } = decoder.feed(new Uint8Array(task.input, 0, task.inputLength), (piece) => {
    if (at + piece.length > task.contentSize)
      throw new Error(`decodes to more than the ${task.contentSize} bytes it declares`);
    const from = Math.max(target.skip, at);
    const to = Math.min(end, at + piece.length);
    for (let done = from; done < to; ) {
      done += writeSync(target.fd, piece, done - at, to - done, target.position + done - target.skip);
    }
    at += piece.length;
  });
  if (!frameDone) throw new Error('is truncated: its last block is missing');
  if (at !== task.contentSize) throw new Error(`decodes to ${at} bytes but declares ${task.contentSize}`);
}

port.on('message', (task: WorkerTask) => {
  let outcome: TaskOutcome;
  try {
    outcome = task.kind === 'compress' ? compress(task) : decompress(task);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    outcome = { kind: 'failed', message: err instanceof Error ? err.message : String(err), code };
  }
  const reply: TaskReply = { id: task.id, input: task.input, output: task.output, outcome };
  port.postMessage(reply, [task.input, task.output]);
});
