/**
 * Decoding archives: whole (decompress), to nowhere with every check (verify), or one range of the
 * content (extract). Frames of known size are decoded in parallel on the worker pool and written
 * in order, a bounded window of them in flight; a file whose frames do not declare their sizes
 * (or declare huge ones) is decoded by one streaming context; gzip goes through zlib.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import * as zlib from 'node:zlib';
import { openArchive, type ArchiveFile } from '../io/archiveFile';
import { BufferArena } from '../pool/bufferArena';
import { FrameDecoder } from '../codec/codec';
import { defaultSystem, type SystemInfo } from '../io/system';
import { cancelled, ChunkpressError, describeFsError } from '../errors';
import { treeDigest } from '../codec/hash';
import { inspectArchive, problemError, type ArchiveInfo, type FrameRow } from '../inspection/inspect';
import { TASKS_PER_WORKER, type TaskGroup, type WorkerPool } from '../pool/pool';
import { ProgressMeter, type ProgressSnapshot } from '../progress';
import { formatSize } from '../sizes';
import { WRITE_PIECE } from '../io/fileWrites';
import { fileSink, streamSink, type Sink, type SourceStat } from '../io/outputSink';
import { MAX_THREADS } from '../pool/threadPlan';
import type { TaskReply } from '../pool/workerMessages';
import { WriteTurns } from '../pool/writeTurns';

/** Frames larger than this are streamed rather than decoded whole, to keep memory bounded. */
export const MAX_WHOLE_FRAME = 64 << 20;
const STREAM_READ = 1 << 20;

export type DecodeOutput =
  | { kind: 'file'; path: string; overwrite: boolean }
  | { kind: 'stream'; stream: Writable; label: string }
  /** Verify: decode and check, keep nothing. */
  | { kind: 'none' };

export interface DecodeJob {
  /** Path of the archive. */
  input: string;
  output: DecodeOutput;
  /** Only these bytes of the content (extract). */
  range?: { offset: number; length: number };
  /** Verify: check every frame and the manifest's digests; report failures instead of stopping. */
  verify?: boolean;
  pool: WorkerPool;
  /** Upper bound on workers. */
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (snapshot: ProgressSnapshot) => void;
  /** Each frame as it is checked (verify) or written. */
  onFrame?: (frame: FrameOutcome) => void;
  system?: SystemInfo;
}

export interface FrameOutcome {
  index: number;
  offset: number;
  compressedSize: number;
  contentOffset: number | undefined;
  contentSize: number | undefined;
  ok: boolean;
  /** Why it failed, naming the frame and its byte offsets. */
  message?: string;
}

export interface DecodeResult {
  input: string;
  outputPath: string | undefined;
  /** Bytes written (or checked, for verify). */
  bytesOut: number;
  /** Data frames in the archive, and how many were decoded (fewer for a range). */
  frames: number;
  framesDecoded: number;
  elapsedMs: number;
  bytesPerSecond: number;
  /** parallel: frames on the pool; streaming: one context, in order; gzip: zlib. */
  mode: 'parallel' | 'streaming' | 'gzip';
  threads: number;
  /** Said to the user, e.g. why there was no parallelism. */
  note: string | undefined;
  /** Verify: every frame that failed (empty when all is well). */
  failures: FrameOutcome[];
  /** Verify of a Chunkpress archive: whether the manifest's digests all matched. */
  digestsChecked: boolean;
  /** Said to the user, the job having succeeded (e.g. the output could not take the archive's permissions). */
  warnings: string[];
}

/** zstd's Block_Maximum_Size: no block decodes to more, so blocks × this bounds a frame of unknown size. */
const MAX_BLOCK = 128 << 10;

/** What a frame decodes to at most: its declared size, or its block count times the largest block. */
const sizeBound = (f: FrameRow): number | undefined =>
  f.contentSize ?? (f.blockCount === undefined ? undefined : f.blockCount * MAX_BLOCK);

const isData = (f: FrameRow): boolean => f.role === 'data';
const where = (f: FrameRow): string =>
  `frame ${f.index} (bytes ${f.offset}..${f.offset + f.compressedSize - 1}${f.contentOffset === undefined || f.contentSize === undefined ? '' : `, content ${f.contentOffset}..${f.contentOffset + f.contentSize - 1}`})`;

