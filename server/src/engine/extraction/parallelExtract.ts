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
    /**
     * Set for a selection or a resumed job: the whole plan is made first, its space checked with
     * this and the files an interrupted run made checked, before any frame is written. Without it
     * (everything, checked up front), frames are written while the rest of the plan is made.
     */
    planFirst?: { checkSpace: (needed: number) => void };
  },
): Promise<void> {
  const { meter, signal } = run;
  const frames = info.frames.filter((f) => f.role === 'data');
  const plan = new WritePlan(frames);
  meter.files = { done: 0, total: 0, current: undefined };
  // What the plan creates is recorded in batches, each before the first write it allows.
  run.journal.plan();
  let next = 0;
  /** Plans the next batch of members; false once every member is planned. */
  const planBatch = async (): Promise<boolean> => {
    const end = Math.min(index.count, next + PLAN_BATCH);
    for (; next < end; next++) {
      const m = index.member(next);
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
      if (file) plan.planned.push({ file, dataOffset, sha256 });
    }
    if (signal?.aborted) throw cancelled();
    meter.files!.total = plan.planned.length;
    if (next < index.count) return true;
    run.journal.planned(plan.planned.length);
    return false;
  };
  if (run.planFirst) {
    while (await planBatch()) await new Promise((resolve) => setImmediate(resolve));
    // Files an interrupted run completed count as done bytes of this total.
    meter.totalBytes = plan.planned.reduce((sum, p) => sum + p.file.size, 0);
    const intact = await checkResumed(x, plan.planned, run);
    run.planFirst.checkSpace(plan.planned.reduce((sum, p, i) => sum + (intact.has(i) ? 0 : diskBytes(p.file.size)), 0));
    plan.cut((i) => !intact.has(i));
    if (plan.ready.length > 0)
      await runFrames(
        plan,
        undefined,
        plan.ready.map((w) => w.frame),
        run,
        info.file,
      );
  } else {
    // Everything is extracted: the files' sizes are the total until the plan says what is kept.
    meter.totalBytes = filesBytes(index);
    await runFrames(
      plan,
      async () => {
        const more = await planBatch();
        // A member still to plan starts at or after the next one's data (or, a copy, anywhere).
        plan.cut(() => true, more ? index.member(next).dataOffset : Infinity);
        if (!more) meter.totalBytes = plan.bytes;
        // Its files are named in the journal before a frame that writes them is handed out.
        run.journal.recordNoted();
        return more;
      },
      frames,
      run,
      info.file,
    );
  }
  run.journal.flush(meter.files.done);
  await x.finishLinks();
}

