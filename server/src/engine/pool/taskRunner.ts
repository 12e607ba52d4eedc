/**
 * What a pool lane does with one task: read and compress a chunk, or decode a frame (and write it
 * to the target file). Runs in a worker thread, or on the pool's host lane in the calling thread.
 */
import {
  closeSync,
  constants as fsConstants,
  fchmodSync,
  fchownSync,
  fstatSync,
  futimesSync,
  openSync,
  readSync,
} from 'node:fs';
import { ChunkCompressor, decompressBounded, decompressInto, sliceFor } from '../codec/codec';
import { bgzfChunk, deflateChunk, inflateBgzfBlocks } from '../codec/deflate';
import { TailChain } from './tailChain';
import { clock } from '../clock';
import { crypto, zlib } from '../lazyBuiltins';
import { writeAllSync, writeInOrderSync } from '../io/fileWrites';
import { holding, WriteTurns } from './writeTurns';
import { contentChecksum, xxh64, xxh64Stream } from '../codec/hash';
import { compileMatcher, searchPiece, type Matcher, type PieceMatches } from '../search/lineSearch';
import type {
  CompressTask,
  DecompressTask,
  ExtractTask,
  DigestTask,
  FilePiece,
  GzipCoding,
  SearchTask,
  HashTask,
  PieceReport,
  TaskOutcome,
  TaskSource,
  WorkerTask,
} from './workerMessages';

/** One per thread, made on first use (the VS Code helper's host thread never compresses). */
let compressor: ChunkCompressor | undefined;
const READ_SLICE = 64 << 20;
/** A hash task's reads: big enough for few calls, small enough to stay in the core's cache. */
const HASH_READ = 1 << 20;
let hashBuffer: Buffer | undefined;
/** Frames decoding to at most this take well under 100 ms (zstd decodes at 0.5-1.5 GB/s). */
const HOST_DECODE_MAX = 32 << 20;
/** An extraction frame's files on the host lane: each costs a few system calls (tens of µs). */
const HOST_EXTRACT_FILES = 256;
/** deflate takes 25-100 ms per MiB (levels 1 to 9). */
const HOST_DEFLATE_MAX = 1 << 20;
const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fsConstants;

/** Runs `task` to its outcome; an exception becomes a `failed` outcome with its errno code. */
export function runTask(task: WorkerTask): TaskOutcome {
  try {
    if (task.kind === 'hash') return hashFile(task);
    if (task.kind === 'digest') return digestRange(task);
    if (task.kind === 'extract') return extract(task);
    if (task.kind === 'search') return search(task);
    return task.kind === 'compress' ? compress(task) : decompress(task);
  } catch (err) {
    return failure(err);
  }
}

function failure(err: unknown, stage?: 'read' | 'write', path?: string): TaskOutcome {
  const code = (err as NodeJS.ErrnoException).code;
  return { kind: 'failed', message: err instanceof Error ? err.message : String(err), code, stage, path };
}

/**
 * Whether `task` is short enough for the host lane, where nothing else runs meanwhile (not even
 * a cancel): a chunk that zstd compresses in one abort-check slice (about 100 ms of work) read from
 * a file, or a frame of at most 32 MiB. A stream's chunks stay off it: its thread must keep reading.
 */
export function hostable(task: WorkerTask): boolean {
  if (task.kind === 'hash' || task.kind === 'digest') return false;
  if (task.kind === 'extract') return task.contentSize <= HOST_DECODE_MAX && task.writes.length <= HOST_EXTRACT_FILES;
  if (task.kind === 'search') return task.contentSize <= HOST_DECODE_MAX;
  return task.kind === 'compress'
    ? (task.source !== undefined || task.pieces !== undefined) &&
        task.input.length <= (task.gzip ? HOST_DEFLATE_MAX : sliceFor(task.level))
    : task.contentSize <= HOST_DECODE_MAX;
}

/** Whether the job that shares `abortFlag` has been cancelled. */
function stopCheck(abortFlag: SharedArrayBuffer): () => boolean {
  const flag = new Int32Array(abortFlag);
  return () => Atomics.load(flag, 0) !== 0;
}