export async function decode(job: DecodeJob): Promise<DecodeResult> {
  const system = job.system ?? defaultSystem;
  if (job.signal?.aborted) throw cancelled();
  const info = await inspectArchive(job.input, { readAhead: true });
  // As zstd -d and gzip -d: an empty file holds no frame, so not even empty content.
  if (info.layout === 'empty')
    throw new ChunkpressError(`"${job.input}" is empty: there is no zstd or gzip frame in it`, 'EFORMAT', job.input);
  const failures: FrameOutcome[] = [];
  const problem = problemError(info);
  if (problem && !job.verify) throw problem;
  if (info.problem) {
    failures.push({
      index: info.problem.frame ?? info.frames.length,
      offset: info.problem.offset,
      compressedSize: 0,
      contentOffset: undefined,
      contentSize: undefined,
      ok: false,
      message: info.problem.message,
    });
  }
  const gzip = info.layout === 'gzip' || info.layout === 'bgzf';
  const data = info.frames.filter(isData);
  const known = data.every((f) => f.contentSize !== undefined && f.contentOffset !== undefined);
  const total = info.contentSize;
  const range = job.range && checkRange(job.input, job.range, total);
  const wanted = range ? range.length : total;

  if (job.output.kind === 'file' && path.resolve(job.output.path) === path.resolve(job.input))
    throw new ChunkpressError(`The output "${job.output.path}" would replace its own input`, 'EINVAL', job.output.path);
  if (job.output.kind === 'file' && wanted !== undefined) {
    const free = await system.freeSpace(path.dirname(path.resolve(job.output.path)));
    if (free !== undefined && free < wanted)
      throw new ChunkpressError(
        `Not enough space for "${job.output.path}": it needs ${formatSize(wanted)} (${wanted} B) but only ${formatSize(free)} (${free} B) are free`,
        'ENOSPC',
        job.output.path,
      );
  }
  const sink: Sink | undefined =
    job.output.kind === 'file'
      ? await fileSink(job.output.path, {
          overwrite: job.output.overwrite,
          durable: false,
          like: await sourceStat(job.input, range === undefined),
          sparse: true,
        })
      : job.output.kind === 'stream'
        ? streamSink(job.output.stream, job.output.label)
        : undefined;
  const meter = new ProgressMeter(wanted, range ? undefined : data.length);
  meter.stage = job.verify ? 'verifying' : 'decompressing';
  const context: RunContext = { job, info, sink, meter, range, failures };
  try {
    // Frames without a declared size (pzstd, zstd from a pipe) still go in parallel when the header
    // walk counted their blocks: that bounds the buffer. Their places are known only in order, so
    // each is written after the one before it, and a range needs the streaming path that counts.
    const parallel = !gzip && (known || !range) && data.every((f) => (sizeBound(f) ?? Infinity) <= MAX_WHOLE_FRAME);
    let mode: DecodeResult['mode'];
    let threads = 1;
    let note: string | undefined;
    if (gzip) {
      mode = 'gzip';
      note = 'gzip is decoded by one zlib stream';
      await runGzip(context);
    } else if (parallel) {
      mode = 'parallel';
      // A range needs only the frames that hold it, and no more lanes than there are of them.
      const frames = range
        ? data.filter(
            (f) => f.contentOffset! < range.offset + range.length && f.contentOffset! + f.contentSize! > range.offset,
          )
        : data;
      threads = Math.max(1, Math.min(system.cores, job.pool.size, job.threads ?? MAX_THREADS, frames.length));
      if (data.length === 1) note = 'a single frame: decoded on one thread (a frame cannot be split)';
      await runParallel(context, frames, known, threads);
    } else {
      mode = 'streaming';
      note =
        data.length === 1
          ? 'a single frame: decoded on one thread (a frame cannot be split)'
          : known
            ? `frames over ${formatSize(MAX_WHOLE_FRAME)}: decoded in order by one streaming context`
            : 'frames without content size or block count: decoded in order by one streaming context';
      await runStreaming(context);
    }
    let digestsChecked = false;
    // Only the parallel path hashes each frame; a streamed archive is checked by its frame checksums.
    if (job.verify && info.manifest && !range && context.digests) {
      digestsChecked = true;
      if (context.digests.length === data.length) {
        const tree = treeDigest(context.digests);
        if (tree !== info.manifest.content.digest && failures.length === 0) {
          failures.push({
            index: -1,
            offset: 0,
            compressedSize: 0,
            contentOffset: 0,
            contentSize: total,
            ok: false,
            message: `the content digest ${tree} does not match the manifest's ${info.manifest.content.digest}`,
          });
        }
      }
    }
    if (job.signal?.aborted) throw cancelled();
    meter.stage = 'finalizing';
    job.onProgress?.(meter.snapshot());
    const warnings = (await sink?.commit()) ?? [];
    meter.stage = 'done';
    const snapshot = meter.snapshot();
    job.onProgress?.(snapshot);
    return {
      input: job.input,
      outputPath: job.output.kind === 'file' ? job.output.path : undefined,
      bytesOut: meter.bytesOut,
      frames: data.length,
      framesDecoded: meter.chunksDone,
      elapsedMs: snapshot.elapsedMs,
      bytesPerSecond: snapshot.bytesPerSecond,
      mode,
      threads,
      note,
      failures,
      digestsChecked,
      warnings,
    };
  } catch (err) {
    await sink?.discard().catch(() => undefined);
    throw err;
  }
}

