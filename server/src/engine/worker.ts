/** Compression worker: one zstd context, reused for every chunk it is given, plus XXH64 of each chunk. */
import { parentPort } from 'node:worker_threads';
import { ChunkCompressor } from './codec';
import { xxh64 } from './hash';
import type { CompressTask, TaskOutcome, TaskReply } from './workerMessages';

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');

const compressor = new ChunkCompressor();

port.on('message', (task: CompressTask) => {
  const flag = new Int32Array(task.abortFlag);
  const stopped = (): boolean => Atomics.load(flag, 0) !== 0;
  let outcome: TaskOutcome;
  const started = performance.now();
  try {
    const src = new Uint8Array(task.input, 0, task.inputLength);
    const digest = xxh64(src);
    const checksum = parseInt(digest.slice(8), 16);
    const size = compressor.compressFrame(src, new Uint8Array(task.output), task.level, checksum, stopped);
    outcome =
      size === undefined
        ? { kind: 'aborted' }
        : { kind: 'done', compressedSize: size, digest, elapsedMs: performance.now() - started };
  } catch (err) {
    outcome = { kind: 'failed', message: err instanceof Error ? err.message : String(err) };
  }
  const reply: TaskReply = { id: task.id, input: task.input, output: task.output, outcome };
  port.postMessage(reply, [task.input, task.output]);
});
