import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { threadId } from 'node:worker_threads';
import { BufferArena } from '../../server/src/engine/pool/bufferArena';
import { ChunkCompressor, decompressFrame } from '../../server/src/engine/codec/codec';
import { WorkerPool, type TaskGroup } from '../../server/src/engine/pool/pool';
import { contentChecksum, xxh64 } from '../../server/src/engine/codec/hash';
import { compressBound } from '../../server/src/engine/pool/threadPlan';
import { prestartedCount, prestartWorkers } from '../../server/src/engine/pool/workerPrestart';
import { sampleData, tempDir, testPool, testWorkerPath } from '../helpers';

const pool = testPool(3);
after(() => pool.close());
const CHUNK = 256 << 10;

/** Runs `count` compress tasks at once in `group`; resolves to the worker of each. */
async function workersFor(count: number, group: TaskGroup | undefined): Promise<number[]> {
  const arena = new BufferArena(count, CHUNK, compressBound(CHUNK));
  const abortFlag = new SharedArrayBuffer(4);
  const replies = await Promise.all(
    Array.from({ length: count }, (_, slot) => {
      arena.input(slot).set(sampleData(CHUNK, slot));
      return pool.run(
        { kind: 'compress', level: 3, input: arena.input(slot), output: arena.output(slot), abortFlag },
        group,
      );
    }),
  );
  for (const reply of replies) assert.equal(reply.outcome.kind, 'done');
  return replies.map((r) => r.worker);
}

test('a group never spreads over more workers than its lanes; no group may use them all', async () => {
  pool.warm(3);
  assert.equal(new Set(await workersFor(12, { lanes: 1 })).size, 1);
  assert.equal(new Set(await workersFor(12, { lanes: 2 })).size, 2);
  assert.equal(new Set(await workersFor(12, undefined)).size, 3);
});

test('a group at its lanes does not hold back another group', async () => {
  const busy = workersFor(8, { lanes: 1 });
  const other = await workersFor(1, { lanes: 1 });
  const first = new Set(await busy);
  assert.equal(first.size, 1);
  assert.ok(!first.has(other[0]), 'the second job ran on a worker of its own');
});

test('arena slots: page-aligned shared memory, regions on 4 KiB boundaries that never overlap', () => {
  const arena = new BufferArena(3, 5000, 70_000);
  assert.equal(arena.aligned, true);
  const regions = [0, 1, 2].flatMap((slot) => [arena.input(slot), arena.output(slot)]);
  for (const r of regions) {
    assert.ok(r.buffer instanceof SharedArrayBuffer);
    assert.equal(r.byteOffset % 4096, 0);
  }
  assert.deepEqual(
    regions.map((r) => r.length),
    [5000, 70_000, 5000, 70_000, 5000, 70_000],
  );
  for (let i = 1; i < regions.length; i++)
    assert.ok(regions[i].byteOffset >= regions[i - 1].byteOffset + regions[i - 1].length);
  const taken = [arena.take(), arena.take(), arena.take()];
  assert.deepEqual([...taken].sort(), [0, 1, 2]);
  assert.equal(arena.take(), undefined);
  arena.give(1);
  assert.equal(arena.take(), 1);
});

/** Compresses `count` chunks of a file in `group` on `on`, checks every frame; returns each one's lane. */
async function lanesFor(on: WorkerPool, count: number, group: TaskGroup, level = 3): Promise<number[]> {
  const data = sampleData(count * CHUNK, 7);
  const file = path.join(tempDir(), 'input');
  fs.writeFileSync(file, data);
  const fd = fs.openSync(file, 'r');
  const arena = new BufferArena(count, CHUNK, compressBound(CHUNK));
  const abortFlag = new SharedArrayBuffer(4);
  try {
    const replies = await Promise.all(
      Array.from({ length: count }, (_, slot) =>
        on.run(
          {
            kind: 'compress',
            level,
            input: arena.input(slot),
            output: arena.output(slot),
            abortFlag,
            source: { fd, position: slot * CHUNK },
          },
          group,
        ),
      ),
    );
    replies.forEach((reply, slot) => {
      assert.equal(reply.outcome.kind, 'done');
      if (reply.outcome.kind !== 'done') return;
      const frame = arena.output(slot).subarray(0, reply.outcome.compressedSize);
      assert.ok(decompressFrame(frame, CHUNK).equals(data.subarray(slot * CHUNK, (slot + 1) * CHUNK)));
    });
    return replies.map((r) => r.worker);
  } finally {
    fs.closeSync(fd);
  }
}