/**
 * What a decoded file takes from its archive, as `zstd -d` and `gzip -d` do: permissions and owner,
 * and the times too when it is the whole content (an extracted range is a new file).
 */
async function sourceStat(archive: string, whole: boolean): Promise<SourceStat> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(archive);
  } catch (err) {
    throw describeFsError(err, archive, 'read');
  }
  const { mode, uid, gid, atimeMs, mtimeMs } = stat;
  return whole ? { mode, uid, gid, atimeMs, mtimeMs } : { mode, uid, gid };
}

/**
 * One range of the content, in memory (an editor showing a chunk): only the frames that cover it
 * are decoded. `maxLength` bounds the memory; longer ranges are refused, naming the limit.
 */
export async function readRange(
  input: string,
  range: { offset: number; length: number },
  pool: WorkerPool,
  maxLength: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  if (range.length > maxLength)
    throw new ChunkpressError(
      `Reading ${formatSize(range.length)} of "${input}" at once is over the ${formatSize(maxLength)} limit; extract it to a file instead`,
      'EFBIG',
      input,
    );
  const pieces: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      pieces.push(chunk);
      done();
    },
  });
  await decode({ input, output: { kind: 'stream', stream, label: 'memory' }, range, pool, signal });
  return Buffer.concat(pieces);
}

function checkRange(
  file: string,
  range: { offset: number; length: number },
  total: number | undefined,
): { offset: number; length: number } {
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0)
    throw new ChunkpressError(
      `A range needs a whole offset and length of 0 or more (got ${offset}+${length})`,
      'EINVAL',
    );
  if (total !== undefined && offset + length > total)
    throw new ChunkpressError(
      `The range ${offset}..${offset + length} goes past the end of "${file}": its content is ${total} bytes`,
      'EINVAL',
      file,
    );
  return range;
}

interface RunContext {
  job: DecodeJob;
  info: ArchiveInfo;
  sink: Sink | undefined;
  meter: ProgressMeter;
  range: { offset: number; length: number } | undefined;
  failures: FrameOutcome[];
  /** Verify: each frame's XXH64, in order, for the manifest's digests. */
  digests?: string[];
}

/**
 * Writes the part of `content` (which starts at `contentOffset` of the whole content) that falls
 * in the range, or all of it.
 */
async function emit(ctx: RunContext, content: Uint8Array, contentOffset: number): Promise<void> {
  let piece = content;
  if (ctx.range) {
    const start = Math.max(ctx.range.offset, contentOffset);
    const end = Math.min(ctx.range.offset + ctx.range.length, contentOffset + content.length);
    if (end <= start) return;
    piece = content.subarray(start - contentOffset, end - contentOffset);
  }
  if (ctx.sink && piece.length > 0) await ctx.sink.write(piece);
  ctx.meter.bytesIn += piece.length;
  ctx.meter.bytesOut += piece.length;
}

