/** gzip, pigz, multi-member and BGZF files made by the real tools, read member by member. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { ChunkpressError } from '../../server/src/engine/errors';
import { parseGzipHeader } from '../../server/src/engine/format/gzipHeader';
import { inspectArchive } from '../../server/src/engine/inspection/inspect';
import { sampleData, tempDir, inspectStrict } from '../helpers';

const dir = tempDir('chunkpress-gzip-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const plain = path.join(dir, 'data.txt');
const data = sampleData(1_500_000, 31);
fs.writeFileSync(plain, data);
fs.utimesSync(plain, new Date('2026-03-04T05:06:07Z'), new Date('2026-03-04T05:06:07Z'));

/** gzip -lv's view of a single-member file: CRC and sizes. */
function gzipLv(file: string): { crc: number; compressed: number; uncompressed: number } {
  const line = execFileSync('gzip', ['-lv', file], { encoding: 'utf8' }).trim().split('\n')[1].trim().split(/\s+/);
  return { crc: parseInt(line[1], 16), compressed: Number(line[5]), uncompressed: Number(line[6]) };
}

test('gzip: header fields (name, mtime, OS) and the member as gzip -lv sees it', async () => {
  execFileSync('gzip', ['-k', '-9', '-f', plain]);
  const file = `${plain}.gz`;
  const info = await inspectArchive(file);
  const lv = gzipLv(file);
  assert.equal(info.layout, 'gzip');
  assert.equal(info.dataFrames, 1);
  const [member] = info.frames;
  assert.equal(member.checksum, lv.crc);
  assert.equal(member.contentSize, lv.uncompressed);
  assert.equal(member.compressedSize, lv.compressed);
  assert.equal(member.gzip?.name, 'data.txt');
  assert.equal(member.gzip?.mtime, Date.parse('2026-03-04T05:06:07Z') / 1000);
  assert.equal(member.gzip?.os, 3);
  assert.equal(member.gzip?.xfl, 2); // -9: maximum compression
});

test('multi-member (cat a.gz b.gz) and pigz: member boundaries found by inflating', async () => {
  const one = fs.readFileSync(`${plain}.gz`);
  const cat = path.join(dir, 'cat.gz');
  fs.writeFileSync(cat, Buffer.concat([one, execFileSync('gzip', ['-1', '-c', plain])]));
  const info = await inspectArchive(cat);
  assert.equal(info.dataFrames, 2);
  assert.equal(info.frames[1].offset, one.length);
  assert.equal(info.contentSize, 2 * data.length);
  assert.equal(info.frames[1].contentOffset, data.length);
  const pigz = path.join(dir, 'data.pigz.gz');
  fs.writeFileSync(pigz, execFileSync('pigz', ['-c', '-p', '2', plain]));
  const p = await inspectArchive(pigz);
  assert.deepEqual([p.layout, p.contentSize, p.frames[0].checksum], ['gzip', data.length, gzipLv(pigz).crc]);
});

test('BGZF (bgzip): blocks listed from BSIZE without inflating', async (t) => {
  if (spawnSync('bgzip', ['--version']).status !== 0) {
    t.skip('bgzip (Debian package tabix) is not installed');
    return;
  }
  const file = path.join(dir, 'data.bgz');
  fs.writeFileSync(file, execFileSync('bgzip', ['-c', plain]));
  const info = await inspectArchive(file);
  assert.equal(info.layout, 'bgzf');
  assert.equal(info.contentSize, data.length);
  assert.ok(info.frames.every((f) => f.gzip?.bgzfBlockSize === f.compressedSize));
  assert.equal(info.frames.at(-1)?.contentSize, 0, 'the BGZF end-of-file block');
  // Only headers and trailers were read: far less than the file.
  assert.ok(info.bytesRead < fs.statSync(file).size / 4, `${info.bytesRead} of ${fs.statSync(file).size}`);
});

test('corrupt gzip: reserved flags, truncated member, garbage after a member', async () => {
  const good = fs.readFileSync(`${plain}.gz`);
  assert.throws(
    () => parseGzipHeader(Buffer.from([0x1f, 0x8b, 8, 0x20, 0, 0, 0, 0, 0, 3]), 100, 0),
    /reserved flag bits 0x20 are set \(at byte 103, frame 0\)/,
  );
  assert.throws(
    () => parseGzipHeader(Buffer.from([0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 3]), 0),
    /compression method 7 is not deflate/,
  );
  const truncated = path.join(dir, 'truncated.gz');
  fs.writeFileSync(truncated, good.subarray(0, good.length - 100));
  await assert.rejects(
    inspectStrict(truncated),
    (err: ChunkpressError) =>
      err.code === 'EFORMAT' &&
      /^".*truncated\.gz" is not a valid gzip file: member 0 is truncated: its deflate stream does not end \(at byte 19, frame 0\)$/.test(
        err.message,
      ),
  );
  const garbage = path.join(dir, 'garbage.gz');
  fs.writeFileSync(garbage, Buffer.concat([good, Buffer.from('trailing junk')]));
  await assert.rejects(
    inspectStrict(garbage),
    new RegExp(`expected a gzip member \\(1f 8b\\) after member 0 \\(at byte ${good.length}, frame 1\\)`),
  );
});
