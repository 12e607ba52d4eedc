import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ArchiveWriter } from './archiveWriter';
import { bgzf, gzipMember, seekableZstd, type BgzfContainer, type Container } from './containers';
import { fileSink, type Sink } from '../io/outputSink';
import { DEFLATE_WINDOW } from '../codec/deflate';
import { frameLine, JOURNAL_KIND, JOURNAL_VERSION, type CompressHeader } from '../format/jobJournal';
import { fingerprintOf, journalPathOf, JournalWriter } from '../io/journalFile';
import { meetInterrupted } from '../io/interruptedJobs';
import { prepareResume, type ResumedSource, type ResumePoint } from './resume';
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
  /**
   * A file into a file keeps a journal, so that a job that did not end can be resumed. When one of
   * the same target is found: `resume` goes on from it (with its options), `discard` removes it and
   * starts over; without either the job stops with EINTERRUPTED. `resume` with none starts anew.
   */
  resume?: 'resume' | 'discard';
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
  /** Chunks an interrupted job had made, found intact and kept. */
  resumedChunks?: number;
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
  let options = resolveOptions(job.options ?? {});
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
    const file = input.source.kind === 'file' ? input.source : undefined;
    // Only a file into a file can be resumed: a stream cannot be read again.
    const target = job.output.kind === 'file' && file ? path.resolve(job.output.path) : undefined;
    const point =
      target && file
        ? await settleInterrupted(
            job.resume,
            target,
            { kind: 'file', path: file.path, fd: file.fd },
            job.pool,
            Math.max(1, Math.min(system.cores, job.pool.size)),
            signal,
          )
        : undefined;
    if (point) {
      // The interrupted job's options, so that its frames and the rest make one archive.
      options = resolveOptions({
        ...point.header.options,
        threads: options.threads,
        memoryFactor: options.memoryFactor,
      });
      if (point.dropped > 0)
        warnings.push(
          `${point.dropped} chunk${point.dropped === 1 ? '' : 's'} at the end of the partial archive did not check out, and were made again`,
        );
    }
    const fields = { mtime: input.stat ? Math.floor(input.stat.mtimeMs / 1000) : 0, name: input.stat && input.name };
    const output = await openOutput(job.output, options, system, inputSize, warnings, input.stat, fields, point);
    writer = output.writer;
    gzi = output.gzi;
    if (target)
      await startJournal(writer, target, point, {
        options: journalOptions(options),
        source: fingerprintOf(file!.path, input.stat!),
        totalChunks: Math.max(1, Math.ceil(file!.size / options.chunkSize)),
      });

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
    const resumedFrom = writer.contentBytes;
    meter.bytesIn = meter.resumedBytes = resumedFrom;
    meter.chunksDone = writer.entries.length;
    meter.bytesOut = writer.committedBytes;
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
      start: point && {
        index: writer.entries.length,
        tail: file && (await tailBefore(file, resumedFrom)),
      },
    };
    await runPipeline(pipeline, chunkFeed(input.source, options.chunkSize, resumedFrom));

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
      ...(point && { resumedChunks: point.frames.length }),
    };
  } catch (err) {
    await gzi?.abort().catch(() => undefined);
    throw await stopWriting(writer, err);
  } finally {
    await input.close().catch(() => undefined);
  }
}

/**
 * What to do with the interrupted jobs of `target`: none, or they are discarded (and this job
 * starts anew), or the newest is checked and resumed from. Without a decision, EINTERRUPTED says
 * how far it got.
 */
export async function settleInterrupted(
  resume: CompressJob['resume'],
  target: string,
  source: ResumedSource,
  pool: WorkerPool,
  lanes: number,
  signal: AbortSignal | undefined,
): Promise<ResumePoint | undefined> {
  const job = await meetInterrupted(resume, path.dirname(target), {
    job: 'compress',
    target,
    prefix: `.${path.basename(target)}.`,
  });
  return job && prepareResume(job, source, pool, lanes, signal);
}

/**
 * Ends a job that failed with `err`: its partial archive goes, but for a full disk, which is an
 * interruption (what is done stays, to be resumed once there is room), and a resumed folder found
 * changed (it stays until discarded). Returns what to throw.
 */
