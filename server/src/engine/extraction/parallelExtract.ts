/**
 * Extraction of an archive with its own member index (a Chunkpress tree): the index says which
 * bytes of which frame belong to which file, so the frames are decoded on the pool, a window of
 * them at a time, and each worker writes the files its frame holds. Frames holding only headers and
 * folders are not decoded at all; with a selection, only the frames of the selected members are.
 */
import * as fs from 'node:fs';
import { cancelled, ChunkpressError, describeFsError } from '../errors';
import type { MemberIndex } from '../format/memberIndex';
import type { ArchiveInfo, FrameRow } from '../inspection/inspect';
import { openArchive } from '../io/archiveFile';
import { BufferArena } from '../pool/bufferArena';
import { TASKS_PER_WORKER, type TaskGroup, type WorkerPool } from '../pool/pool';
import type { FileWrite, TaskReply } from '../pool/workerMessages';
import { where } from '../decoding/decodeJob';
import { finishFile, type Extraction, type FileAction } from './extraction';
import type { ExtractMeter } from './extractMeter';
import type { ExtractJournal } from './extractJournal';
import { diskBytes } from './targetTree';

/** Members planned between yields to the event loop (each may make a folder: one system call). */
const PLAN_BATCH = 2048;

interface Planned {
  file: FileAction;
  dataOffset: number;
  /** The member's SHA-256 in the index (what a resumed file is checked by). */
  sha256: string | null;
}

export async function extractFrames(
  x: Extraction,
  info: ArchiveInfo,
  index: MemberIndex,
  run: {
    pool: WorkerPool;
    threads: number;
    signal?: AbortSignal;
    meter: ExtractMeter;
    journal: ExtractJournal;
    checkSpace: (needed: number) => void;
  },
): Promise<void> {
  const { meter, signal } = run;
  const planned: Planned[] = [];
  // What the plan creates is recorded in one line, before the first file is written.
  run.journal.plan();
  for (let i = 0; i < index.count; i++) {
    if (i % PLAN_BATCH === PLAN_BATCH - 1) {
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw cancelled();
    }
    const m = index.member(i);
    let facts = m;
    let dataOffset = m.dataOffset;
    let sha256 = m.sha256;
    if (m.type === 'hardlink' && !x.wants(m.link ?? '') && x.wants(m.path)) {
      // Its target stays in the archive: the link becomes a copy of the target's content.
      const at = index.find(m.link ?? '');
      const target = at === undefined ? undefined : index.member(at);
      if (target?.type === 'file') {
        facts = { ...m, type: 'file', size: target.size, link: null };
        dataOffset = target.dataOffset;
        sha256 = target.sha256;
      }
    }
    const file = await x.admit(facts);
    if (file) planned.push({ file, dataOffset, sha256 });
  }
  meter.files = { done: 0, total: planned.length, current: undefined };
  meter.totalBytes = planned.reduce((sum, p) => sum + p.file.size, 0);
  run.journal.planned(planned.length);
  const intact = await checkResumed(x, planned, run);
  run.checkSpace(planned.reduce((sum, p, i) => sum + (intact.has(i) ? 0 : diskBytes(p.file.size)), 0));
  const frames = info.frames.filter((f) => f.role === 'data');
  const toWrite = planned.filter((_, i) => !intact.has(i));
  const work = planWrites(toWrite, frames);
  if (work.length > 0) await runFrames(work, toWrite, run, info.file);
  run.journal.flush(meter.files.done);
  await x.finishLinks();
}

/**
 * The files an interrupted run made, checked against the index: each one whose SHA-256 (hashed on
 * the pool) is the member's is kept and given its mode and mtime again; any other is removed, to be
 * written again. Returns the indexes (in `planned`) of those kept.
 */
async function checkResumed(
  x: Extraction,
  planned: readonly Planned[],
  run: { pool: WorkerPool; threads: number; signal?: AbortSignal; meter: ExtractMeter },
): Promise<Set<number>> {
  const intact = new Set<number>();
  const candidates: Array<{ i: number; mtimeNs: string }> = [];
  planned.forEach((p, i) => {
    if (!p.file.resumed) return;
    const found = fs.lstatSync(p.file.path, { bigint: true, throwIfNoEntry: false });
    if (p.sha256 && found?.isFile() && Number(found.size) === p.file.size)
      candidates.push({ i, mtimeNs: found.mtimeNs.toString() });
    else if (found) fs.rmSync(p.file.path, { force: true });
  });
  if (candidates.length === 0) return intact;
  const abortFlag = new SharedArrayBuffer(4);
  const group: TaskGroup = { lanes: run.threads };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < candidates.length) {
      if (run.signal?.aborted) throw cancelled();
      const { i, mtimeNs } = candidates[next++];
      const { file, sha256 } = planned[i];
      const reply = await run.pool.run(
        { kind: 'hash', member: i, path: file.path, size: file.size, mtimeNs, abortFlag },
        group,
      );
      const o = reply.outcome;
      if (o.kind === 'aborted') throw cancelled();
      if (o.kind === 'hashed' && o.report.sha256 === sha256) {
        finishFile(file);
        intact.add(i);
        x.resumedFiles++;
        run.meter.bytesIn += file.size;
        run.meter.bytesOut += file.size;
        run.meter.resumedBytes += file.size;
        run.meter.files!.done++;
      } else fs.rmSync(file.path, { force: true });
    }
  };
  try {
    await Promise.all(Array.from({ length: run.threads * TASKS_PER_WORKER }, lane));
  } finally {
    Atomics.store(new Int32Array(abortFlag), 0, 1);
  }
  run.meter.report();
  return intact;
}

