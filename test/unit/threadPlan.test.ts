import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compressBound, planThreads, type ThreadPlanInput } from '../../server/src/engine/pool/threadPlan';

const GiB = 2 ** 30;
const base: ThreadPlanInput = {
  cores: 8,
  availableMemory: 16 * GiB,
  memoryFactor: 0.75,
  level: 3,
  chunkSize: 4 << 20,
  inputSize: 10 * GiB,
  requested: undefined,
};

test('plenty of memory: one worker per core, window of three chunks per worker', () => {
  const plan = planThreads(base);
  assert.equal(plan.threads, 8);
  assert.equal(plan.window, 24);
  assert.equal(plan.reason, '8 workers: limited by 8 cores');
});

test('never more than 16 workers', () => {
  const plan = planThreads({ ...base, cores: 64 });
  assert.equal(plan.threads, 16);
  assert.match(plan.reason, /cap of 16/);
});

test('memory limits the workers: available x factor / per-worker working set', () => {
  const plan = planThreads({ ...base, level: 19, chunkSize: 64 << 20, availableMemory: GiB });
  // level 19, 64 MiB chunks: 8 MiB window (windowLog 23), 16 MiB hash + 64 MiB chain tables,
  // 4 MiB block and optimal-parser state, 3 slots of 64.25 MiB (a chunk, then its frame) and the
  // worker's own 64.25 MiB to make a frame in, 12 MiB overhead.
  assert.equal(plan.perWorkerBytes, (8 + 16 + 64 + 4 + 4 * 64.25 + 12) * 2 ** 20);
  assert.equal(plan.threads, Math.floor((0.75 * GiB) / plan.perWorkerBytes));
  assert.match(plan.reason, /^2 workers: limited by memory: 768 MiB available x factor fits 2 workers/);
});

test('at least one worker even when memory looks too small', () => {
  assert.equal(planThreads({ ...base, availableMemory: 0 }).threads, 1);
});

test('the user bound and single-chunk inputs', () => {
  assert.equal(planThreads({ ...base, requested: 3 }).threads, 3);
  assert.equal(planThreads({ ...base, requested: 1 }).reason, '1 worker: limited by requested -T 1');
  assert.equal(planThreads({ ...base, requested: 64 }).threads, 8);
  const small = planThreads({ ...base, inputSize: 4 << 20 });
  assert.equal(small.threads, 1);
  assert.equal(small.reason, '1 worker: limited by input fits in one chunk');
  assert.equal(planThreads({ ...base, inputSize: undefined }).threads, 8);
});

test('compressBound matches ZSTD_COMPRESSBOUND', () => {
  assert.equal(compressBound(0), 64);
  assert.equal(compressBound(1000), 1000 + 3 + ((131072 - 1000) >> 11));
  assert.equal(compressBound(4 << 20), (4 << 20) + (4 << 12));
});
