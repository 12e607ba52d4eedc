/**
 * What a decode is asked (a job) and answers (a result), and what its three paths share: the
 * context of one run, how content reaches the output, and how frames are named in messages.
 */
import type { Writable } from 'node:stream';
import type { SeekTable } from '../format/seekTable';
import type { IndexFinding } from '../inspection/indexCheck';
import type { ArchiveInfo, FrameRow } from '../inspection/inspect';
import type { Sink } from '../io/outputSink';
import type { SystemInfo } from '../io/system';
import type { WorkerPool } from '../pool/pool';
import type { ProgressMeter, ProgressSnapshot } from '../progress';

/** Frames larger than this are streamed rather than decoded whole, to keep memory bounded. */
export const MAX_WHOLE_FRAME = 64 << 20;
export const STREAM_READ = 1 << 20;

export type DecodeOutput =
  | { kind: 'file'; path: string; overwrite: boolean }
  | { kind: 'stream'; stream: Writable; label: string }
  /**
   * A descriptor of the caller's, opened for this job, that takes bytes in order and blocks when
   * full (stdout as a pipe: the CLI reopens it): decoded frames go to it from their buffers, uncopied.
   */
  | { kind: 'descriptor'; fd: number; label: string }
  /** Verify: decode and check, keep nothing. */
  | { kind: 'none' };

export interface DecodeJob {
  /** Path of the archive. */
  input: string;
  /** The archive as inspectArchive found it a moment ago, when the caller has that (cat does): not read again. */
  inspected?: ArchiveInfo;
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
  /**
   * The whole content into a file keeps a journal, so that a job that did not end can be resumed.
   * When one of the same output is found: `resume` goes on from it (each frame it wrote checked
   * against the archive's checksums), `discard` removes it and starts over; without either the
   * job stops with EINTERRUPTED.
   */
  resume?: 'resume' | 'discard';
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
  /** `copy`: a range of an uncompressed tar, read as it is. */
  mode: 'parallel' | 'streaming' | 'gzip' | 'copy';
  threads: number;
  /** Said to the user, e.g. why there was no parallelism. */
  note: string | undefined;
  /** Verify: every frame that failed (empty when all is well). */
  failures: FrameOutcome[];
  /** Verify of a Chunkpress archive: whether the manifest's digests all matched. */
  digestsChecked: boolean;
  /** Verify of a seekable archive: whether its index was checked against the frames. */
  indexChecked: boolean;
  /** Each disagreement between the index and the frames (the frames may still be intact). */
  indexFindings: IndexFinding[];
  /** Said to the user, the job having succeeded (e.g. the output could not take the archive's permissions). */
  warnings: string[];
  /** A resumed job: the frames an interrupted one had written that checked out, and were kept. */
  resumedFrames?: number;
}

/** zstd's Block_Maximum_Size: no block decodes to more, so blocks × this bounds a frame of unknown size. */
export const MAX_BLOCK = 128 << 10;

/** What a frame decodes to at most: its declared size, or its block count times the largest block. */
export const sizeBound = (f: FrameRow): number | undefined =>
  f.contentSize ?? (f.blockCount === undefined ? undefined : f.blockCount * MAX_BLOCK);

export const isData = (f: FrameRow): boolean => f.role === 'data';
export const where = (f: FrameRow): string =>
  `frame ${f.index} (bytes ${f.offset}..${f.offset + f.compressedSize - 1}${f.contentOffset === undefined || f.contentSize === undefined ? '' : `, content ${f.contentOffset}..${f.contentOffset + f.contentSize - 1}`})`;

export interface RunContext {
  job: DecodeJob;
  info: ArchiveInfo;
  sink: Sink | undefined;
  meter: ProgressMeter;
  range: { offset: number; length: number } | undefined;
  failures: FrameOutcome[];
  /** Verify: each frame's XXH64, in order, for the manifest's digests. */
  digests?: string[];
  /** Verify of a seekable archive: where its index disagrees with the frames. */
  indexFindings: IndexFinding[];
  /** The seek table whose entries' checksums the frames' content is compared with. */
  entryChecksums: Pick<SeekTable, 'tableOffset' | 'hasChecksums'> | undefined;
}

/**
 * Writes the part of `content` (which starts at `contentOffset` of the whole content) that falls
 * in the range, or all of it.
 */
export async function emit(ctx: RunContext, content: Uint8Array, contentOffset: number): Promise<void> {
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

export function outcomeOf(f: FrameRow): Omit<FrameOutcome, 'ok'> {
  return {
    index: f.index,
    offset: f.offset,
    compressedSize: f.compressedSize,
    contentOffset: f.contentOffset,
    contentSize: f.contentSize,
  };
}