/**
 * Frames on the pool (for a range, only those that hold it). Each worker reads its frame from the
 * archive itself and writes a file itself: with `known` sizes each frame at its place, one worker
 * at a time; else each decodes into a buffer bounded by its block count and is written in turn,
 * where the frame before it ended (parked in its slot until then). A stream is written here.
 */
async function runParallel(ctx: RunContext, frames: FrameRow[], known: boolean, threads: number): Promise<void> {
  const { job, meter } = ctx;
  if (ctx.range?.length === 0) return;
  if (job.verify) ctx.digests = [];
  const manifestDigests = job.verify && !ctx.range ? ctx.info.manifest?.chunks.digests : undefined;
  const archive = await openArchive(job.input);
  const abortFlag = new SharedArrayBuffer(4);
  const window = TASKS_PER_WORKER * threads;
  const group: TaskGroup = { lanes: threads };
  const fd = job.verify ? undefined : ctx.sink?.fd;
  const inTurn = fd !== undefined && !known;
  // Arena slots are reused: fresh memory for every frame would cost a page fault per 4 KiB
  // decoded. At most `window` are decoding and `threads` more are waiting to be written (here, or
  // parked for their turn), so writing overlaps decoding and memory stays bounded. A frame the
  // worker wrote at its place (or only checked) gives its slot back with its reply.
  const slotHeldToWrite = (fd === undefined && !job.verify) || inTurn;
  const arena = new BufferArena(
    window + (slotHeldToWrite ? threads : 0),
    frames.reduce((max, f) => Math.max(max, f.compressedSize), 0),
    frames.reduce((max, f) => Math.max(max, sizeBound(f)!), 0),
  );
  const writeLock = new SharedArrayBuffer(4);
  const turns = inTurn ? new WriteTurns(arena.slots) : undefined;
  /** Frames that replied but may not be written yet (in turn): their slots, freed once they are. */
  const unwritten: Array<{ seq: number; slot: number }> = [];
  /** Gives back the slots of the frames before `before`, all written. */
  const giveWritten = (before: number): void => {
    for (let i = unwritten.length - 1; i >= 0; i--)
      if (unwritten[i].seq < before) arena.give(unwritten.splice(i, 1)[0].slot);
  };
  let nextOffset = 0; // where the next frame's content starts, for frames written in order
  const rangeStart = ctx.range?.offset ?? 0;
  const rangeEnd = ctx.range ? ctx.range.offset + ctx.range.length : Infinity;
  let writing: Promise<void> = Promise.resolve();
  let writeError: unknown;
  const finishFrame = (result: FrameOutcome): void => {
    meter.chunksDone++;
    job.onFrame?.(result);
    job.onProgress?.(meter.snapshot());
  };
  // Sent, in frame order; their replies are taken in that order too.
  const inFlight: Array<{ frame: FrameRow; slot: number; reply: Promise<TaskReply> }> = [];
  let next = 0;
  let running = 0;
  let stopped = false;
  /**
   * Tops the window up. Called again as soon as any frame's reply comes (not only the oldest's),
   * so a worker that finishes ahead of the others gets its next frame at once.
   */
  const refill = (): void => {
    while (!stopped && next < frames.length && running < window) {
      const slot = arena.take();
      if (slot === undefined) return; // every free slot waits to be written; refilled after a write
      const seq = next++;
      const frame = frames[seq];
      running++;
      turns?.register(seq, arena.output(slot).byteOffset);
      const task = job.pool.run(
        {
          kind: 'decompress',
          input: arena.input(slot).subarray(0, frame.compressedSize),
          output: arena.output(slot),
          source: { fd: archive.fd, position: frame.offset },
          contentSize: sizeBound(frame)!,
          sizeKnown: frame.contentSize !== undefined,
          digest: job.verify === true,
          abortFlag,
          target:
            fd === undefined
              ? undefined
              : turns
                ? { kind: 'ordered', fd, turns: turns.memory, ring: turns.ring, seq }
                : {
                    kind: 'placed',
                    fd,
                    position: Math.max(frame.contentOffset!, rangeStart) - rangeStart,
                    skip: Math.max(0, rangeStart - frame.contentOffset!),
                    take:
                      Math.min(frame.contentOffset! + frame.contentSize!, rangeEnd) -
                      Math.max(frame.contentOffset!, rangeStart),
                    writeLock,
                  },
        },
        group,
      );
      const settled = (): void => {
        running--;
        if (turns) {
          // Its write, or those of frames parked before it, may free more than its own slot.
          unwritten.push({ seq, slot });
          giveWritten(turns.writtenBefore());
        } else if (!slotHeldToWrite) arena.give(slot);
        refill();
      };
      task.then(settled, settled);
      inFlight.push({ frame, slot, reply: task });
    }
  };
  try {
    job.pool.warm(threads);
    refill();
    while (inFlight.length > 0 || next < frames.length) {
      if (job.signal?.aborted) throw cancelled();
      if (writeError !== undefined) throw writeError;
      if (inFlight.length === 0) {
        // Every slot holds a frame waiting to be written: each write gives one back and refills.
        await writing;
        continue;
      }
      const { frame, slot, reply } = inFlight.shift()!;
      const { outcome } = await reply;
      let message: string | undefined;
      if (outcome.kind === 'failed' && outcome.code !== undefined) {
        if (outcome.stage === 'read') throw describeFsError(outcome, job.input, 'read');
        if (ctx.sink && job.output.kind === 'file') throw describeFsError(outcome, job.output.path, 'write');
      }
      if (outcome.kind === 'short')
        throw new ChunkpressError(
          `"${job.input}": ${where(frame)} is cut short by the end of the file`,
          'EFORMAT',
          job.input,
        );
      if (outcome.kind === 'failed') message = `${where(frame)} does not decode: ${outcome.message}`;
      else if (outcome.kind === 'decoded' && manifestDigests && manifestDigests[frame.index] !== outcome.digest)
        message = `${where(frame)} decodes, but its XXH64 ${outcome.digest} is not the manifest's ${manifestDigests[frame.index]}`;
      if (outcome.kind === 'decoded' && outcome.digest !== undefined) ctx.digests?.push(outcome.digest);
      const size = outcome.kind === 'decoded' ? outcome.size : (frame.contentSize ?? 0);
      const contentOffset = frame.contentOffset ?? nextOffset;
      nextOffset = contentOffset + size;
      const result: FrameOutcome = {
        ...outcomeOf(frame),
        contentOffset,
        contentSize: size,
        ok: message === undefined,
        message,
      };
      if (message !== undefined && !job.verify)
        throw new ChunkpressError(`"${job.input}": ${message}`, 'EFORMAT', job.input);
      if (fd !== undefined) {
        const written = Math.min(contentOffset + size, rangeEnd) - Math.max(contentOffset, rangeStart);
        meter.bytesIn += written;
        meter.bytesOut += written;
        ctx.sink?.extend?.(Math.max(contentOffset, rangeStart) - rangeStart + written);
        finishFrame(result);
        continue;
      }
      if (job.verify) {
        if (message !== undefined) ctx.failures.push(result);
        else meter.bytesOut += size;
        meter.bytesIn += size;
        finishFrame(result);
        continue;
      }
      const content = arena.output(slot).subarray(0, size);
      writing = writing.then(async () => {
        if (writeError !== undefined) return;
        try {
          await emit(ctx, content, contentOffset);
          arena.give(slot);
          finishFrame(result);
          refill();
        } catch (err) {
          writeError = err;
        }
      });
    }
    await writing;
    if (writeError !== undefined) throw writeError;
  } finally {
    stopped = true;
    Atomics.store(new Int32Array(abortFlag), 0, 1);
    await Promise.allSettled(inFlight.map((f) => f.reply));
    await writing;
    await archive.close();
  }
}