function compress(task: CompressTask): TaskOutcome {
  const stopped = stopCheck(task.abortFlag);
  const started = clock();
  if (task.source) {
    const read = readFully(task.source, task.input, stopped);
    if (read === undefined) return { kind: 'aborted' };
    if (read < task.input.length) {
      const error: NodeJS.ErrnoException = new Error(
        `it ends at byte ${task.source.position + read}, but was longer when compression started (it changed meanwhile)`,
      );
      error.code = 'EIO';
      throw error;
    }
  }
  let pieces: PieceReport[] | undefined;
  if (task.pieces) {
    pieces = [];
    for (const piece of task.pieces) {
      if (stopped()) return { kind: 'aborted' };
      const report = readPiece(piece, task.input);
      if (report) pieces.push(report);
    }
  }
  const digest = xxh64(task.input);
  if (task.digestOnly) {
    // The frames after it are primed with its last 32 KiB all the same.
    const gzip = task.gzip;
    if (gzip?.layout === 'single' && !new TailChain(gzip.entries, gzip.chain).handOn(gzip.seq, task.input, stopped))
      return { kind: 'aborted' };
    return { kind: 'done', compressedSize: 0, digest, elapsedMs: clock() - started, pieces };
  }
  // A frame that replaces its chunk is made here first: its coder reads the chunk until the end.
  const inPlace = sameMemory(task.input, task.output);
  const into = inPlace ? frameSpace(task.output.length) : task.output;
  let outcome: TaskOutcome;
  if (task.gzip) outcome = deflate(task, into, task.gzip, digest, started, pieces, stopped);
  else {
    compressor ??= new ChunkCompressor();
    const size = compressor.compressFrame(task.input, into, task.level, contentChecksum(digest), stopped);
    outcome =
      size === undefined
        ? { kind: 'aborted' }
        : { kind: 'done', compressedSize: size, digest, elapsedMs: clock() - started, pieces };
  }
  if (inPlace && outcome.kind === 'done') task.output.set(into.subarray(0, outcome.compressedSize));
  return outcome;
}

/** Whether two views share bytes of one buffer. */
function sameMemory(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;
}

/**
 * This thread's space for a frame that will replace its chunk: one, grown as needed, up to frames
 * of 64 MiB; a job of bigger chunks gets a new one each time, so that a helper which served it
 * does not keep that much for good.
 */
let frameScratch: Uint8Array | undefined;
const KEPT_SCRATCH_MAX = 64 << 20;
function frameSpace(size: number): Uint8Array {
  if (size > KEPT_SCRATCH_MAX) return new Uint8Array(size);
  if (!frameScratch || frameScratch.length < size) frameScratch = new Uint8Array(size);
  return frameScratch.subarray(0, size);
}

function deflate(
  task: CompressTask,
  into: Uint8Array,
  coding: GzipCoding,
  digest: string,
  started: number,
  pieces: PieceReport[] | undefined,
  stopped: () => boolean,
): TaskOutcome {
  const done = (compressedSize: number, blocks?: number[]): TaskOutcome => ({
    kind: 'done',
    compressedSize,
    digest,
    elapsedMs: clock() - started,
    pieces,
    crc32: zlib().crc32(task.input),
    blocks,
  });
  if (coding.layout === 'bgzf') {
    const blocks = bgzfChunk(task.input, into, task.level, stopped);
    return blocks
      ? done(
          blocks.reduce((a, b) => a + b, 0),
          blocks,
        )
      : { kind: 'aborted' };
  }
  const before = new TailChain(coding.entries, coding.chain).handOn(coding.seq, task.input, stopped);
  if (!before) return { kind: 'aborted' };
  const size = deflateChunk(task.input, into, task.level, before, stopped);
  return size === undefined ? { kind: 'aborted' } : done(size);
}

/**
 * Reads one piece of a tar member into its place. What cannot be read is left as zeros and
 * reported, as is a file that is no longer the size or mtime it had when it was collected: the
 * job goes on, and says so (as tar does).
 */
function readPiece(piece: FilePiece, input: Uint8Array): PieceReport | undefined {
  const into = input.subarray(piece.at, piece.at + piece.length);
  let fd: number;
  try {
    fd = openSync(piece.path, 'r');
  } catch (err) {
    into.fill(0);
    return { member: piece.member, problem: problemOf(err) };
  }
  try {
    // The caller checks for a cancel between pieces: a piece is read whole.
    const filled = readFully({ fd, position: piece.offset }, into, () => false)!;
    if (filled < into.length) into.fill(0, filled);
    const changed = changedSince(fd, piece);
    if (changed) return { member: piece.member, problem: { message: changed } };
    if (!piece.sha256) return undefined;
    return { member: piece.member, sha256: crypto().createHash('sha256').update(into).digest('hex') };
  } catch (err) {
    into.fill(0);
    return { member: piece.member, problem: problemOf(err) };
  } finally {
    closeSync(fd);
  }
}

/** How the open file differs from what was collected, in words; undefined if it does not. */
function changedSince(fd: number, was: { size: number; mtimeNs: string }): string | undefined {
  const now = fstatSync(fd, { bigint: true });
  if (Number(now.size) !== was.size)
    return `changed size while it was packed (${was.size} bytes when it was found, ${now.size} now)`;
  if (now.mtimeNs.toString() !== was.mtimeNs) return 'changed while it was packed';
  return undefined;
}

