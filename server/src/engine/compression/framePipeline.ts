/**
 * The compression pipeline that every job runs: a feed prepares frame after frame in arena slots,
 * at most `TASKS_PER_WORKER * plan.threads` compress at once on the shared pool, and an ordered
 * writer appends the frames as they complete. At most `plan.window` frames are in flight, which
 * bounds memory whatever the input size.
 */
import { ArchiveWriter } from './archiveWriter';
import { AsyncQueue, Semaphore } from './asyncQueue';
import { BufferArena } from '../pool/bufferArena';
import { cancelled, ChunkpressError } from '../errors';
import { contentChecksum } from '../codec/hash';
import { TASKS_PER_WORKER, type TaskGroup, type WorkerPool } from '../pool/pool';
import type { ProgressMeter, ChunkRecord, ProgressListener } from '../progress';
import { compressBound, type ThreadPlan } from '../pool/threadPlan';
import type { CompressTask, GzipCoding, TaskOutcome, TaskReply } from '../pool/workerMessages';
import { TailChain } from '../pool/tailChain';
import type { GzipLayout } from './compressOptions';

/** One frame to make: how many bytes it holds, and where its worker gets them. */
export interface FrameWork {
  size: number;
  /** Where its bytes start in the content. */
  offset: number;
  /** The worker reads them itself; else `input` already holds them. */
  read?: Pick<CompressTask, 'source' | 'pieces'>;
}

export interface FrameFeed {
  /** Bytes a frame may have at most (the slots' size). */
  readonly frameCapacity: number;
  /**
   * The work of frame `index`, `input` being its slot (to fill here, if this thread provides the
   * bytes); undefined once there is nothing more.
   */
  next(index: number, input: Uint8Array): Promise<FrameWork | undefined> | FrameWork | undefined;
  /** The error a failed outcome of frame `index` stops the job with. */
  failure(index: number, outcome: Extract<TaskOutcome, { kind: 'failed' }>): Error;
  /** A frame is in the archive (called in order). */
  written?(index: number, outcome: Extract<TaskOutcome, { kind: 'done' }>): void;
  /** A folder's frame: its first and last members' paths, for the journal. */
  members?(index: number): [string, string] | undefined;
}

export interface PipelineJob {
  pool: WorkerPool;
  writer: ArchiveWriter;
  level: number;
  /** Deflate for a gzip member or BGZF blocks instead of zstd frames. */
  gzip?: GzipLayout;
  plan: ThreadPlan;
  meter: ProgressMeter;
  listener: ProgressListener | undefined;
  signal: AbortSignal | undefined;
  /** Shared with any other tasks of the job (member hashes): set when it stops. */
  abortFlag: SharedArrayBuffer;
  group: TaskGroup;
  /**
   * A resumed job: the first frame to make, and (one gzip member) the 32 KiB of the source before
   * it, which primes it as the frame before would have.
   */
  start?: { index: number; tail?: Uint8Array };
  /**
   * A resumed folder: the digests of the frames already in the partial archive. Those frames are
   * made again from the tree but only hashed (their bytes are not written again); one whose digest
   * differs stops the job with `changed(index)`.
   */
  recheck?: { digests: readonly string[]; changed(index: number): Error };
}

interface InFlight {
  index: number;
  /** The arena slot holding the chunk and its frame. */
  slot: number;
  work: FrameWork;
  reply: Promise<TaskReply>;
}

