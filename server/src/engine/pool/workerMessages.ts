import type { PieceMatches, SearchPattern } from '../search/lineSearch';

/**
 * Messages between the pool (main thread) and a worker. Buffers are views of a job's BufferArena,
 * memory both threads share: the worker reads and writes them in place, and the job does not touch
 * them until the reply.
 */

interface TaskBase {
  id: number;
  /** Exactly the bytes to work on. */
  input: Uint8Array;
  /** Where the result goes. */
  output: Uint8Array;
  /** Int32 at index 0 becomes non-zero when the job is cancelled. */
  abortFlag: SharedArrayBuffer;
}

/**
 * Compress one chunk into one frame; `output` has at least compressBound(input.length) bytes and
 * may be the same memory as `input`: the frame then replaces the chunk.
 */
export interface CompressTask extends TaskBase {
  kind: 'compress';
  level: number;
  source?: TaskSource;
  /** A tar frame: the files' bytes that fill `input` around the headers already in place. */
  pieces?: FilePiece[];
  /** Deflate instead of zstd. */
  gzip?: GzipCoding;
  /**
   * Only read and hash it (a resumed folder's frames already in the partial archive, checked
   * against the journal): `done` with compressedSize 0, its digest and its pieces' reports.
   */
  digestOnly?: boolean;
}

/**
 * `single`: chunk `seq` of one gzip member, primed with the stream's bytes before it, which the
 * job's tail chain (`chain`, of `entries` entries; pool/tailChain.ts) hands from worker to worker.
 * `bgzf`: independent BGZF blocks.
 */
export type GzipCoding =
  | { layout: 'single'; chain: SharedArrayBuffer; entries: number; seq: number }
  | { layout: 'bgzf' };

/**
 * Bytes `offset`..`offset + length` of the file at `path` (member `member` of a tar) go at `at`
 * in the task's input. `size` and `mtimeNs` are what the file had when it was collected: a file
 * that is not so any more changed meanwhile, and is reported; a file that cannot be read leaves
 * zeros in its place, as tar does.
 */
export interface FilePiece {
  member: number;
  path: string;
  at: number;
  offset: number;
  length: number;
  size: number;
  mtimeNs: string;
  /** The piece is the member's whole content: report its SHA-256. */
  sha256: boolean;
}

/** What became of a piece that was to be hashed, or that went wrong. */
export interface PieceReport {
  member: number;
  sha256?: string;
  /** Why its content is not what was collected: unreadable (with the errno code) or changed. */
  problem?: { message: string; code?: string };
}

/** SHA-256 of a whole file, for a member too big for one frame (its pieces are hashed apart). */
export interface HashTask {
  id: number;
  kind: 'hash';
  member: number;
  path: string;
  size: number;
  mtimeNs: string;
  abortFlag: SharedArrayBuffer;
}

/**
 * XXH64 of bytes `position`..`position + length` of the open file `fd` (a resume re-reads what an
 * interrupted job had done: the source's chunks and the partial file's frames).
 */
export interface DigestTask {
  id: number;
  kind: 'digest';
  fd: number;
  position: number;
  length: number;
  /** Also the CRC-32 of each consecutive piece of these lengths (a run of BGZF blocks). */
  crc32Pieces?: number[];
  abortFlag: SharedArrayBuffer;
}

/**
 * Read `input` first from the open file `fd` at `position` (else it holds the bytes already): the
 * bytes then land in the cache of the core that works on them, and the main thread does no I/O.
 */
export interface TaskSource {
  fd: number;
  position: number;
}

/** Decode one frame that declares `contentSize` bytes into `output` (or straight into a file). */
export interface DecompressTask extends TaskBase {
  kind: 'decompress';
  source?: TaskSource;
  /** The frame's declared size; or, when `sizeKnown` is false, the most it can decode to. */
  contentSize: number;
  sizeKnown: boolean;
  /** Also hash the content (XXH64) for checking against a manifest. */
  digest: boolean;
  /** The frame is a run of BGZF blocks (found at `source.position`), not a zstd frame. */
  bgzf?: boolean;
  /** Write the content into the open file `fd` instead of returning it. */
  target?: PlacedWrite | OrderedWrite;
}

/**
 * The content's bytes `skip`..`skip + take` go at `position`, while holding `writeLock` (Int32 at
 * index 0, shared by the job's workers).
 */