/**
 * One streaming context over the whole file, frame after frame (skippable frames are skipped by
 * zstd). Memory is the window plus one read; the server stays responsive between reads.
 */
async function runStreaming(ctx: RunContext): Promise<void> {
  const { job, meter } = ctx;
  const archive: ArchiveFile = await openArchive(job.input);
  const decoder = new FrameDecoder();
  decoder.reset();
  let contentOffset = 0;
  let pending: Uint8Array[] = [];
  const frames = ctx.info.frames.filter(isData);
  let frame = 0;
  try {
    for (let pos = 0; pos < archive.size; ) {
      if (job.signal?.aborted) throw cancelled();
      if (ctx.range && contentOffset >= ctx.range.offset + ctx.range.length) break;
      const bytes = await archive.readAt(pos, Math.min(STREAM_READ, archive.size - pos));
      let used = 0;
      while (used < bytes.length) {
        let result;
        try {
          result = decoder.feed(bytes.subarray(used), (out) => void pending.push(Buffer.from(out)));
        } catch (err) {
          const f = frames[frame];
          const message = `${f ? where(f) : `the frame after byte ${pos + used}`} does not decode: ${(err as Error).message}`;
          if (!job.verify) throw new ChunkpressError(`"${job.input}": ${message}`, 'EFORMAT', job.input);
          const failure: FrameOutcome = {
            index: f?.index ?? frame,
            offset: f?.offset ?? pos + used,
            compressedSize: f?.compressedSize ?? 0,
            contentOffset: f?.contentOffset,
            contentSize: f?.contentSize,
            ok: false,
            message,
          };
          ctx.failures.push(failure);
          job.onFrame?.(failure);
          return; // a streaming decoder cannot resynchronise after damage
        }
        used += result.consumed;
        for (const piece of pending) {
          await emit(ctx, piece, contentOffset);
          contentOffset += piece.length;
        }
        pending = [];
        if (result.frameDone) {
          meter.chunksDone++;
          const f = frames[frame];
          if (f) job.onFrame?.({ ...outcomeOf(f), ok: true });
          frame++;
          decoder.reset();
        }
      }
      pos += bytes.length;
      job.onProgress?.(meter.snapshot());
    }
  } finally {
    await archive.close();
  }
  if (ctx.range && contentOffset < ctx.range.offset + ctx.range.length && ctx.range.length > 0)
    throw new ChunkpressError(
      `The range ${ctx.range.offset}..${ctx.range.offset + ctx.range.length} goes past the end of "${job.input}": its content is ${contentOffset} bytes`,
      'EINVAL',
      job.input,
    );
}

