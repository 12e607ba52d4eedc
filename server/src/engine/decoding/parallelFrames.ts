/** The parallel path: frames decoded on the worker pool, a bounded window of them in flight. */
import { cancelled, ChunkpressError, describeFsError } from '../errors';
import { compareChecksum } from '../inspection/indexCheck';
import type { FrameRow } from '../inspection/inspect';
import { openArchive } from '../io/archiveFile';
import { BufferArena } from '../pool/bufferArena';
import { TASKS_PER_WORKER, type TaskGroup } from '../pool/pool';
import type { TaskReply } from '../pool/workerMessages';
import { WriteTurns } from '../pool/writeTurns';
import { emit, outcomeOf, sizeBound, where, type FrameOutcome, type RunContext } from './decodeJob';

/**
 * Frames on the pool (for a range, only those that hold it). Each worker reads its frame from the
 * archive itself and writes a file itself: with `known` sizes each frame at its place, one worker
 * at a time; else each decodes into a buffer bounded by its block count and is written in turn,
 * where the frame before it ended (parked in its slot until then). A stream is written here.
 */
export async function runParallel(ctx: RunContext, frames: FrameRow[], known: boolean, threads: number): Promise<void> {
  const { job, meter } = ctx;
  if (ctx.range?.length === 0) return;
  if (job.verify) ctx.digests = [];
  const manifestDigests = job.verify && !ctx.range ? ctx.info.manifest?.chunks.digests : undefined;
  const archive = await openArchive(job.input);
  const abortFlag = new SharedArrayBuffer(4);
  const window = TASKS_PER_WORKER * threads;
  const group: TaskGroup = { lanes: threads };
  const fd = job.verify ? undefined : ctx.sink?.fd;
  // A stdout that never waits (a file, /dev/null) takes its frames in order, each written by the
  // worker whose turn it is, as frames of unknown size are: no trip through this thread.
  const sequential = fd !== undefined && ctx.sink?.sequential === true;
  const inTurn = fd !== undefined && (!known || sequential);
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
      // The part of the frame in the range (a range is planned only where the sizes are known).
      const skip = known ? Math.max(0, rangeStart - frame.contentOffset!) : 0;
      const take = known
        ? Math.min(frame.contentOffset! + frame.contentSize!, rangeEnd) - Math.max(frame.contentOffset!, rangeStart)
        : undefined;
      turns?.register(seq, arena.output(slot).byteOffset + skip);
      const task = job.pool.run(
        {
          kind: 'decompress',
          input: arena.input(slot).subarray(0, frame.compressedSize),
          output: arena.output(slot),
          source: { fd: archive.fd, position: frame.offset },
          contentSize: sizeBound(frame)!,
          sizeKnown: frame.contentSize !== undefined,
          digest: job.verify === true,
          bgzf: ctx.info.layout === 'bgzf',
          abortFlag,
          target:
            fd === undefined
              ? undefined
              : turns
                ? { kind: 'ordered', fd, turns: turns.memory, ring: turns.ring, seq, skip, take, sequential }
                : {
                    kind: 'placed',
                    fd,
                    position: Math.max(frame.contentOffset!, rangeStart) - rangeStart,
                    skip,
                    take: take!,
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
        if (ctx.sink && job.output.kind === 'descriptor') throw describeFsError(outcome, job.output.label, 'write');
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
      if (outcome.kind === 'decoded' && outcome.digest !== undefined) {
        ctx.digests?.push(outcome.digest);
        const finding = ctx.entryChecksums && compareChecksum(ctx.entryChecksums, frame, outcome.digest);
        if (finding) ctx.indexFindings.push(finding);
      }
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
