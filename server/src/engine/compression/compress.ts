import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ArchiveWriter } from './archiveWriter';
import { AsyncQueue, Semaphore } from './asyncQueue';
import { BufferArena } from '../pool/bufferArena';
import { streamSource, type ChunkSource, type StreamSource } from '../io/chunkSource';
import { resolveOptions, type CompressOptions } from './compressOptions';
import { cancelled, ChunkpressError, describeFsError } from '../errors';
import { MANIFEST_VERSION, type Manifest, type SourceKind } from '../format/manifest';
import { contentChecksum, treeDigest } from '../codec/hash';
import { TASKS_PER_WORKER, type TaskGroup, type WorkerPool } from '../pool/pool';
import { ProgressMeter, type ChunkRecord, type ProgressListener } from '../progress';
import { formatSize } from '../sizes';
import { defaultSystem, type SystemInfo } from '../io/system';
import { compressBound, planThreads, type ThreadPlan } from '../pool/threadPlan';
import type { TaskReply } from '../pool/workerMessages';

export type CompressInput = { kind: 'file'; path: string } | { kind: 'stream'; stream: Readable; name: string };
export type CompressOutput =
  | { kind: 'file'; path: string; overwrite: boolean }
  | { kind: 'stream'; stream: Writable; label?: string };

export interface CompressJob {
  input: CompressInput;
  output: CompressOutput;
  options?: Partial<CompressOptions>;
  pool: WorkerPool;
  signal?: AbortSignal;
  listener?: ProgressListener;
  /** Injected in tests; defaults to this machine. */
  system?: SystemInfo;
}

export interface CompressResult {
  inputName: string;
  outputPath: string | undefined;
  inputSize: number;
  outputSize: number;
  chunks: number;
  elapsedMs: number;
  bytesPerSecond: number;
  options: CompressOptions;
  plan: ThreadPlan;
  digest: string;
  warnings: string[];
}

interface OpenedInput {
  name: string;
  kind: SourceKind;
  source: ChunkSource;
  mtime: string | null;
  mode: number | null;
  /** A regular file's stat, for the archive to take its permissions and times (as zstd does). */
  stat?: fs.Stats;
  close(): Promise<void>;
}

async function openInput(input: CompressInput): Promise<OpenedInput> {
  if (input.kind === 'stream') {
    return {
      name: input.name,
      kind: 'stream',
      source: streamSource(input.stream),
      mtime: null,
      mode: null,
      close: async () => undefined,
    };
  }
  let stat: fs.Stats;
  try {
    stat = await fsp.stat(input.path);
  } catch (err) {
    throw describeFsError(err, input.path, 'read');
  }
  if (stat.isDirectory()) throw describeFsError({ code: 'EISDIR' }, input.path, 'read');
  const meta = { name: path.basename(input.path), mtime: stat.mtime.toISOString(), mode: stat.mode & 0o7777 };
  if (!stat.isFile()) {
    // A FIFO or device: read it as a stream of unknown length.
    const stream = fs.createReadStream(input.path);
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject)).catch(
      (err: unknown) => {
        throw describeFsError(err, input.path, 'read');
      },
    );
    const source = streamSource(stream);
    return {
      ...meta,
      kind: 'stream',
      source: wrapReadErrors(source, input.path),
      close: async () => void stream.destroy(),
    };
  }
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(input.path, 'r');
  } catch (err) {
    throw describeFsError(err, input.path, 'read');
  }
  return {
    ...meta,
    kind: 'file',
    stat,
    source: { kind: 'file', size: stat.size, fd: handle.fd, path: input.path },
    close: () => handle.close(),
  };
}

function wrapReadErrors(source: StreamSource, filePath: string): StreamSource {
  return {
    ...source,
    read: (into) =>
      source.read(into).catch((err: unknown) => {
        throw describeFsError(err, filePath, 'read');
      }),
  };
}

interface InFlight {
  index: number;
  /** The arena slot holding the chunk and its frame. */
  slot: number;
  inputOffset: number;
  inputSize: number;
  reply: Promise<TaskReply>;
}

