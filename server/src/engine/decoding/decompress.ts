/**
 * Decoding archives: whole (decompress), to nowhere with every check (verify), or one range of the
 * content (extract). Frames of known size are decoded in parallel on the worker pool and written
 * in order, a bounded window of them in flight; a file whose frames do not declare their sizes
 * (or declare huge ones) is decoded by one streaming context; gzip goes through zlib.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { treeDigest } from '../codec/hash';
import { cancelled, ChunkpressError, describeFsError } from '../errors';
import {
  inspectArchive,
  problemError,
  type ArchiveInfo,
  type FrameRow,
  type InspectProblem,
} from '../inspection/inspect';
import { defaultSystem } from '../io/system';
import type { WorkerPool } from '../pool/pool';
import { MAX_THREADS } from '../pool/threadPlan';
import { ProgressMeter } from '../progress';
import { formatSize } from '../sizes';
import {
  emit,
  isData,
  MAX_WHOLE_FRAME,
  STREAM_READ,
  sizeBound,
  type DecodeJob,
  type DecodeResult,
  type FrameOutcome,
  type RunContext,
} from './decodeJob';
import { openOutput } from './decodeOutput';
import { settleInterruptedDecode, startDecodeJournal, UNPLACED } from './decodeResume';
import { decodedLine } from '../format/jobJournal';
import { checkDamagedIndex, checkIndex } from './indexVerification';
import { runGzip } from './gzipStream';
import { bgzfRuns } from './bgzfRuns';
import { runParallel } from './parallelFrames';
import { runStreaming } from './streamingFrames';

export type { DecodeJob, DecodeOutput, DecodeResult, FrameOutcome } from './decodeJob';

export async function decode(request: DecodeJob): Promise<DecodeResult> {
  let job = request;
  const system = job.system ?? defaultSystem;
  if (job.signal?.aborted) throw cancelled();
  let info = job.inspected ?? (await inspectArchive(job.input, { readAhead: true }));
  // As zstd -d and gzip -d: an empty file holds no frame, so not even empty content.
  if (info.layout === 'tar' && !job.range)
    throw new ChunkpressError(
      `"${job.input}" is an uncompressed tar archive: there is nothing to decode`,
      'EFORMAT',
      job.input,
    );
  if (info.layout === 'empty')
    throw new ChunkpressError(`"${job.input}" is empty: there is no zstd or gzip frame in it`, 'EFORMAT', job.input);
  const failures: FrameOutcome[] = [];
  const problem = problemError(info);
  if (problem && !job.verify) throw problem;
  // A damaged seek table or manifest: the frames were listed by walking them, and are checked.
  const indexProblem = job.verify && info.problem?.part === 'index' ? info.problem : undefined;
  if (info.problem && !indexProblem) failures.push(damage(info.problem, info.frames.length));
  // Verify does not take a seekable archive's index on trust: it is checked against the frames,
  // and where it disagrees with them the frames are decoded as they are in the file.
  const index =
    job.verify && info.via === 'seek-table'
      ? await checkIndex(info)
      : indexProblem && {
          findings: await checkDamagedIndex(info, indexProblem),
          frames: undefined,
          problem: undefined,
        };
  if (index?.frames) {
    info = asFound(info, index.frames);
    if (index.problem) failures.push(damage(index.problem, index.frames.length));
  }
  // BGZF blocks are independent: decoded in parallel, in runs. One gzip member cannot be.
  if (info.layout === 'bgzf') info = { ...info, frames: bgzfRuns(info.frames) };
  const gzip = info.layout === 'gzip';
  // A gzip file's frames are its members.
  const data = info.frames.filter(gzip ? (f) => f.role === 'member' : isData);
  const known = data.every((f) => f.contentSize !== undefined && f.contentOffset !== undefined);
  const total = info.contentSize;
  const range = job.range && checkRange(job.input, job.range, total);
  const wanted = range ? range.length : total;

  // Frames without a declared size (pzstd, zstd from a pipe) still go in parallel when the header
  // walk counted their blocks: that bounds the buffer. Their places are known only in order, so
  // each is written after the one before it, and a range needs the streaming path that counts.
  const parallel = !gzip && (known || !range) && data.every((f) => (sizeBound(f) ?? Infinity) <= MAX_WHOLE_FRAME);
  // The whole content into a file can be resumed; only frames written at their places (their
  // sizes known) are kept from an interrupted run, any other is decoded again from the start.
  const target = job.output.kind === 'file' && !range && !job.verify ? path.resolve(job.output.path) : undefined;
  const archive = target === undefined ? undefined : { path: job.input, stat: await statArchive(job.input) };
  const resumable = parallel && known;
  const point =
    target !== undefined && archive
      ? await settleInterruptedDecode(
          job.resume,
          target,
          archive,
          resumable ? data : undefined,
          info.manifest?.chunks.digests,
          total ?? 0,
          job.pool,
          Math.max(1, Math.min(system.cores, job.pool.size)),
        )
      : undefined;
  const kept = point?.kept ?? new Set<number>();
  const sink = await openOutput(
    job,
    wanted,
    range === undefined,
    system,
    point && { tempPath: point.tempPath, length: point.length },
  );
  const journal =
    sink && target !== undefined && archive
      ? await startDecodeJournal(sink, target, archive, data.length, point)
      : undefined;
  if (journal) {
    const onFrame = job.onFrame;
    job = {
      ...job,
      onFrame: (frame) => {
        if (frame.ok) journal.record(decodedLine(frame.index));
        onFrame?.(frame);
      },
    };
  }
  const meter = new ProgressMeter(wanted, range ? undefined : data.length);
  meter.stage = job.verify ? 'verifying' : 'decompressing';
  for (const f of data)
    if (kept.has(f.index)) {
      meter.bytesIn += f.contentSize!;
      meter.bytesOut += f.contentSize!;
      meter.chunksDone++;
    }
  meter.resumedBytes = meter.bytesIn;
  const warnings: string[] = [];
  if (point && !resumable) warnings.push(`"${job.input}": ${UNPLACED}`);
  if (point && point.dropped > 0)
    warnings.push(
      `${point.dropped} frame${point.dropped === 1 ? '' : 's'} the interrupted job had written did not check out against the archive, and were decoded again`,
    );
  const context: RunContext = {
    job,
    info,
    sink,
    meter,
    range,
    failures,
    indexFindings: index?.findings ?? [],
    // Frames listed by the table carry its entries' checksums, to compare with their content.
    entryChecksums: index && !index.frames ? info.seekTable : undefined,
  };
  try {
    let mode: DecodeResult['mode'];
    let threads = 1;
    let note: string | undefined;
    if (info.layout === 'tar') {
      mode = 'copy';
      note = 'an uncompressed tar: the range is read as it is';
      await copyRange(context);
    } else if (gzip) {
      mode = 'gzip';
      note =
        info.dataFrames === 1
          ? 'one gzip member, which refers back across its blocks: decoded in order by one zlib stream (BGZF decodes in parallel)'
          : 'gzip members do not say how long they are until each ends: decoded in order by one zlib stream';
      await runGzip(context);
    } else if (parallel) {
      mode = 'parallel';
      // A range needs only the frames that hold it, and no more lanes than there are of them.
      const frames = range
        ? data.filter(
            (f) => f.contentOffset! < range.offset + range.length && f.contentOffset! + f.contentSize! > range.offset,
          )
        : data.filter((f) => !kept.has(f.index));
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
    warnings.push(...((await sink?.commit()) ?? []));
    await journal?.remove();
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
      indexChecked: index !== undefined,
      indexFindings: context.indexFindings,
      warnings,
      ...(point && { resumedFrames: kept.size }),
    };
  } catch (err) {
    // A full disk interrupts: what is written stays, to be resumed once there is room (if a
    // resume can keep any of it).
    if ((err as ChunkpressError).code === 'ENOSPC' && journal && sink?.abandon && resumable && meter.chunksDone > 0) {
      await journal.stop('no space left');
      await sink.abandon();
      throw new ChunkpressError(
        `${(err as Error).message}; what is done is kept, and the job can be resumed once there is room`,
        'ENOSPC',
        (err as ChunkpressError).path,
      );
    }
    await sink?.discard().catch(() => undefined);
    await journal?.remove().catch(() => undefined);
    throw err;
  }
}

async function statArchive(file: string): Promise<fs.Stats> {
  try {
    return await fs.promises.stat(file);
  } catch (err) {
    throw describeFsError(err, file, 'read');
  }
}

/** Where a file stopped making sense, as a failure of the frame there (`listed` frames precede it). */
const damage = (problem: InspectProblem, listed: number): FrameOutcome => ({
  index: problem.frame ?? listed,
  offset: problem.offset,
  compressedSize: 0,
  contentOffset: undefined,
  contentSize: undefined,
  ok: false,
  message: problem.message,
});

/** `info` with the data frames found by walking the file instead of those its seek table lists. */
function asFound(info: ArchiveInfo, found: FrameRow[]): ArchiveInfo {
  const last = found.at(-1);
  const known = found.every((f) => f.contentOffset !== undefined && f.contentSize !== undefined);
  return {
    ...info,
    frames: [...found, ...info.frames.filter((f) => !isData(f))],
    dataFrames: found.length,
    contentSize: !known ? undefined : last ? last.contentOffset! + last.contentSize! : 0,
  };
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

/** The range of a file that is its own content (an uncompressed tar), in pieces. */
async function copyRange(ctx: RunContext): Promise<void> {
  const { offset, length } = ctx.range!;
  if (length === 0) return;
  const stream = fs.createReadStream(ctx.job.input, {
    start: offset,
    end: offset + length - 1,
    highWaterMark: STREAM_READ,
  });
  let at = offset;
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      if (ctx.job.signal?.aborted) throw cancelled();
      await emit(ctx, piece, at);
      at += piece.length;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).syscall) throw describeFsError(err, ctx.job.input, 'read');
    throw err;
  } finally {
    stream.destroy();
  }
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