/** Runs `fn` on a two-worker pool with a host lane, closed afterwards. */
async function withHostLane(fn: (pool: WorkerPool) => Promise<void>): Promise<void> {
  const hosted = testPool(2, true);
  try {
    await fn(hosted);
  } finally {
    await hosted.close();
  }
}

test('host lane: a one-lane job runs in the calling thread and starts no worker', () =>
  withHostLane(async (hosted) => {
    hosted.warm(1);
    assert.deepEqual(await lanesFor(hosted, 6, { lanes: 1 }), Array(6).fill(threadId));
    assert.equal(hosted.started, 0);
  }));

test('host lane: a job of two lanes runs on two workers, none of its tasks on the host', () =>
  withHostLane(async (hosted) => {
    const lanes = await lanesFor(hosted, 12, { lanes: 2 });
    assert.equal(new Set(lanes).size, 2);
    assert.ok(!lanes.includes(threadId));
    assert.equal(hosted.started, 2);
  }));

test('host lane: tasks longer than one abort-check slice never run on it', () =>
  withHostLane(async (hosted) => {
    // Level 20 looks for a cancel every 128 KiB, and a chunk is 256 KiB: the host thread would
    // not see a cancel for two slices, so the chunks stay on the workers.
    const lanes = await lanesFor(hosted, 4, { lanes: 1 }, 20);
    assert.ok(!lanes.includes(threadId), `ran on ${lanes.join(', ')}`);
    assert.equal(hosted.started, 1);
  }));

test('a decode task reads its frame from the archive itself; a frame the file cuts short says so', async () => {
  const content = sampleData(CHUNK, 3);
  const space = Buffer.alloc(compressBound(CHUNK));
  const frame = space.subarray(
    0,
    new ChunkCompressor().compressFrame(content, space, 3, contentChecksum(xxh64(content)), () => false),
  );
  const file = path.join(tempDir(), 'archive.zst');
  fs.writeFileSync(file, Buffer.concat([Buffer.alloc(100), frame]));
  const fd = fs.openSync(file, 'r');
  const arena = new BufferArena(2, frame.length + 10, CHUNK);
  const decodeAt = (slot: number, position: number, length: number) =>
    pool.run({
      kind: 'decompress',
      input: arena.input(slot).subarray(0, length),
      output: arena.output(slot),
      source: { fd, position },
      contentSize: CHUNK,
      sizeKnown: true,
      digest: false,
      abortFlag: new SharedArrayBuffer(4),
    });
  try {
    const [whole, cut] = await Promise.all([decodeAt(0, 100, frame.length), decodeAt(1, 110, frame.length)]);
    assert.equal(whole.outcome.kind, 'decoded');
    assert.ok(Buffer.from(arena.output(0)).equals(content));
    assert.deepEqual(cut.outcome, { kind: 'short', read: frame.length - 10 });
  } finally {
    fs.closeSync(fd);
  }
});

test('a pool adopts the workers started before it (the CLI boots them while it loads)', async () => {
  prestartWorkers(testWorkerPath, 2);
  const early = testPool(2);
  try {
    assert.equal(prestartedCount(), 2);
    const lanes = await lanesFor(early, 4, { lanes: 2 });
    assert.equal(early.started, 2);
    assert.equal(prestartedCount(), 0, 'both were adopted, none started anew');
    assert.equal(new Set(lanes).size, 2);
  } finally {
    await early.close();
  }
});

test('a prestarted worker that dies before it is adopted is replaced, not handed out', async () => {
  prestartWorkers(path.join(tempDir(), 'missing-worker.js'), 1);
  const broken = new WorkerPool(1, { workerPath: path.join(tempDir(), 'missing-worker.js') });
  // Its start fails at once (no such script); the process must not crash on that error.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(prestartedCount(), 0);
  await broken.close();
});
