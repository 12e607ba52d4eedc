/**
 * Searches a tar archive's files line by line, as `grep` would their extracted copies: ours frame by
 * frame on the pool (each worker decodes a frame and searches the pieces of members it holds; a
 * member split across frames is joined here), any other tar in one pass. Members are reported in
 * archive order, each once, with its matches.
 */
import { cancelled, ChunkpressError, describeFsError } from '../errors';
import { where } from '../decoding/decodeJob';
import { TarReader } from '../format/tarReader';
import { inspectArchive, type ArchiveInfo, type FrameRow } from '../inspection/inspect';
import { openArchive } from '../io/archiveFile';
import { BufferArena } from '../pool/bufferArena';
import { TASKS_PER_WORKER, type TaskGroup, type WorkerPool } from '../pool/pool';
import type { SearchTask, TaskReply } from '../pool/workerMessages';
import { ProgressMeter, type ProgressSnapshot } from '../progress';
import { readTar } from '../tar/foreignIndex';
import { memberSelection } from '../tar/memberSelection';
import { compileMatcher, searchPiece, type PieceMatches, type SearchPattern } from './lineSearch';
import { MemberAssembler, type MemberMatches } from './memberSearch';

export interface SearchJob {
  archive: string;
  pattern: SearchPattern;
  /** Only these members (a folder stands for everything under it). */
  members?: string[];
  pool: WorkerPool;
  threads?: number;
  signal?: AbortSignal;
  /** Every file searched, in archive order, with what matched in it (count 0 for none). */
  onMember(path: string, matches: MemberMatches): void;
  onProgress?(snapshot: ProgressSnapshot): void;
}

export interface SearchResult {
  archive: string;
  /** Files searched, and those with a match. */
  files: number;
  matchedFiles: number;
  /** Matching lines. */
  lines: number;
  bytes: number;
  elapsedMs: number;
  mode: 'parallel' | 'streaming';
  threads: number;
}

interface Piece {
  member: number;
  skip: number;
  take: number;
  first: boolean;
  last: boolean;
}

export async function searchArchive(job: SearchJob): Promise<SearchResult> {
  let matcher;
  try {
    matcher = compileMatcher(job.pattern);
  } catch (err) {
    throw new ChunkpressError(
      `"${job.pattern.pattern}" is not a regular expression: ${(err as Error).message}`,
      'EINVAL',
    );
  }
  const info = await inspectArchive(job.archive);
  const index = info.problem ? undefined : info.manifest?.members;
  if (info.manifest && !index && !info.problem)
    throw new ChunkpressError(`"${job.archive}" holds one file, not a tar archive`, 'EINVAL', job.archive);
  const meter = new ProgressMeter(undefined, undefined);
  meter.stage = 'searching';
  const selected = job.members && memberSelection(job.members);
  const wants = (path: string): boolean => !selected || selected(path);
  const tally = { files: 0, matchedFiles: 0, lines: 0 };
  const report = (path: string, found: MemberMatches): void => {
    tally.files++;
    if (found.count > 0) tally.matchedFiles++;
    tally.lines += found.count;
    job.onMember(path, found);
  };
  let threads = 1;
  if (index) {
    const frames = info.frames.filter((f) => f.role === 'data');
    const sizes = index.column('size') as number[];
    const types = index.column('type') as string[];
    const paths = index.column('path') as string[];
    const offsets = index.column('dataOffset') as number[];
    const members: number[] = [];
    for (let i = 0; i < index.count; i++) if (types[i] === 'f' && wants(paths[i])) members.push(i);
    meter.totalBytes = members.reduce((sum, i) => sum + sizes[i], 0);
    const work = planPieces(members, offsets, sizes, frames);
    threads = Math.max(1, Math.min(job.pool.size, job.threads ?? job.pool.size, work.length));
    const assemblers = new Map<number, MemberAssembler>();
    const nothing: PieceMatches = { matches: [], count: 0, newlines: 0, binary: false };
    await runFrames(job, info, work, threads, meter, (w, results) => {
      const sent = new Map(results);
      w.pieces.forEach((p, k) => {
        const r = sent.get(k) ?? nothing;
        if (p.first && p.last) {
          report(paths[p.member], {
            count: r.count,
            matches: r.matches.map((m) => ({ line: m.line + 1, text: m.text })),
            binary: r.binary === true,
          });
          return;
        }
        let a = assemblers.get(p.member);
        if (!a) assemblers.set(p.member, (a = new MemberAssembler(matcher, job.pattern.maxPerMember)));
        a.add(r, p.first, p.last);
        if (p.last) {
          assemblers.delete(p.member);
          report(paths[p.member], a.finish());
        }
      });
    });
  } else {
    meter.totalBytes = info.contentSize;
    await searchStream(job, info, matcher, meter, wants, report);
  }
  const s = meter.snapshot();
  return {
    archive: job.archive,
    ...tally,
    bytes: s.bytesIn,
    elapsedMs: s.elapsedMs,
    mode: index ? 'parallel' : 'streaming',
    threads,
  };
}

interface FrameWork {
  frame: FrameRow;
  pieces: Piece[];
}