function problemOf(err: unknown): PieceReport['problem'] {
  const code = (err as NodeJS.ErrnoException).code;
  const message =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ENOENT'
        ? 'vanished before it was packed'
        : err instanceof Error
          ? err.message
          : String(err);
  return { message, code };
}

/** A whole file's SHA-256, read a slice at a time; a cancel is seen within a slice. */
function hashFile(task: HashTask): TaskOutcome {
  const stopped = stopCheck(task.abortFlag);
  let fd: number;
  try {
    fd = openSync(task.path, 'r');
  } catch (err) {
    return { kind: 'hashed', report: { member: task.member, problem: problemOf(err) } };
  }
  try {
    hashBuffer ??= Buffer.allocUnsafe(HASH_READ);
    const hash = crypto().createHash('sha256');
    let position = 0;
    while (position < task.size) {
      if (stopped()) return { kind: 'aborted' };
      const read = readSync(fd, hashBuffer, 0, Math.min(HASH_READ, task.size - position), position);
      if (read === 0) break;
      hash.update(hashBuffer.subarray(0, read));
      position += read;
    }
    const changed = position < task.size ? 'changed size while it was packed' : changedSince(fd, task);
    const report: PieceReport = changed
      ? { member: task.member, problem: { message: changed } }
      : { member: task.member, sha256: hash.digest('hex') };
    return { kind: 'hashed', report };
  } catch (err) {
    return { kind: 'hashed', report: { member: task.member, problem: problemOf(err) } };
  } finally {
    closeSync(fd);
  }
}

function digestRange(task: DigestTask): TaskOutcome {
  const stopped = stopCheck(task.abortFlag);
  hashBuffer ??= Buffer.allocUnsafe(HASH_READ);
  const hash = xxh64Stream();
  // CRC-32s of consecutive pieces, each read cut at its piece's end.
  const pieces = task.crc32Pieces;
  const crc32s: number[] = [];
  let piece = 0;
  let pieceLeft = pieces?.[0] ?? Infinity;
  let crc = 0;
  let done = 0;
  /** Ends the pieces that are complete (an empty one is complete at once). */
  const endPieces = (): void => {
    while (pieces && pieceLeft === 0) {
      crc32s.push(crc);
      crc = 0;
      pieceLeft = pieces[++piece] ?? Infinity;
    }
  };
  while (done < task.length) {
    if (stopped()) return { kind: 'aborted' };
    endPieces();
    const want = Math.min(HASH_READ, task.length - done, pieceLeft);
    const read = readSync(task.fd, hashBuffer, 0, want, task.position + done);
    if (read === 0) break;
    const bytes = hashBuffer.subarray(0, read);
    hash.update(bytes);
    done += read;
    if (pieces) {
      crc = zlib().crc32(bytes, crc);
      pieceLeft -= read;
    }
  }
  endPieces();
  return {
    kind: 'digested',
    digest: hash.digest().toString(16).padStart(16, '0'),
    read: done,
    ...(pieces && { crc32s }),
  };
}

/**
 * Fills `into` from the source, in slices so that a cancel is seen within one (undefined then).
 * Returns the bytes read: fewer than asked only where the file ends.
 */
function readFully(source: TaskSource, into: Uint8Array, stopped: () => boolean): number | undefined {
  let filled = 0;
  while (filled < into.length) {
    if (stopped()) return undefined;
    const read = readSync(
      source.fd,
      into,
      filled,
      Math.min(READ_SLICE, into.length - filled),
      source.position + filled,
    );
    if (read === 0) break;
    filled += read;
  }
  return filled;
}

/**
 * Fills a decode task's `input` with its frame from `source`: undefined once it is full, else the
 * outcome that stops the task (cancelled, the file cut short, or a read error).
 */
function readInput(input: Uint8Array, source: TaskSource, abortFlag: SharedArrayBuffer): TaskOutcome | undefined {
  let read: number | undefined;
  try {
    read = readFully(source, input, stopCheck(abortFlag));
  } catch (err) {
    return failure(err, 'read');
  }
  if (read === undefined) return { kind: 'aborted' };
  if (read < input.length) return { kind: 'short', read };
  return undefined;
}

/**
 * Decodes the whole frame in one call (no copy out of a streaming window); then writes its part to
 * the target file, or hashes it for a manifest check.
 */
