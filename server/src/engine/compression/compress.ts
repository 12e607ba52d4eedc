import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ArchiveWriter } from './archiveWriter';
import { bgzf, gzipMember, seekableZstd, type BgzfContainer, type Container } from './containers';
import { fileSink, type Sink } from '../io/outputSink';
import { runPipeline, type FrameFeed, type FrameWork, type PipelineJob } from './framePipeline';
import { streamSource, type ChunkSource, type StreamSource } from '../io/chunkSource';
import { resolveOptions, type CompressOptions } from './compressOptions';
import { cancelled, ChunkpressError, describeFsError } from '../errors';
import { MANIFEST_VERSION, type Manifest, type SourceKind } from '../format/manifest';
import { treeDigest } from '../codec/hash';
import type { WorkerPool } from '../pool/pool';
import { ProgressMeter, type ProgressListener } from '../progress';
import { formatSize } from '../sizes';
import { defaultSystem, type SystemInfo } from '../io/system';
import { compressBound, planThreads, type ThreadPlan } from '../pool/threadPlan';

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

/** Compresses one input into a Chunkpress archive, chunk by chunk (framePipeline.ts). */
export async function compress(job: CompressJob): Promise<CompressResult> {
  const options = resolveOptions(job.options ?? {});
  const system = job.system ?? defaultSystem;
  const signal = job.signal;
  if (signal?.aborted) throw cancelled();
  const warnings: string[] = [];

  const input = await openInput(job.input);
  let writer: ArchiveWriter | undefined;
  let gzi: GziSidecar | undefined;
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
    }
    const fields = { mtime: input.stat ? Math.floor(input.stat.mtimeMs / 1000) : 0, name: input.stat && input.name };
    const output = await openOutput(job.output, options, system, inputSize, warnings, input.stat, fields);
    writer = output.writer;
    gzi = output.gzi;

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

    const pipeline: PipelineJob = {
      pool: job.pool,
      writer,
      level: options.level,
      gzip: options.format === 'gzip' ? options.gzipLayout : undefined,
      plan,
      meter,
      listener: job.listener,
      signal,
      abortFlag: new SharedArrayBuffer(4),
      group: { lanes: plan.threads },
    };
    await runPipeline(pipeline, chunkFeed(input.source, options.chunkSize));

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
    await gzi?.finish(writer);
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
    await gzi?.abort().catch(() => undefined);
    throw err;
  } finally {
    await input.close().catch(() => undefined);
  }
}

/**
 * The archive's writer, to a temporary file beside the target (which must not exist unless
 * `overwrite`) or to a stream, with the container of the options' format; warns when the disk may
 * be too small for `inputSize` bytes. A BGZF archive asked with its `.gzi` gets that too, refused
 * up front as the archive is if it exists.
 */
export async function openOutput(
  output: CompressOutput,
  options: CompressOptions,
  system: SystemInfo,
  inputSize: number | undefined,
  warnings: string[],
  like?: fs.Stats,
  fields: { mtime: number; name?: string } = { mtime: 0 },
): Promise<{ writer: ArchiveWriter; gzi: GziSidecar | undefined }> {
  const container = containerFor(options, fields);
  if (output.kind === 'stream') {
    if (options.gzi) throw new ChunkpressError('A .gzi index is written beside a file, not for a stream', 'EINVAL');
    return { writer: ArchiveWriter.toStream(output.stream, output.label, container), gzi: undefined };
  }
  const free = await system.freeSpace(path.dirname(path.resolve(output.path)));
  if (free !== undefined && inputSize !== undefined && free < compressBound(inputSize)) {
    warnings.push(
      `Only ${formatSize(free)} free beside "${output.path}"; a ${formatSize(inputSize)} input that does not compress well may not fit`,
    );
  }
  const gzi = options.gzi ? await fileSink(`${output.path}.gzi`, { overwrite: output.overwrite }) : undefined;
  try {
    const writer = await ArchiveWriter.toFile(output.path, output.overwrite, like, container);
    return { writer, gzi: gzi && gziSidecar(gzi) };
  } catch (err) {
    await gzi?.discard();
    throw err;
  }
}

function containerFor(options: CompressOptions, fields: { mtime: number; name?: string }): Container {
  if (options.format === 'zstd') return seekableZstd();
  return options.gzipLayout === 'bgzf' ? bgzf() : gzipMember({ ...fields, level: options.level });
}

/** The `.gzi` beside a BGZF archive, published once the archive is. */
export interface GziSidecar {
  finish(writer: ArchiveWriter): Promise<void>;
  abort(): Promise<void>;
}

function gziSidecar(sink: Sink): GziSidecar {
  return {
    async finish(writer) {
      await sink.write((writer.container as BgzfContainer).gzi());
      await sink.commit();
    },
    abort: () => sink.discard(),
  };
}

function chunkFeed(source: ChunkSource, chunkSize: number): FrameFeed {
  const frameCapacity = source.size === undefined ? chunkSize : Math.min(chunkSize, source.size);
  let offset = 0;
  let ended = false;
  const file = source.kind === 'file' ? source : undefined;
  return {
    frameCapacity,
    async next(index, input) {
      if (ended) return undefined;
      // A file's chunk is read by its worker (up to the size the file had when we started);
      // anything else is read here, in order.
      const size = source.kind === 'file' ? Math.min(frameCapacity, source.size - offset) : await source.read(input);
      if (size === 0 && index > 0) return undefined;
      const work: FrameWork = { size, offset, read: file && { source: { fd: file.fd, position: offset } } };
      offset += size;
      if (size < frameCapacity) ended = true; // a short read is the end of the input
      return work;
    },
    failure(index, outcome) {
      return outcome.code !== undefined && file
        ? describeFsError({ code: outcome.code, message: outcome.message }, file.path, 'read')
        : new ChunkpressError(`Chunk ${index}: zstd failed: ${outcome.message}`, 'EINTERNAL');
    },
  };
}
