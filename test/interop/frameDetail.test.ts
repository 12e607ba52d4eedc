/** One frame's header and paged blocks, and measuring a frame without content size, against Debian's zstd and pzstd. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { ChunkpressError } from '../../server/src/engine/errors';
import { describeFrame, type FrameDetail } from '../../server/src/engine/inspection/frameDetail';
import { inspectArchive } from '../../server/src/engine/inspection/inspect';
import { measureFrame } from '../../server/src/engine/decoding/measure';
import { sampleData, tempDir } from '../helpers';

const dir = tempDir('chunkpress-detail-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

const zstd = (args: string[], input?: Buffer): Buffer =>
  execFileSync('zstd', args, { input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'ignore'] });

/** "Window Size: 2.00 MiB (2097152 B)" and "Check: XXH64 a18e5d20" from `zstd -lv`. */
function zstdList(p: string): { window: number; check: string | undefined } {
  const text = execFileSync('zstd', ['-lv', p], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return {
    window: Number(/Window Size: .*\((\d+) B\)/.exec(text)![1]),
    check: /Check: XXH64 ([0-9a-f]+)/.exec(text)?.[1],
  };
}

const data = sampleData(3_000_000, 11);

function zstdFrame(detail: FrameDetail): Extract<FrameDetail, { kind: 'zstd' }> {
  assert.equal(detail.kind, 'zstd');
  return detail as Extract<FrameDetail, { kind: 'zstd' }>;
}

test('frame header fields agree with zstd -lv; blocks come in pages', async () => {
  const streamed = file('streamed.zst', zstd(['-c', '-q', '-'], data)); // from a pipe: no content size
  const listed = zstdList(streamed);
  const frame = zstdFrame(await describeFrame(streamed, { index: 0, offset: 0, blockStart: 0, blockCount: 1000 }));
  assert.equal(frame.header.windowSize, listed.window);
  assert.equal(frame.header.singleSegment, false);
  assert.equal(frame.header.contentSize, undefined);
  assert.equal(frame.header.hasChecksum, true);
  assert.equal(frame.checksum!.toString(16).padStart(8, '0'), listed.check);
  assert.equal(frame.blocks.length, frame.blockCount);
  assert.ok(frame.blockCount >= Math.ceil(data.length / (128 << 10)), `${frame.blockCount} blocks`);
  // Each block header is where the previous block ended, and only the last has the flag.
  for (let i = 1; i < frame.blocks.length; i++) {
    const prev = frame.blocks[i - 1];
    assert.equal(frame.blocks[i].offset, prev.offset + 3 + (prev.type === 'rle' ? 1 : prev.size));
    assert.equal(prev.last, false);
  }
  assert.equal(frame.blocks.at(-1)!.last, true);
  assert.equal(frame.blocks[0].offset, frame.header.headerSize);

  const page = zstdFrame(await describeFrame(streamed, { index: 0, offset: 0, blockStart: 5, blockCount: 3 }));
  assert.deepEqual(page.blocks, frame.blocks.slice(5, 8));
  assert.equal(page.blockCount, frame.blockCount);
  assert.equal(page.blockStart, 5);

  const plain = file('single.bin', data);
  const single = file('single.zst', zstd(['-c', '-q', '-19', plain])); // from a file: content size, one segment
  const one = zstdFrame(await describeFrame(single, { index: 0, offset: 0 }));
  assert.equal(one.header.singleSegment, true);
  assert.equal(one.header.contentSize, data.length);
  assert.equal(one.header.windowSize, zstdList(single).window);
  assert.equal(one.header.windowDescriptor, undefined);
});

test("pzstd's size frames say how long the next frame is", async () => {
  const input = file('p.bin', data);
  execFileSync('pzstd', ['-q', '-p', '2', '-f', input, '-o', `${input}.zst`]);
  const info = await inspectArchive(`${input}.zst`);
  const sizeFrame = info.frames[0];
  assert.equal(sizeFrame.role, 'pzstd-size');
  const detail = await describeFrame(`${input}.zst`, sizeFrame);
  assert.equal(detail.kind, 'skippable');
  assert.equal(detail.kind === 'skippable' && detail.magic, 0x184d2a50);
  assert.equal(detail.kind === 'skippable' && detail.pzstdNextFrameSize, info.frames[1].compressedSize);
});

test('a frame without content size is measured by decoding it, with progress and cancel', async () => {
  const streamed = file('measure.zst', zstd(['-c', '-q', '-'], data));
  const info = await inspectArchive(streamed);
  assert.equal(info.frames[0].contentSize, undefined);
  const seen: number[] = [];
  const size = await measureFrame(streamed, info.frames[0], { onProgress: (done) => seen.push(done) });
  assert.equal(size, data.length);
  assert.equal(seen.at(-1), info.frames[0].compressedSize);

  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    measureFrame(streamed, info.frames[0], { signal: controller.signal }),
    (err: ChunkpressError) => err.code === 'ECANCELED',
  );
  // A frame cut short names itself and where it stopped.
  const cut = file('measure-cut.zst', fs.readFileSync(streamed).subarray(0, 100_000));
  await assert.rejects(
    measureFrame(cut, { index: 0, offset: 0, compressedSize: 100_000 }),
    /frame 0 at byte 0 is truncated: its last block is missing/,
  );
});

test('damage inside a frame: the blocks before it, and a problem with the offset', async () => {
  const bytes = zstd(['-c', '-q', '-1'], data);
  const good = zstdFrame(await describeFrame(file('whole.zst', bytes), { index: 0, offset: 0, blockCount: 1000 }));
  const third = good.blocks[3];
  const broken = Buffer.from(bytes);
  broken[third.offset] |= 0x06; // block type 3: reserved
  const detail = zstdFrame(await describeFrame(file('broken.zst', broken), { index: 0, offset: 0 }));
  assert.equal(detail.blocks.length, 3);
  assert.equal(detail.blockCount, 3);
  assert.match(detail.problem!.message, new RegExp(`block type 3 is reserved \\(at byte ${third.offset}, frame 0\\)`));
  await assert.rejects(describeFrame(file('nomagic.zst', Buffer.from('not a frame at all')), { index: 0, offset: 0 }), {
    code: 'EFORMAT',
    message: /not a zstd frame: magic 0x20746F6E \(at byte 0, frame 0\)/,
  });
});