/** The sum over the index's files of `bytes(size)`: their content, or (with diskBytes) the room they take. */
export function filesBytes(index: MemberIndex, bytes: (size: number) => number = (size) => size): number {
  const sizes = index.column('size') as number[];
  const types = index.column('type') as string[];
  let sum = 0;
  for (let i = 0; i < sizes.length; i++) if (types[i] === 'f') sum += bytes(sizes[i]);
  return sum;
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

/**
 * The plan's writes by frame: the files' data ranges cut at the frames' content offsets. A frame is
 * `ready` once no member still to be planned can add to it.
 */
class WritePlan {
  readonly planned: Planned[] = [];
  /** Frames whose writes are all known, in frame order, to be handed out. */
  readonly ready: FrameWork[] = [];
  /** Content bytes of the files cut so far. */
  bytes = 0;
  /** Pieces of each file split across frames still to write (by index in `planned`). */
  readonly piecesLeft = new Map<number, number>();
  /** A write names the file where it ends up, not the hidden name a replacement is written under. */
  readonly finals = new Map<string, string>();
  private readonly pending = new Map<number, FrameWork>();
  private readonly starts: number[];
  private cutUpTo = 0;

  constructor(private readonly frames: readonly FrameRow[]) {
    this.starts = frames.map((f) => f.contentOffset!);
  }

  /**
   * Cuts the files planned since the last call (those `keep` keeps) into their frames, then makes
   * ready every frame below the one holding `horizon`, where the next member's data starts.
   */
  cut(keep: (i: number) => boolean, horizon = Infinity): void {
    for (; this.cutUpTo < this.planned.length; this.cutUpTo++) {
      if (keep(this.cutUpTo)) this.cutFile(this.cutUpTo);
    }
    const below = horizon === Infinity ? Infinity : this.frameAt(horizon);
    const done = [...this.pending.keys()].filter((f) => f < below).sort((a, b) => a - b);
    for (const f of done) {
      this.ready.push(this.pending.get(f)!);
      this.pending.delete(f);
    }
  }

  private cutFile(i: number): void {
    const { file, dataOffset } = this.planned[i];
    if (file.path !== file.final) this.finals.set(file.path, file.final);
    this.bytes += file.size;
    const end = dataOffset + file.size;
    let f = this.frameAt(dataOffset);
    if (end <= this.frameEnd(f)) {
      const w = this.workOf(f);
      w.writes.push({
        path: file.path,
        skip: dataOffset - this.starts[f],
        take: file.size,
        position: 0,
        whole: { mode: file.mode, mtime: file.mtime, owner: file.owner },
      });
      w.whole++;
      return;
    }
    for (let at = dataOffset; at < end; f++) {
      const take = Math.min(end, this.frameEnd(f)) - at;
      const w = this.workOf(f);
      w.writes.push({ path: file.path, skip: at - this.starts[f], take, position: at - dataOffset });
      w.pieces.push(i);
      this.piecesLeft.set(i, (this.piecesLeft.get(i) ?? 0) + 1);
      at += take;
    }
  }

  private workOf(f: number): FrameWork {
    let w = this.pending.get(f);
    if (!w) this.pending.set(f, (w = { frame: this.frames[f], writes: [], whole: 0, pieces: [] }));
    return w;
  }

  private frameEnd(f: number): number {
    return this.starts[f] + this.frames[f].contentSize!;
  }

  private frameAt(offset: number): number {
    let lo = 0;
    let hi = this.frames.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/**
 * Hands the plan's ready frames to the pool, a window at a time. With `planMore`, the plan is
 * still being made: a batch of it is made whenever the window is full or nothing is ready, while
 * the workers decode and write the frames in flight.
 */
async function runFrames(
  plan: WritePlan,
  planMore: (() => Promise<boolean>) | undefined,
  /** The frames it may hand out, which size the arena's slots. */
  slotFrames: readonly FrameRow[],
  run: { pool: WorkerPool; threads: number; signal?: AbortSignal; meter: ExtractMeter; journal: ExtractJournal },
  file: string,
): Promise<void> {
  const { pool, threads, signal, meter } = run;
  const window = TASKS_PER_WORKER * threads;
  const arena = BufferArena.forFrames(Math.min(window, slotFrames.length), slotFrames);
  const abortFlag = new SharedArrayBuffer(4);
  const group: TaskGroup = { lanes: threads };
  const archive = await openArchive(file);
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let next = 0;
  let planning = planMore !== undefined;
  /** The job fails with the first reason: the workers stop at their next check. */
  const stop = (why: unknown): void => {
    failure ??= why;
    Atomics.store(new Int32Array(abortFlag), 0, 1);
  };
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
        const left = plan.piecesLeft.get(i)! - 1;
        plan.piecesLeft.set(i, left);
        if (left === 0) {
          finishFile(plan.planned[i].file);
          done++;
        }
      }
      meter.files!.done += done;
      meter.files!.current = w.writes[w.writes.length - 1]?.path;
      run.journal.progress(meter.files!.done);
      meter.report();
      return;
    }
    if (outcome.kind === 'aborted') stop(cancelled());
    else if (outcome.kind === 'short')
      stop(new ChunkpressError(`"${file}": ${where(w.frame)} is cut short by the end of the file`, 'EFORMAT', file));
    else if (outcome.kind === 'failed' && outcome.stage === 'read') stop(describeFsError(outcome, file, 'read'));
    else if (outcome.kind === 'failed' && outcome.stage === 'write')
      stop(describeFsError(outcome, plan.finals.get(outcome.path ?? '') ?? outcome.path ?? file, 'write'));
    else if (outcome.kind === 'failed')
      stop(new ChunkpressError(`"${file}": ${where(w.frame)} does not decode: ${outcome.message}`, 'EFORMAT', file));
    else stop(new ChunkpressError(`"${file}": ${where(w.frame)}: unexpected ${outcome.kind}`, 'EINTERNAL', file));
  };
  try {
    pool.warm(threads);
    while (failure === undefined) {
      while (failure === undefined && next < plan.ready.length && inFlight.size < window) {
        if (signal?.aborted) {
          stop(cancelled());
          break;
        }
        const w = plan.ready[next++];
        const slot = arena.take()!; // no more in flight than the arena has slots
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
      if (failure !== undefined) break;
      if (planning) {
        // The workers have their frames: the plan goes on meanwhile, as fast as it can (held back to
        // the workers' pace, it ends later, and the job with it).
        try {
          planning = await planMore!();
        } catch (err) {
          stop(err);
        }
        // The replies that came meanwhile free their slots.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      if (inFlight.size === 0) break;
      await Promise.race(inFlight);
      if (signal?.aborted && failure === undefined) stop(cancelled());
    }
  } finally {
    Atomics.store(new Int32Array(abortFlag), 0, 1);
    await Promise.allSettled([...inFlight]);
    await archive.close();
  }
  if (failure !== undefined) throw failure;
}
