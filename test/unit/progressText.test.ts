import assert from 'node:assert/strict';
import { test } from 'node:test';
import { combineProgress, progressMessage } from '../../server/src/progressText';
import type { JobProgress } from '../../server/src/protocol';

const job = (over: Partial<JobProgress>): JobProgress => ({
  stage: 'compressing',
  bytesIn: 0,
  bytesOut: 0,
  totalBytes: 100e6,
  chunksDone: 0,
  totalChunks: 27,
  elapsedMs: 1000,
  bytesPerSecond: 0,
  etaMs: null,
  ...over,
});

test('one job reads as percentage, chunks, throughput and ETA', () => {
  assert.equal(
    progressMessage(job({ bytesIn: 45e6, chunksDone: 12, bytesPerSecond: 410e6, etaMs: 4000 })),
    '45% · 12/27 chunks · 410 MB/s · ETA 0:04',
  );
  assert.equal(progressMessage(job({})), '0% · 0/27 chunks');
  assert.equal(
    progressMessage(job({ totalBytes: null, totalChunks: null, chunksDone: 3, bytesPerSecond: 2e6 })),
    '3 chunks · 2.0 MB/s',
  );
  assert.equal(
    progressMessage(job({ stage: 'preparing', totalBytes: null, totalChunks: null })),
    'preparing · 0 chunks',
  );
});

test('several jobs add up for the status bar', () => {
  const a = job({ bytesIn: 50e6, totalBytes: 100e6, chunksDone: 10, totalChunks: 20, bytesPerSecond: 100e6 });
  const b = job({ bytesIn: 25e6, totalBytes: 300e6, chunksDone: 5, totalChunks: 60, bytesPerSecond: 100e6 });
  const sum = combineProgress([a, b]);
  assert.equal(sum.bytesIn, 75e6);
  assert.equal(sum.totalBytes, 400e6);
  assert.equal(sum.chunksDone, 15);
  assert.equal(sum.totalChunks, 80);
  assert.equal(sum.bytesPerSecond, 200e6);
  assert.equal(sum.etaMs, ((400e6 - 75e6) / 200e6) * 1000);
  assert.equal(progressMessage(sum), '18% · 15/80 chunks · 200 MB/s · ETA 0:02');
  assert.equal(combineProgress([a, job({ totalBytes: null })]).totalBytes, null, 'a stream makes the total unknown');
});
