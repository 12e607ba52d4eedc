import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { BufferArena } from '../../server/src/engine/bufferArena';
import type { TaskGroup } from '../../server/src/engine/pool';
import { compressBound } from '../../server/src/engine/threadPlan';
import { sampleData, testPool } from '../helpers';

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