export async function stopWriting(writer: ArchiveWriter | undefined, err: unknown): Promise<unknown> {
  // A resumed folder found changed: its partial archive stays until the person starts over.
  if ((err as ChunkpressError).code === 'ECHANGED' && writer) {
    await writer.interrupt('the source changed').catch(() => false);
    return err;
  }
  if ((err as ChunkpressError).code === 'ENOSPC' && writer) {
    const kept = await writer.interrupt('no space left').catch(() => false);
    if (!kept) return err;
    return new ChunkpressError(
      `${(err as Error).message}; what is done is kept, and the job can be resumed once there is room`,
      'ENOSPC',
      (err as ChunkpressError).path,
    );
  }
  await writer?.abort().catch(() => undefined);
  return err;
}

/**
 * Starts the journal of a job writing a file: a new one, or a resumed job's, rewritten with the
 * frames kept. `job`: what the job is besides where it writes.
 */
export async function startJournal(
  writer: ArchiveWriter,
  target: string,
  point: ResumePoint | undefined,
  job: Pick<CompressHeader, 'options' | 'source' | 'tree' | 'totalChunks'>,
): Promise<JournalWriter | undefined> {
  if (!writer.tempPath) return undefined;
  const header: CompressHeader = {
    journal: JOURNAL_KIND,
    version: JOURNAL_VERSION,
    job: 'compress',
    target,
    partial: path.resolve(writer.tempPath),
    startedAt: point?.header.startedAt ?? Date.now(),
    pid: process.pid,
    ...job,
    headBytes: writer.container.head.length,
  };
  const file = journalPathOf(writer.tempPath);
  const journal = point
    ? await JournalWriter.rewrite(file, header, point.frames.map(frameLine).join(''))
    : await JournalWriter.create(file, header);
  writer.keepJournal(journal);
  return journal;
}

/** The options a journal records: those that decide the archive's bytes. */
export const journalOptions = (o: CompressOptions): CompressHeader['options'] => ({
  format: o.format,
  gzipLayout: o.gzipLayout,
  gzi: o.gzi,
  level: o.level,
  chunkSize: o.chunkSize,
});

/** The 32 KiB of the source before `offset`: a resumed gzip member's next chunk is primed with them. */
async function tailBefore(file: { fd: number }, offset: number): Promise<Uint8Array> {
  const from = Math.max(0, offset - DEFLATE_WINDOW);
  const tail = Buffer.alloc(offset - from);
  await new Promise<void>((resolve, reject) =>
    fs.read(file.fd, tail, 0, tail.length, from, (err) => (err ? reject(err) : resolve())),
  );
  return tail;
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
  resumed?: ResumePoint,
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
  // Refused up front if it exists; made at the end, so that an interrupted job leaves no partial of it.
  const gzi = options.gzi ? await gziSidecar(`${output.path}.gzi`, output.overwrite) : undefined;
  const writer = await ArchiveWriter.toFile(
    output.path,
    output.overwrite,
    like,
    container,
    resumed && { tempPath: resumed.header.partial, frames: resumed.frames, length: resumed.length },
  );
  // A resumed gzip member's header holds the source's mtime as it is now, as a new run's would.
  if (resumed && resumed.length > 0 && container.head.length > 0)
    await rewriteHead(resumed.header.partial, container.head);
  return { writer, gzi };
}

async function rewriteHead(partial: string, head: Uint8Array): Promise<void> {
  const handle = await fs.promises.open(partial, 'r+');
  try {
    await handle.write(head, 0, head.length, 0);
  } finally {
    await handle.close();
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

async function gziSidecar(file: string, overwrite: boolean): Promise<GziSidecar> {
  const existing = await fs.promises.lstat(file).catch(() => undefined);
  if (existing && (!overwrite || existing.isDirectory()))
    throw describeFsError({ code: existing.isDirectory() ? 'EISDIR' : 'EEXIST' }, file, 'create');
  let sink: Sink | undefined;
  return {
    async finish(writer) {
      sink = await fileSink(file, { overwrite });
      await sink.write((writer.container as BgzfContainer).gzi());
      await sink.commit();
    },
    abort: async () => sink?.discard(),
  };
}

function chunkFeed(source: ChunkSource, chunkSize: number, from = 0): FrameFeed {
  const frameCapacity = source.size === undefined ? chunkSize : Math.min(chunkSize, source.size);
  let offset = from;
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
