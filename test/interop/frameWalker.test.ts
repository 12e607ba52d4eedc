/** The header-only frame walker against files made by Debian's zstd and pzstd, and hand-made corrupt ones. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { parseFrameHeader } from '../../server/src/engine/format/frameHeader';
import {
  bufferedSource,
  walkBlocks,
  walkFrames,
  type ByteSource,
  type FrameInfo,
} from '../../server/src/engine/format/frameWalker';
import { FormatError } from '../../server/src/engine/format/formatError';
import { repoRoot, sampleData, tempDir } from '../helpers';

const dir = tempDir('chunkpress-walk-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function memorySource(bytes: Buffer): ByteSource & { reads: number } {
  const source = {
    reads: 0,
    size: bytes.length,
    read: async (offset: number, length: number) => {
      source.reads++;
      return bytes.subarray(offset, Math.min(bytes.length, offset + length));
    },
  };
  return source;
}

async function frames(bytes: Buffer): Promise<FrameInfo[]> {
  const all: FrameInfo[] = [];
  for await (const frame of walkFrames(memorySource(bytes))) all.push(frame);
  return all;
}

function zstd(args: string[], input?: Buffer): Buffer {
  return execFileSync('zstd', args, { input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'ignore'] });
}

/** What `zstd -lv` says about a file: window and decompressed sizes in bytes, frame counts. */
function zstdLv(file: string): Record<string, number | string> {
  const text = execFileSync('zstd', ['-lv', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const bytes = (label: string) => Number(new RegExp(`${label}: .*\\((\\d+) B\\)`).exec(text)?.[1]);
  return {
    frames: Number(/# Zstandard Frames: (\d+)/.exec(text)?.[1]),
    skippable: Number(/# Skippable Frames: (\d+)/.exec(text)?.[1]),
    window: bytes('Window Size'),
    decompressed: bytes('Decompressed Size'),
    check: /Check: (\S+)/.exec(text)?.[1] ?? '',
  };
}

const data = sampleData(3_000_000, 21);

test('one big frame from zstd -19: header fields as zstd -lv prints them, every block hopped', async () => {
  const plain = path.join(dir, 'single');
  fs.writeFileSync(plain, data); // from a file, so that zstd records the content size
  const file = `${plain}.zst`;
  zstd(['-q', '-19', '--single-thread', '-f', plain, '-o', file]);
  const [frame, ...rest] = await frames(fs.readFileSync(file));
  assert.equal(rest.length, 0);
  assert.equal(frame.kind, 'zstd');
  if (frame.kind !== 'zstd') return;
  const lv = zstdLv(file);
  assert.equal(frame.header.windowSize, lv.window);
  assert.equal(frame.header.contentSize, lv.decompressed);
  assert.equal(frame.header.hasChecksum, true);
  assert.equal(lv.check, 'XXH64');
  assert.equal(frame.compressedSize, fs.statSync(file).size);
  assert.ok(frame.blockCount >= Math.ceil(3_000_000 / (128 << 10)), `${frame.blockCount} blocks`);
});

test('--no-check and a stream without content size', async () => {
  const [noCheck] = await frames(zstd(['-3', '--no-check', '-c'], data));
  assert.ok(noCheck.kind === 'zstd' && !noCheck.header.hasChecksum && noCheck.checksum === undefined);
  const [noSize] = await frames(zstd(['-3', '--no-content-size', '-c'], data));
  assert.ok(noSize.kind === 'zstd' && noSize.header.contentSize === undefined);
});

test('an empty input is one frame with content size 0', async () => {
  const [frame, ...rest] = await frames(zstd(['-3', '-c'], Buffer.alloc(0)));
  assert.equal(rest.length, 0);
  assert.ok(frame.kind === 'zstd' && frame.header.contentSize === 0 && frame.blockCount === 1);
});

test('pzstd output: a 12-byte skippable size frame (variant 0) before each zstd frame', async () => {
  const file = path.join(dir, 'p.zst');
  fs.writeFileSync(path.join(dir, 'p'), sampleData(20 << 20, 3));
  execFileSync('pzstd', ['-q', '-3', '-p', '2', '-f', path.join(dir, 'p'), '-o', file]);
  const all = await frames(fs.readFileSync(file));
  const lv = zstdLv(file);
  assert.equal(all.filter((f) => f.kind === 'zstd').length, lv.frames);
  assert.equal(all.filter((f) => f.kind === 'skippable').length, lv.skippable);
  assert.ok(all.length >= 4);
  for (let i = 0; i < all.length; i += 2) {
    const size = all[i];
    assert.ok(size.kind === 'skippable' && size.skippable.variant === 0 && size.compressedSize === 12);
    assert.equal(all[i + 1].kind, 'zstd');
  }
});

test('concatenated files and our own archives: frames, manifest (0xD) and seek table (0xE)', async () => {
  const both = Buffer.concat([zstd(['-1', '-c'], data), zstd(['-9', '-c'], data)]);
  assert.deepEqual(
    (await frames(both)).map((f) => f.kind),
    ['zstd', 'zstd'],
  );
  const input = path.join(dir, 'ours.txt');
  fs.writeFileSync(input, data);
  execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'compress', '-q', '-c', '1M', input]);
  const ours = await frames(fs.readFileSync(`${input}.zst`));
  assert.equal(ours.length, 5);
  assert.deepEqual(
    ours.slice(0, 3).map((f) => f.kind === 'zstd' && f.header.contentSize),
    [1 << 20, 1 << 20, 3_000_000 - (2 << 20)],
  );
  assert.deepEqual(
    ours.slice(3).map((f) => f.kind === 'skippable' && f.skippable.variant),
    [0xd, 0xe],
  );
});

test('window descriptor, dictionary id and the +256 content size, from hand-made headers', () => {
  // Descriptor 0x42: FCS flag 1 (2 bytes, +256), no single segment, DID flag 2 (2 bytes).
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x42, (5 << 3) | 3, 0x34, 0x12, 0x10, 0x00]);
  const parsed = parseFrameHeader(header, 0);
  assert.equal(parsed.windowSize, 2 ** 15 + 3 * 2 ** 12);
  assert.equal(parsed.dictionaryId, 0x1234);
  assert.equal(parsed.contentSize, 16 + 256);
  assert.equal(parsed.headerSize, 10);
  // Single segment, FCS flag 0: one content-size byte, which is also the window.
  const single = parseFrameHeader(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 200]), 0);
  assert.equal(single.windowSize, 200);
  assert.equal(single.windowDescriptor, undefined);
});