export async function runPipeline(job: PipelineJob, feed: FrameFeed): Promise<void> {
  const { pool, writer, plan, meter, listener, signal, group } = job;
  const flag = new Int32Array(job.abortFlag);
  // One slot per chunk in flight, reused: memory is set by the window, whatever the input size.
  // A slot holds its chunk and then, in the same bytes, its frame: the worker makes the frame in
  // space of its own and puts it in place (taskRunner.ts), so a slot needs no second region.
  const arena = new BufferArena(plan.window, compressBound(feed.frameCapacity), 0);
  const chunkSpace = (slot: number): Uint8Array => arena.input(slot).subarray(0, feed.frameCapacity);
  const window = new Semaphore(plan.window);
  // Each of the job's workers holds the chunk it compresses and the next one (see TASKS_PER_WORKER).
  const running = new Semaphore(TASKS_PER_WORKER * plan.threads);
  const queue = new AsyncQueue<InFlight>();
  // One entry more than the chunks in flight (tailChain.ts).
  const chain = job.gzip === 'single' ? new TailChain(plan.window + 1) : undefined;
  const first = job.start?.index ?? 0;
  if (chain && first > 0) chain.publish(first - 1, new Uint8Array(0), job.start?.tail ?? new Uint8Array(0));
  const gzipFor = (seq: number): GzipCoding | undefined =>
    chain ? { layout: 'single', chain: chain.memory, entries: chain.entries, seq } : job.gzip && { layout: 'bgzf' };
  let failure: unknown;
  // A stream's read waits for its writer, and a cancel must not: a stalled pipe would hold the job.
  // Not a race against one promise that settles only on failure: each race would leave a reaction
  // on it holding that frame's work, the whole tree's pieces by the end of a folder.
  let stopReading: ((err: unknown) => void) | undefined;
  const nextWork = (index: number, input: Uint8Array): Promise<FrameWork | undefined> =>
    new Promise((resolve, reject) => {
      stopReading = reject;
      Promise.resolve(feed.next(index, input))
        .then(resolve, reject)
        .finally(() => (stopReading = undefined));
    });

  const fail = (err: unknown): void => {
    failure ??= err;
    Atomics.store(flag, 0, 1);
    window.break(err instanceof Error ? err : new Error(String(err)));
    stopReading?.(err);
  };
  const onAbort = (): void => fail(cancelled());
  signal?.addEventListener('abort', onAbort);
  meter.stage = 'compressing';

  const reader = async (): Promise<void> => {
    for (let index = first; failure === undefined; index++) {
      await window.acquire();
      const slot = arena.take()!; // the window holds no more chunks than the arena has slots
      const work = await nextWork(index, chunkSpace(slot));
      if (work === undefined || failure !== undefined) {
        arena.give(slot);
        window.release();
        break;
      }
      await running.acquire();
      if (failure !== undefined) {
        running.release();
        break;
      }
      const rechecked = index < (job.recheck?.digests.length ?? 0);
      const reply = pool.run(
        {
          kind: 'compress',
          digestOnly: rechecked,
          level: job.level,
          input: arena.input(slot).subarray(0, work.size),
          output: arena.input(slot),
          abortFlag: job.abortFlag,
          gzip: gzipFor(index),
          ...work.read,
        },
        group,
      );
      void reply.then(
        () => running.release(),
        () => running.release(),
      );
      queue.push({ index, slot, work, reply });
    }
  };

  const write = async (): Promise<void> => {
    for (let item = await queue.next(); item; item = await queue.next()) {
      let reply: TaskReply;
      try {
        reply = await item.reply;
      } catch (err) {
        fail(new ChunkpressError(`Chunk ${item.index}: ${(err as Error).message}`, 'EINTERNAL'));
        continue;
      }
      const outcome = reply.outcome;
      const recheck = job.recheck;
      if (failure === undefined && outcome.kind === 'done' && recheck && item.index < recheck.digests.length) {
        // Already in the partial archive (its writer holds it): only the same bytes may follow it.
        if (outcome.digest !== recheck.digests[item.index]) fail(recheck.changed(item.index));
        else {
          feed.written?.(item.index, outcome);
          listener?.onStage?.(meter.snapshot());
        }
      } else if (failure === undefined && outcome.kind === 'done') {
        const frame = arena.input(item.slot).subarray(0, outcome.compressedSize);
        const checksum = contentChecksum(outcome.digest);
        const outputOffset = writer.committedBytes;
        try {
          await writer.appendFrame(
            frame,
            { compressedSize: outcome.compressedSize, decompressedSize: item.work.size, checksum },
            outcome.digest,
            { crc32: outcome.crc32, blocks: outcome.blocks, members: feed.members?.(item.index) },
          );
        } catch (err) {
          fail(err);
        }
        if (failure === undefined) {
          feed.written?.(item.index, outcome);
          meter.bytesIn += item.work.size;
          meter.bytesOut = writer.committedBytes;
          meter.chunksDone++;
          const record: ChunkRecord = {
            index: item.index,
            inputOffset: item.work.offset,
            inputSize: item.work.size,
            outputOffset,
            compressedSize: outcome.compressedSize,
            checksum,
            digest: outcome.digest,
            elapsedMs: outcome.elapsedMs,
          };
          listener?.onChunk?.(record, meter.snapshot());
        }
      } else if (outcome.kind === 'failed') {
        fail(feed.failure(item.index, outcome));
      }
      // Only now may the reader reuse the slot: the frame has been written.
      arena.give(item.slot);
      window.release();
    }
  };

  const writing = write();
  try {
    await reader();
  } catch (err) {
    fail(err);
  } finally {
    queue.close();
    await writing;
    signal?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) throw failure;
}