function decompress(task: DecompressTask): TaskOutcome {
  const started = clock();
  if (task.source) {
    const stop = readInput(task.input, task.source, task.abortFlag);
    if (stop) return stop;
  }
  const space = task.output.subarray(0, task.contentSize);
  if (task.bgzf) inflateBgzfBlocks(task.input, space, task.source?.position ?? 0);
  const size = task.bgzf
    ? task.contentSize
    : task.sizeKnown
      ? (decompressInto(task.input, space), task.contentSize)
      : decompressBounded(task.input, space);
  const content = space.subarray(0, size);
  const target = task.target;
  try {
    if (target?.kind === 'placed') {
      const piece = content.subarray(target.skip, target.skip + target.take);
      holding(new Int32Array(target.writeLock), () => writeAllSync(target.fd, piece, target.position, true));
    } else if (target?.kind === 'ordered') {
      const write = target.sequential
        ? (bytes: Uint8Array) => writeInOrderSync(target.fd, bytes)
        : (bytes: Uint8Array, position: number) => writeAllSync(target.fd, bytes, position, true);
      const take = Math.min(target.take ?? size, size - (target.skip ?? 0));
      new WriteTurns(target.ring, target.turns).deliver(target.seq, take, task.output.buffer, write);
    }
  } catch (err) {
    return failure(err, 'write');
  }
  return {
    kind: 'decoded',
    size,
    digest: task.digest ? xxh64(content) : undefined,
    elapsedMs: clock() - started,
  };
}

/**
 * Decodes an extraction's frame and writes its pieces. A file whole in the frame is created with
 * O_EXCL (nothing is there, and a link put there meanwhile is not followed) and closed with its
 * mode and mtime; a piece of a bigger file goes at its offset. A failed write names the file.
 */
function extract(task: ExtractTask): TaskOutcome {
  const started = clock();
  const stop = readInput(task.input, task.source, task.abortFlag);
  if (stop) return stop;
  const content = task.output.subarray(0, task.contentSize);
  decompressInto(task.input, content);
  const stopped = stopCheck(task.abortFlag);
  let bytes = 0;
  for (const w of task.writes) {
    if (stopped()) return { kind: 'aborted' };
    let fd: number | undefined;
    try {
      const flags = O_WRONLY | O_CREAT | O_NOFOLLOW | (w.whole ? O_EXCL : 0);
      fd = openSync(w.path, flags, 0o600);
      if (w.take > 0) writeAllSync(fd, content.subarray(w.skip, w.skip + w.take), w.position);
      if (w.whole) {
        if (w.whole.owner) fchownSync(fd, w.whole.owner.uid, w.whole.owner.gid);
        fchmodSync(fd, w.whole.mode);
        futimesSync(fd, w.whole.mtime, w.whole.mtime);
      }
    } catch (err) {
      return failure(err, 'write', w.path);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    bytes += w.take;
  }
  return { kind: 'extracted', bytes, elapsedMs: clock() - started };
}

/** The last search's pattern, compiled once for all its frames. */
let matcher: { key: string; compiled: Matcher } | undefined;

/** Decodes a search's frame and searches each of its pieces. */
function search(task: SearchTask): TaskOutcome {
  const started = clock();
  const stop = readInput(task.input, task.source, task.abortFlag);
  if (stop) return stop;
  const content = Buffer.from(task.output.buffer, task.output.byteOffset, task.contentSize);
  decompressInto(task.input, content);
  const key = JSON.stringify(task.pattern);
  if (matcher?.key !== key) matcher = { key, compiled: compileMatcher(task.pattern) };
  const m = matcher.compiled;
  const pieces: Array<[number, PieceMatches]> = [];
  // A fixed string is looked for in the whole frame first: a member it does not occur in (most of
  // them) is passed over without a call of its own.
  const { needle, find } = m;
  let hit = find ? find(content, 0) : 0;
  for (let i = 0; i * 3 < task.pieces.length; i++) {
    const skip = task.pieces[i * 3];
    const take = task.pieces[i * 3 + 1];
    const first = (task.pieces[i * 3 + 2] & 1) !== 0;
    const last = (task.pieces[i * 3 + 2] & 2) !== 0;
    if (needle && find && first && last) {
      if (hit >= 0 && hit < skip) hit = find(content, skip);
      if (hit < 0 || hit + needle.length > skip + take) continue;
    }
    const found = searchPiece(m, content.subarray(skip, skip + take), first, last, task.pattern.maxPerMember);
    if (found.count === 0 && first && last) continue; // a whole member without a match: nothing to send
    // Views of the shared arena go back as copies (a Buffer's slice() would be a view): the slot is
    // reused after the reply.
    if (found.head) found.head = new Uint8Array(found.head);
    if (found.tail) found.tail = new Uint8Array(found.tail);
    pieces.push([i, found]);
  }
  return { kind: 'searched', pieces, elapsedMs: clock() - started };
}