/**
 * Compresses one input into a Chunkpress archive: a reader fills chunk buffers, at most
 * `plan.threads` of them compress at once on the shared pool, and an ordered writer appends the
 * frames. At most `plan.window` chunks are in flight, which bounds memory whatever the input size.
 */
export async function compress(job: CompressJob): Promise<CompressResult> {
  const options = resolveOptions(job.options ?? {});
  const system = job.system ?? defaultSystem;
  const signal = job.signal;
  if (signal?.aborted) throw cancelled();
  const warnings: string[] = [];

  const input = await openInput(job.input);
  let writer: ArchiveWriter | undefined;
  try {
    const inputSize = input.source.size;
    if (job.output.kind === 'file') {
      if (job.input.kind === 'file' && path.resolve(job.output.path) === path.resolve(job.input.path)) {
        throw new ChunkpressError(
          `The output "${job.output.path}" would replace its own input`,
          'EINVAL',
          job.output.path,
        );
      }
      const free = await system.freeSpace(path.dirname(path.resolve(job.output.path)));
      if (free !== undefined && inputSize !== undefined && free < compressBound(inputSize)) {
        warnings.push(
          `Only ${formatSize(free)} free beside "${job.output.path}"; a ${formatSize(inputSize)} input that does not compress well may not fit`,
        );
      }
      writer = await ArchiveWriter.toFile(job.output.path, job.output.overwrite, input.stat);
    } else {
      writer = ArchiveWriter.toStream(job.output.stream, job.output.label);
    }

    const plan = planThreads({
      cores: system.cores,
      availableMemory: system.availableMemory,
      memoryFactor: options.memoryFactor,
      level: options.level,
      chunkSize: options.chunkSize,
      inputSize,
      requested: options.threads,
    });
    job.pool.warm(plan.threads);
    const totalChunks = inputSize === undefined ? undefined : Math.max(1, Math.ceil(inputSize / options.chunkSize));
    const meter = new ProgressMeter(inputSize, totalChunks);
    job.listener?.onStage?.(meter.snapshot());

    await runPipeline(job.pool, input.source, writer, options, plan, meter, job.listener, signal);

    meter.stage = 'finalizing';
    job.listener?.onStage?.(meter.snapshot());
    const manifest: Manifest = {
      format: 'chunkpress',
      version: MANIFEST_VERSION,
      options: { level: options.level, chunkSize: options.chunkSize },
      source: { name: input.name, kind: input.kind, size: meter.bytesIn, mtime: input.mtime, mode: input.mode },
      content: {
        size: meter.bytesIn,
        chunkCount: writer.digests.length,
        digestAlgorithm: 'xxh64-tree',
        digest: treeDigest(writer.digests),
      },
      chunks: { digestAlgorithm: 'xxh64', digests: writer.digests },
    };
    if (signal?.aborted) throw cancelled();
    const { size: outputSize, warnings: publishWarnings } = await writer.finish(manifest);
    warnings.push(...publishWarnings);
    meter.stage = 'done';
    meter.bytesOut = outputSize;
    const snapshot = meter.snapshot();
    job.listener?.onStage?.(snapshot);
    return {
      inputName: input.name,
      outputPath: writer.path,
      inputSize: meter.bytesIn,
      outputSize,
      chunks: writer.digests.length,
      elapsedMs: snapshot.elapsedMs,
      bytesPerSecond: snapshot.bytesPerSecond,
      options,
      plan,
      digest: manifest.content.digest,
      warnings,
    };
  } catch (err) {
    await writer?.abort().catch(() => undefined);
    throw err;
  } finally {
    await input.close().catch(() => undefined);
  }
}