test('corrupt input: errors name the frame and the byte offset', async () => {
  const good = zstd(['-3', '-c'], data);
  const twice = Buffer.concat([good, good]);
  const expectError = async (bytes: Buffer, pattern: RegExp, offset: number, frame: number) => {
    await assert.rejects(frames(bytes), (err: FormatError) => {
      assert.ok(err instanceof FormatError, String(err));
      assert.match(err.message, pattern);
      assert.equal(err.offset, offset);
      assert.equal(err.frame, frame);
      return true;
    });
  };
  const badMagic = Buffer.from(twice);
  badMagic.writeUInt32LE(0xdeadbeef, good.length);
  await expectError(badMagic, /not a zstd frame: magic 0xDEADBEEF/, good.length, 1);
  const reserved = Buffer.from(good);
  reserved[4] |= 0x08;
  await expectError(reserved, /reserved bit/, 4, 0);
  await expectError(good.subarray(0, 5), /truncated frame header/, 0, 0);
  await expectError(twice.subarray(0, good.length + 5), /truncated frame header: 5 of at least 6/, good.length, 1);
  const header = parseFrameHeader(good, 0);
  await expectError(good.subarray(0, header.headerSize + 1), /truncated block header/, header.headerSize, 0);
  await expectError(good.subarray(0, good.length - 2), /truncated content checksum/, good.length - 4, 0);
  const blockOffsets: number[] = [];
  await walkBlocks(
    memorySource(good),
    parseFrameHeader(good, 0).headerSize,
    0,
    (b) => void blockOffsets.push(b.offset),
  );
  const last = blockOffsets.at(-1)!;
  await expectError(
    good.subarray(0, good.length - 40),
    new RegExp(`block ${blockOffsets.length - 1} needs \\d+ bytes but the file ends`),
    last,
    0,
  );
  const reservedBlock = Buffer.from(good);
  reservedBlock[header.headerSize] |= 0x06; // block type 3
  await expectError(reservedBlock, /block type 3 is reserved/, header.headerSize, 0);
  const hugeWindow = Buffer.from(good);
  hugeWindow[5] = 0xf8; // exponent 31: 2^41
  await expectError(hugeWindow, /window of 2\^41 bytes exceeds/, 5, 0);
});

test('hopping blocks reads one page per 64 KiB, not one read per block header', async () => {
  const big = zstd(['-1', '--single-thread', '-c'], sampleData(16 << 20, 8));
  const raw = memorySource(big);
  const source = bufferedSource(big.length, (o, l) => raw.read(o, l));
  const header = parseFrameHeader(await source.read(0, 18), 0);
  const { blockCount, end } = await walkBlocks(source, header.headerSize, 0);
  assert.ok(blockCount >= 128);
  assert.equal(end + 4, big.length);
  assert.ok(
    raw.reads <= Math.ceil(big.length / (64 << 10)) + blockCount / 8,
    `${raw.reads} reads for ${blockCount} blocks`,
  );
});

test('with room to grow, pages grow while block headers are close together, and stay small where reads jump far', async () => {
  const big = zstd(['-1', '--single-thread', '-c'], sampleData(16 << 20, 8));
  const raw = memorySource(big);
  let bytesRead = 0;
  const source = bufferedSource(
    big.length,
    async (o, l) => {
      const bytes = await raw.read(o, l);
      bytesRead += bytes.length;
      return bytes;
    },
    4 << 10,
    1 << 20,
  );
  const header = parseFrameHeader(await source.read(0, 18), 0);
  const { blockCount, end } = await walkBlocks(source, header.headerSize, 0);
  assert.equal(end + 4, big.length);
  // A read per header at first (4 KiB, 8 KiB, ... as the page doubles), then 1 MiB pages.
  assert.ok(blockCount >= 128 && raw.reads <= 9 + Math.ceil(big.length / (1 << 20)), `${raw.reads} reads`);
  assert.ok(bytesRead <= big.length + (1 << 20));

  // Far apart (frame to frame through a seek table, a panel opening one frame): 4 KiB each.
  raw.reads = 0;
  bytesRead = 0;
  for (let offset = 0; offset + (4 << 10) <= big.length; offset += 256 << 10) await source.read(offset, 18);
  assert.equal(bytesRead, raw.reads * (4 << 10));

  // Without room to grow (inspecting: headers only), every page stays 4 KiB.
  const headersOnly = memorySource(big);
  const small = bufferedSource(big.length, (o, l) => headersOnly.read(o, l), 4 << 10);
  await walkBlocks(small, header.headerSize, 0);
  assert.ok(headersOnly.reads >= blockCount / 2, `${headersOnly.reads} reads of 4 KiB for ${blockCount} blocks`);
});