export interface PlacedWrite {
  kind: 'placed';
  fd: number;
  position: number;
  skip: number;
  take: number;
  writeLock: SharedArrayBuffer;
}

/**
 * A frame written after frame `seq - 1`, by whichever worker holds the turn (writeTurns.ts;
 * `turns`: its shared memory of `ring` entries): frames without a declared size, whose place is
 * known only then, and every frame bound for a stdout that never waits. `skip`/`take`: the part of
 * its content that falls in a range (all of it otherwise). `sequential`: written at the
 * descriptor's own position (a stdout that is a file or a character device), not at an offset,
 * and without holes.
 */
export interface OrderedWrite {
  kind: 'ordered';
  fd: number;
  turns: SharedArrayBuffer;
  ring: number;
  seq: number;
  skip?: number;
  take?: number;
  sequential?: boolean;
}

/**
 * Decode one frame (read from `source`, declaring `contentSize`) and write the members' pieces it
 * holds into their files: an extraction's frames are written by the workers that decode them.
 */
export interface ExtractTask extends TaskBase {
  kind: 'extract';
  source: TaskSource;
  contentSize: number;
  writes: FileWrite[];
}

/**
 * Bytes `skip`..`skip + take` of the frame's content go at `position` of the file at `path` (its
 * folder exists; the path is one extraction's rules let through, never followed if a link).
 * `whole`: they are all of it, so it is created anew and closed with its mode and mtime; else it
 * is opened (created by whichever of its frames comes first) and the job sets them once all are in.
 */
export interface FileWrite {
  path: string;
  skip: number;
  take: number;
  position: number;
  whole?: { mode: number; mtime: number; owner?: { uid: number; gid: number } };
}

/** Decode one frame and search the members' pieces it holds, line by line (a search's frames). */
export interface SearchTask extends TaskBase {
  kind: 'search';
  source: TaskSource;
  contentSize: number;
  pattern: SearchPattern;
  /**
   * The pieces, three numbers each (a typed array: tens of thousands of objects would cost more to
   * send than to search): bytes `skip`..`skip + take` of the content are a piece of a member, and
   * `flags` says whether it starts the member (1) and ends it (2).
   */
  pieces: Uint32Array;
}

export type WorkerTask = CompressTask | DecompressTask | HashTask | DigestTask | ExtractTask | SearchTask;
/** A task before the pool numbers it. */
export type NewTask =
  | Omit<CompressTask, 'id'>
  | Omit<DecompressTask, 'id'>
  | Omit<HashTask, 'id'>
  | Omit<DigestTask, 'id'>
  | Omit<ExtractTask, 'id'>
  | Omit<SearchTask, 'id'>;

export type TaskOutcome =
  /** `pieces`: a tar frame's reports, for its hashed and its problem pieces only. */
  /** gzip: `crc32` of the content; BGZF: `blocks`, the sizes of the blocks the frame is made of. */
  | {
      kind: 'done';
      compressedSize: number;
      digest: string;
      elapsedMs: number;
      pieces?: PieceReport[];
      crc32?: number;
      blocks?: number[];
    }
  | { kind: 'hashed'; report: PieceReport }
  /** A digest task's XXH64, of the `read` bytes there were (fewer than asked where the file ends). */
  | { kind: 'digested'; digest: string; read: number; crc32s?: number[] }
  /** `size`: the bytes the frame decoded to. */
  | { kind: 'decoded'; size: number; digest: string | undefined; elapsedMs: number }
  /**
   * A search's frame: the matches of its pieces by their index in the task, only for those with
   * something to say (a match, or part of a member split across frames): most have nothing.
   */
  | { kind: 'searched'; pieces: Array<[number, PieceMatches]>; elapsedMs: number }
  /** An extraction's frame: decoded, and its pieces written (`bytes` of them). */
  | { kind: 'extracted'; bytes: number; elapsedMs: number }
  | { kind: 'aborted' }
  /** The source file ended before `input` was full (a frame cut short, or a file that shrank). */
  | { kind: 'short'; read: number }
  /**
   * `code`: a system error's code (ENOSPC, EIO...) when reading the source or writing the target
   * failed (`stage` says which) rather than zstd.
   */
  | { kind: 'failed'; message: string; code?: string; stage?: 'read' | 'write'; path?: string };

export interface TaskReply {
  id: number;
  /** The worker's threadId, HOST_THREAD for the host lane (diagnostics and tests). */
  worker: number;
  outcome: TaskOutcome;
}