async function runPipeline(
  pool: WorkerPool,
  source: ChunkSource,
  writer: ArchiveWriter,
  options: CompressOptions,
  plan: ThreadPlan,
  meter: ProgressMeter,
  listener: ProgressListener | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const bufferSize = source.size === undefined ? options.chunkSize : Math.min(options.chunkSize, source.size);
  const file = source.kind === 'file' ? source : undefined;
  const abortFlag = new SharedArrayBuffer(4);
  const flag = new Int32Array(abortFlag);
  // One slot per chunk in flight, reused: memory is set by the window, whatever the input size.
  const arena = new BufferArena(plan.window, bufferSize, compressBound(bufferSize));
  const window = new Semaphore(plan.window);
  // Each of the job's workers holds the chunk it compresses and the next one (see TASKS_PER_WORKER).
  const group: TaskGroup = { lanes: plan.threads };
  const running = new Semaphore(TASKS_PER_WORKER * plan.threads);
  const queue = new AsyncQueue<InFlight>();
  let failure: unknown;
  // A stream's read waits for its writer, and a cancel must not: a stalled pipe would hold the job.
  let stopReading: (err: unknown) => void = () => undefined;
  const readingStopped = new Promise<never>((_, reject) => (stopReading = reject));
  readingStopped.catch(() => undefined);

  const fail = (err: unknown): void => {
    failure ??= err;
    Atomics.store(flag, 0, 1);
    window.break(err instanceof Error ? err : new Error(String(err)));
    stopReading(err);
  };
  const onAbort = (): void => fail(cancelled());
  signal?.addEventListener('abort', onAbort);
  meter.stage = 'compressing';

  const reader = async (): Promise<void> => {
    let offset = 0;
    for (let index = 0; failure === undefined; index++) {
      await window.acquire();
      const slot = arena.take()!; // the window holds no more chunks than the arena has slots
      // A file's chunk is read by its worker (up to the size the file had when we started);
      // anything else is read here, in order.
      const length =
        source.kind === 'file'
          ? Math.min(bufferSize, source.size - offset)
          : await Promise.race([source.read(arena.input(slot)), readingStopped]);
      if (length === 0 && index > 0) {
        arena.give(slot);
        window.release();
        break;
      }
      if (failure !== undefined) break;
      await running.acquire();
      if (failure !== undefined) {
        running.release();
        break;
      }
      const reply = pool.run(
        {
          kind: 'compress',
          level: options.level,
          input: arena.input(slot).subarray(0, length),
          output: arena.output(slot),
          abortFlag,
          source: file && { fd: file.fd, position: offset },
        },
        group,
      );
      void reply.then(
        () => running.release(),
        () => running.release(),
      );
      queue.push({ index, slot, inputOffset: offset, inputSize: length, reply });
      offset += length;
      if (length < bufferSize) break; // a short read is the end of the input
    }
  };

  const write = async (): Promise<void> => {
    for (let item = await queue.next(); item; item = await queue.next()) {
      let reply: TaskReply;
      try {
        reply = await item.reply;
      } catch (err) {
        fail(new ChunkpressError(`Chunk ${item.index}: ${(err as Error).message}`, 'EINTERNAL'));
        continue;
      }
      const outcome = reply.outcome;
      if (failure === undefined && outcome.kind === 'done') {
        const frame = arena.output(item.slot).subarray(0, outcome.compressedSize);
        const checksum = contentChecksum(outcome.digest);
        const outputOffset = writer.committedBytes;
        try {
          await writer.appendFrame(
            frame,
            { compressedSize: outcome.compressedSize, decompressedSize: item.inputSize, checksum },
            outcome.digest,
          );
        } catch (err) {
          fail(err);
        }
        if (failure === undefined) {
          meter.bytesIn += item.inputSize;
          meter.bytesOut = writer.committedBytes;
          meter.chunksDone++;
          const record: ChunkRecord = {
            index: item.index,
            inputOffset: item.inputOffset,
            inputSize: item.inputSize,
            outputOffset,
            compressedSize: outcome.compressedSize,
            checksum,
            digest: outcome.digest,
            elapsedMs: outcome.elapsedMs,
          };
          listener?.onChunk?.(record, meter.snapshot());
        }
      } else if (outcome.kind === 'failed' && outcome.code !== undefined && file) {
        fail(describeFsError({ code: outcome.code, message: outcome.message }, file.path, 'read'));
      } else if (outcome.kind === 'failed') {
        fail(new ChunkpressError(`Chunk ${item.index}: zstd failed: ${outcome.message}`, 'EINTERNAL'));
      }
      // Only now may the reader reuse the slot: the frame has been written.
      arena.give(item.slot);
      window.release();
    }
  };

  const writing = write();
  try {
    await reader();
  } catch (err) {
    fail(err);
  } finally {
    queue.close();
    await writing;
    signal?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) throw failure;
}