/** gzip, multi-member and BGZF included: zlib checks every member's CRC32 and ISIZE. */
async function runGzip(ctx: RunContext): Promise<void> {
  const { job, meter } = ctx;
  const source = fs.createReadStream(job.input, { highWaterMark: STREAM_READ });
  // Pieces of the size files are written in: a sixteenth of the awaits of zlib's default 16 KiB.
  const gunzip = zlib.createGunzip({ chunkSize: WRITE_PIECE });
  let read = 0;
  source.on('data', (chunk) => void (read += chunk.length));
  source.pipe(gunzip);
  let contentOffset = 0;
  try {
    for await (const piece of gunzip as AsyncIterable<Buffer>) {
      if (job.signal?.aborted) throw cancelled();
      await emit(ctx, piece, contentOffset);
      contentOffset += piece.length;
      if (ctx.range && contentOffset >= ctx.range.offset + ctx.range.length) break;
      job.onProgress?.(meter.snapshot());
    }
  } catch (err) {
    if (err instanceof ChunkpressError) throw err;
    if ((err as NodeJS.ErrnoException).syscall) throw describeFsError(err, job.input, 'read');
    const message = `the gzip stream does not decode near byte ${read}: ${(err as Error).message}`;
    if (!job.verify) throw new ChunkpressError(`"${job.input}": ${message}`, 'EFORMAT', job.input);
    ctx.failures.push({
      index: -1,
      offset: read,
      compressedSize: 0,
      contentOffset,
      contentSize: undefined,
      ok: false,
      message,
    });
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  meter.chunksDone = ctx.info.frames.length;
  // zlib checked every member's CRC32 and length; a failure above cannot be pinned on one member.
  if (ctx.failures.length === 0 && !ctx.range)
    for (const member of ctx.info.frames)
      if (member.role === 'member') job.onFrame?.({ ...outcomeOf(member), ok: true });
}

function outcomeOf(f: FrameRow): Omit<FrameOutcome, 'ok'> {
  return {
    index: f.index,
    offset: f.offset,
    compressedSize: f.compressedSize,
    contentOffset: f.contentOffset,
    contentSize: f.contentSize,
  };
}