interface FrameWork {
  frame: FrameRow;
  writes: FileWrite[];
  /** Files whole in this frame (done with it), and pieces of bigger ones (by their index in `planned`). */
  whole: number;
  pieces: number[];
}

/** Each frame's writes: the files' data ranges cut at the frames' content offsets. */
function planWrites(planned: readonly Planned[], frames: readonly FrameRow[]): FrameWork[] {
  const byFrame = new Map<number, FrameWork>();
  const workOf = (f: number): FrameWork => {
    let w = byFrame.get(f);
    if (!w) byFrame.set(f, (w = { frame: frames[f], writes: [], whole: 0, pieces: [] }));
    return w;
  };
  const starts = frames.map((f) => f.contentOffset!);
  const frameAt = (offset: number): number => {
    let lo = 0;
    let hi = frames.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  planned.forEach(({ file, dataOffset }, i) => {
    const end = dataOffset + file.size;
    let f = frameAt(dataOffset);
    const frameEnd = (k: number): number => frames[k].contentOffset! + frames[k].contentSize!;
    if (end <= frameEnd(f)) {
      workOf(f).writes.push({
        path: file.path,
        skip: dataOffset - frames[f].contentOffset!,
        take: file.size,
        position: 0,
        whole: { mode: file.mode, mtime: file.mtime, owner: file.owner },
      });
      workOf(f).whole++;
      return;
    }
    for (let at = dataOffset; at < end; f++) {
      const take = Math.min(end, frameEnd(f)) - at;
      const w = workOf(f);
      w.writes.push({ path: file.path, skip: at - frames[f].contentOffset!, take, position: at - dataOffset });
      w.pieces.push(i);
      at += take;
    }
  });
  return [...byFrame.values()].sort((a, b) => a.frame.index - b.frame.index);
}

async function runFrames(
  work: readonly FrameWork[],
  planned: readonly Planned[],
  run: { pool: WorkerPool; threads: number; signal?: AbortSignal; meter: ExtractMeter; journal: ExtractJournal },
  file: string,
): Promise<void> {
  const { pool, threads, signal, meter } = run;
  const window = TASKS_PER_WORKER * threads;
  const arena = BufferArena.forFrames(
    Math.min(window, work.length),
    work.map((w) => w.frame),
  );
  const abortFlag = new SharedArrayBuffer(4);
  const group: TaskGroup = { lanes: threads };
  const piecesLeft = new Map<number, number>();
  // A write names the file where it ends up, not the hidden name a replacement is written under.
  const finals = new Map(planned.filter((p) => p.file.path !== p.file.final).map((p) => [p.file.path, p.file.final]));
  for (const w of work) for (const i of w.pieces) piecesLeft.set(i, (piecesLeft.get(i) ?? 0) + 1);
  const archive = await openArchive(file);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let next = 0;
  const settle = (w: FrameWork, slot: number, reply: TaskReply): void => {
    arena.give(slot);
    const { outcome } = reply;
    if (failure !== undefined) return;
    if (outcome.kind === 'extracted') {
      meter.bytesIn += outcome.bytes;
      meter.bytesOut += outcome.bytes;
      meter.chunksDone++;
      let done = w.whole;
      for (const i of w.pieces) {
        const left = piecesLeft.get(i)! - 1;
        piecesLeft.set(i, left);
        if (left === 0) {
          finishFile(planned[i].file);
          done++;
        }
      }
      meter.files!.done += done;
      meter.files!.current = w.writes[w.writes.length - 1]?.path;
      run.journal.progress(meter.files!.done);
      meter.report();
      return;
    }
    if (outcome.kind === 'aborted') failure = cancelled();
    else if (outcome.kind === 'short')
      failure = new ChunkpressError(
        `"${file}": ${where(w.frame)} is cut short by the end of the file`,
        'EFORMAT',
        file,
      );
    else if (outcome.kind === 'failed' && outcome.stage === 'read') failure = describeFsError(outcome, file, 'read');
    else if (outcome.kind === 'failed' && outcome.stage === 'write')
      failure = describeFsError(outcome, finals.get(outcome.path ?? '') ?? outcome.path ?? file, 'write');
    else if (outcome.kind === 'failed')
      failure = new ChunkpressError(
        `"${file}": ${where(w.frame)} does not decode: ${outcome.message}`,
        'EFORMAT',
        file,
      );
    else failure = new ChunkpressError(`"${file}": ${where(w.frame)}: unexpected ${outcome.kind}`, 'EINTERNAL', file);
    Atomics.store(new Int32Array(abortFlag), 0, 1);
  };
  try {
    pool.warm(threads);
    while (next < work.length || inFlight.size > 0) {
      while (failure === undefined && next < work.length && inFlight.size < window) {
        if (signal?.aborted) {
          failure = cancelled();
          Atomics.store(new Int32Array(abortFlag), 0, 1);
          break;
        }
        const w = work[next++];
        const slot = arena.take()!;
        const task = pool
          .run(
            {
              kind: 'extract',
              input: arena.input(slot).subarray(0, w.frame.compressedSize),
              output: arena.output(slot),
              source: { fd: archive.fd, position: w.frame.offset },
              contentSize: w.frame.contentSize!,
              writes: w.writes,
              abortFlag,
            },
            group,
          )
          .then((reply) => settle(w, slot, reply))
          .catch((err: unknown) => {
            failure ??= err;
          })
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
      if (signal?.aborted && failure === undefined) {
        failure = cancelled();
        Atomics.store(new Int32Array(abortFlag), 0, 1);
      }
    }
  } finally {
    Atomics.store(new Int32Array(abortFlag), 0, 1);
    await Promise.allSettled([...inFlight]);
    await archive.close();
  }
  if (failure !== undefined) throw failure;
}
