import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { decompressFrame } from '../../server/src/engine/codec/codec';
import { ArchiveWriter } from '../../server/src/engine/compression/archiveWriter';
import { runPipeline, type FrameWork } from '../../server/src/engine/compression/framePipeline';
import { ProgressMeter } from '../../server/src/engine/progress';
import { sampleData, testPool } from '../helpers';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const pool = testPool(2);
after(() => pool.close());

const FRAME = 64 << 10;
const FRAMES = 48;

test('a frame replaces its chunk in the slot, and its work is let go once written while the job goes on', async () => {
  // Text, and every fourth frame random bytes: a frame then takes more room than its chunk.
  const data = sampleData(FRAME * FRAMES, 5);
  for (let i = 0; i < FRAMES; i += 4) randomFillSync(data, i * FRAME, FRAME);
  const written: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(Buffer.from(chunk));
      done();
    },
  });
  const writer = ArchiveWriter.toStream(sink, 'test');
  let first: WeakRef<FrameWork> | undefined;
  let firstAlive: boolean | undefined;
  await runPipeline(
    {
      pool,
      writer,
      level: 1,
      plan: { threads: 2, window: 4, perWorkerBytes: 0, reason: '' },
      meter: new ProgressMeter(undefined, undefined),
      listener: undefined,
      signal: undefined,
      abortFlag: new SharedArrayBuffer(4),
      group: { lanes: 2 },
    },
    {
      frameCapacity: FRAME,
      async next(index, input) {
        if (index >= FRAMES) return undefined;
        // Far past the window: nothing of the first frame's may still be held.
        if (index === FRAMES - 8) {
          gc();
          firstAlive = first!.deref() !== undefined;
        }
        await new Promise((resolve) => setImmediate(resolve));
        input.set(data.subarray(index * FRAME, (index + 1) * FRAME));
        const work: FrameWork = { size: FRAME, offset: index * FRAME };
        if (index === 0) first = new WeakRef(work);
        return work;
      },
      failure: (index, outcome) => new Error(`frame ${index}: ${outcome.message}`),
    },
  );
  assert.equal(firstAlive, false, "the first frame's work is still held");
  // The frames, as the writer has them: one after another from the stream's start.
  const archive = Buffer.concat(written);
  assert.equal(writer.entries.length, FRAMES);
  let at = 0;
  writer.entries.forEach((entry, i) => {
    const frame = archive.subarray(at, at + entry.compressedSize);
    assert.ok(decompressFrame(frame, FRAME).equals(data.subarray(i * FRAME, (i + 1) * FRAME)), `frame ${i}`);
    at += entry.compressedSize;
  });
});