/** Each frame's pieces of the members to search (empty members are one empty piece, in their frame). */
function planPieces(
  members: readonly number[],
  offsets: number[],
  sizes: number[],
  frames: readonly FrameRow[],
): FrameWork[] {
  const byFrame = new Map<number, FrameWork>();
  let f = 0;
  for (const i of members) {
    const start = offsets[i];
    const end = start + sizes[i];
    while (f < frames.length - 1 && frames[f].contentOffset! + frames[f].contentSize! <= start) f++;
    let k = f;
    let at = start;
    do {
      const frameStart = frames[k].contentOffset!;
      const take = Math.min(end, frameStart + frames[k].contentSize!) - at;
      let w = byFrame.get(k);
      if (!w) byFrame.set(k, (w = { frame: frames[k], pieces: [] }));
      w.pieces.push({ member: i, skip: at - frameStart, take, first: at === start, last: at + take === end });
      at += take;
      k++;
    } while (at < end && k < frames.length);
  }
  return [...byFrame.values()].sort((a, b) => a.frame.index - b.frame.index);
}

/** Frames on the pool, a window in flight; `take` gets each frame's results in frame order. */
async function runFrames(
  job: SearchJob,
  info: ArchiveInfo,
  work: readonly FrameWork[],
  threads: number,
  meter: ProgressMeter,
  take: (w: FrameWork, results: Extract<TaskReply['outcome'], { kind: 'searched' }>['pieces']) => void,
): Promise<void> {
  if (work.length === 0) return;
  const file = info.file;
  const window = TASKS_PER_WORKER * threads;
  const arena = BufferArena.forFrames(
    Math.min(window, work.length),
    work.map((w) => w.frame),
  );
  const abortFlag = new SharedArrayBuffer(4);
  const group: TaskGroup = { lanes: threads };
  const archive = await openArchive(file);
  const pattern = { ...job.pattern };
  const inFlight: Array<{ w: FrameWork; slot: number; reply: Promise<TaskReply> }> = [];
  let next = 0;
  const send = (): void => {
    while (next < work.length && inFlight.length < window) {
      const w = work[next++];
      const slot = arena.take()!;
      const task: Omit<SearchTask, 'id'> = {
        kind: 'search',
        input: arena.input(slot).subarray(0, w.frame.compressedSize),
        output: arena.output(slot),
        source: { fd: archive.fd, position: w.frame.offset },
        contentSize: w.frame.contentSize!,
        pattern,
        pieces: Uint32Array.from(
          w.pieces.flatMap(({ skip, take: length, first, last }) => [skip, length, (first ? 1 : 0) | (last ? 2 : 0)]),
        ),
        abortFlag,
      };
      inFlight.push({ w, slot, reply: job.pool.run(task, group) });
    }
  };
  try {
    job.pool.warm(threads);
    send();
    while (inFlight.length > 0) {
      if (job.signal?.aborted) throw cancelled();
      const { w, slot, reply } = inFlight.shift()!;
      const { outcome } = await reply;
      arena.give(slot);
      if (outcome.kind === 'short')
        throw new ChunkpressError(`"${file}": ${where(w.frame)} is cut short by the end of the file`, 'EFORMAT', file);
      if (outcome.kind === 'failed' && outcome.stage === 'read') throw describeFsError(outcome, file, 'read');
      if (outcome.kind === 'failed')
        throw new ChunkpressError(`"${file}": ${where(w.frame)} does not decode: ${outcome.message}`, 'EFORMAT', file);
      if (outcome.kind === 'aborted') throw cancelled();
      if (outcome.kind !== 'searched') throw new ChunkpressError(`unexpected ${outcome.kind}`, 'EINTERNAL', file);
      take(w, outcome.pieces);
      meter.bytesIn += w.pieces.reduce((sum, p) => sum + p.take, 0);
      meter.chunksDone++;
      job.onProgress?.(meter.snapshot());
      send();
    }
  } finally {
    Atomics.store(new Int32Array(abortFlag), 0, 1);
    await Promise.allSettled(inFlight.map((f) => f.reply));
    await archive.close();
  }
}

/** Any other tar: one pass, each member's content searched as it passes. */
async function searchStream(
  job: SearchJob,
  info: ArchiveInfo,
  matcher: ReturnType<typeof compileMatcher>,
  meter: ProgressMeter,
  wants: (path: string) => boolean,
  report: (path: string, found: MemberMatches) => void,
): Promise<void> {
  let current: { path: string; left: number; first: boolean; assembler: MemberAssembler } | undefined;
  const reader = new TarReader(
    (r) => {
      current = undefined;
      if (r.type !== 'file' || !wants(r.path)) return;
      const assembler = new MemberAssembler(matcher, job.pattern.maxPerMember);
      if (r.size === 0) report(r.path, assembler.finish());
      else current = { path: r.path, left: r.size, first: true, assembler };
    },
    (bytes) => {
      const c = current;
      if (!c) return;
      c.left -= bytes.length;
      const last = c.left === 0;
      if (!c.assembler.full) c.assembler.add(searchPiece(matcher, bytes, c.first, last), c.first, last);
      c.first = false;
      if (last) {
        report(c.path, c.assembler.finish());
        current = undefined;
      }
    },
  );
  await readTar(
    info,
    {
      pool: job.pool,
      signal: job.signal,
      onProgress: (read) => {
        meter.bytesIn = read;
        job.onProgress?.(meter.snapshot());
      },
    },
    reader,
    (bytes) => reader.push(bytes),
  );
}
