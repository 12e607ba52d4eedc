/** `inspect`: our archives from their trailer alone, foreign .zst files by a header walk. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { inspectArchive } from '../../server/src/engine/inspection/inspect';
import { ChunkpressError } from '../../server/src/engine/errors';
import { parseSeekTable, writeSeekTable } from '../../server/src/engine/format/seekTable';
import { writeManifest } from '../../server/src/engine/format/manifest';
import { readArchive, repoRoot, sampleData, tempDir, inspectStrict } from '../helpers';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const dir = tempDir('chunkpress-inspect-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

test('a Chunkpress archive is described from its footer, seek table and manifest only', async () => {
  const input = file('many.bin', sampleData(4_000_000, 1));
  execFileSync(process.execPath, [cli, 'compress', '-q', '-c', '4K', input]);
  const archive = `${input}.zst`;
  const info = await inspectArchive(archive);
  assert.equal(info.layout, 'chunkpress');
  assert.equal(info.via, 'seek-table');
  assert.equal(info.dataFrames, 977);
  assert.equal(info.contentSize, 4_000_000);
  assert.equal(info.checksums, 'all');
  assert.equal(info.manifest?.source.name, 'many.bin');
  const trailer = info.fileSize - info.frames[977].offset; // manifest + seek table
  // The first block (is it gzip, or a plain tar?), the footer (9 B), the manifest's skippable
  // header (8 B), then the trailer itself.
  assert.equal(info.bytesRead, 512 + 9 + 8 + trailer, `read ${info.bytesRead} B, trailer is ${trailer} B`);
  assert.deepEqual(
    info.frames.slice(-2).map((f) => [f.role, f.variant]),
    [
      ['manifest', 0xd],
      ['seek-table', 0xe],
    ],
  );
  assert.equal(info.frames[976].contentOffset, 976 * 4096);
  assert.equal(info.frames[976].contentSize, 4_000_000 - 976 * 4096);
  // Offsets from the table agree with the frames on disk: each starts with the zstd magic.
  const bytes = fs.readFileSync(archive);
  for (const f of info.frames.slice(0, 977)) assert.equal(bytes.readUInt32LE(f.offset), 0xfd2fb528);
  // As the seekable format asks, every frame has an entry: the manifest's last, decoding to
  // nothing, so that the entries sum to where the table starts.
  const raw = parseSeekTable(bytes, bytes.length);
  assert.equal(raw.entries.length, 978);
  assert.equal(raw.compressedTotal, raw.tableOffset);
  assert.deepEqual(raw.entries[977], {
    compressedSize: info.frames[977].compressedSize,
    decompressedSize: 0,
    checksum: 0,
  });
});

test('an archive of the first version (the manifest not in the seek table) still reads', async () => {
  const input = file('v1.bin', sampleData(300_000, 3));
  execFileSync(process.execPath, [cli, 'compress', '-q', '-c', '64K', input]);
  const parts = readArchive(`${input}.zst`);
  const { members: _, ...rest } = parts.manifest;
  const v1 = Buffer.concat([
    parts.bytes.subarray(0, parts.table.compressedTotal),
    writeManifest({ ...rest, version: 1 }),
    writeSeekTable(parts.table.entries),
  ]);
  const old = file('v1.bin.zst', v1);
  const info = await inspectArchive(old);
  assert.deepEqual(
    [info.layout, info.dataFrames, info.manifest?.version, info.problem],
    ['chunkpress', 5, 1, undefined],
  );
  assert.equal(info.frames[5].offset, parts.table.compressedTotal);
  const verified = spawnSync(process.execPath, [cli, 'verify', old]);
  assert.equal(verified.status, 0, verified.stderr.toString());
  assert.deepEqual(execFileSync(process.execPath, [cli, 'decompress', '-o', '-', old]), fs.readFileSync(input));
});

test('foreign files are walked: single frame, pzstd, concatenated, empty', async () => {
  const plain = file('plain.txt', sampleData(2_000_000, 2));
  execFileSync('zstd', ['-q', '-f', plain]);
  const single = await inspectArchive(`${plain}.zst`);
  assert.deepEqual(
    [single.layout, single.via, single.dataFrames, single.contentSize, single.seekable],
    ['single-frame', 'header-walk', 1, 2_000_000, false],
  );

  execFileSync('pzstd', ['-q', '-f', '-p', '2', plain, '-o', path.join(dir, 'p.zst')]);
  const pz = await inspectArchive(path.join(dir, 'p.zst'));
  assert.equal(pz.layout, 'pzstd');
  assert.equal(pz.skippableFrames, pz.dataFrames);

  const cat = file('cat.zst', Buffer.concat([fs.readFileSync(`${plain}.zst`), fs.readFileSync(`${plain}.zst`)]));
  const both = await inspectArchive(cat);
  assert.deepEqual([both.layout, both.dataFrames, both.contentSize], ['multi-frame', 2, 4_000_000]);
  assert.deepEqual(
    both.frames.map((f) => f.contentOffset),
    [0, 2_000_000],
  );

  const noCheck = file('nocheck.zst', execFileSync('zstd', ['-c', '--no-check', plain]));
  assert.equal((await inspectArchive(noCheck)).checksums, 'none');

  const empty = await inspectArchive(file('empty.zst', Buffer.alloc(0)));
  assert.deepEqual([empty.layout, empty.dataFrames], ['empty', 0]);
});

test('not zstd, or a folder: an error naming the file and the offset', async () => {
  const text = file('notes.txt', Buffer.from('hello, this is not compressed\n'));
  await assert.rejects(inspectStrict(text), (err: ChunkpressError) => {
    assert.equal(err.code, 'EFORMAT');
    assert.equal(
      err.message,
      `"${text}" is not a valid zstd file: not a zstd frame: magic 0x6C6C6568 (at byte 0, frame 0)`,
    );
    return true;
  });
  await assert.rejects(inspectStrict(dir), (err: ChunkpressError) => err.code === 'EISDIR');
});

test('chunkpress inspect prints the model, --json the same as data', () => {
  const input = file('cli.txt', sampleData(300_000, 3));
  execFileSync(process.execPath, [cli, 'compress', '-q', '-c', '64K', input]);
  const text = execFileSync(process.execPath, [cli, 'inspect', `${input}.zst`], { encoding: 'utf8' });
  const lines = text.split('\n');
  assert.equal(lines[0], `${input}.zst: Chunkpress archive, seekable, checksums on every frame`);
  assert.match(lines[1], /^ {2}293 KiB \(300000 B\) in 5 frames -> .* ratio [\d.]+; 2 skippable$/);
  assert.match(text, /\n {6}0 data {21}0 +\d+ +0 +65536 +[\d.]+ [0-9a-f]{8}\n/);
  assert.match(text, /\n {6}5 manifest D +\d+ +\d+\n {6}6 seek-table E +\d+ +89\n$/);
  const json = JSON.parse(
    execFileSync(process.execPath, [cli, 'inspect', '--json', `${input}.zst`], { encoding: 'utf8' }),
  ) as { dataFrames: number; layout: string };
  assert.deepEqual([json.layout, json.dataFrames], ['chunkpress', 5]);
  const bad = spawnSync(process.execPath, [cli, 'inspect', path.join(dir, 'nope.zst')]);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.toString(), `chunkpress: "${path.join(dir, 'nope.zst')}" does not exist\n`);
});

test('damage keeps what precedes it: the frames before, and a problem naming frame and offset', async () => {
  const plain = file('damage.txt', sampleData(300_000, 9));
  const good = execFileSync('zstd', ['-c', '-q', plain]);
  const cut = file('cut.zst', Buffer.concat([good, good]).subarray(0, 2 * good.length - 10));
  const info = await inspectArchive(cut);
  assert.deepEqual(
    info.frames.map((f) => [f.role, f.offset, f.contentSize]),
    [['data', 0, 300_000]],
  );
  assert.equal(info.problem?.frame, 1);
  assert.ok(info.problem!.offset >= good.length && info.problem!.offset < 2 * good.length);
  assert.match(info.problem!.message, /^".*cut\.zst" is not a valid zstd file: .* \(at byte \d+, frame 1\)$/);

  // A broken seek table does not hide the frames: they are walked, and the table is the problem.
  const input = file('table.bin', sampleData(200_000, 4));
  execFileSync(process.execPath, [cli, 'compress', '-q', '-c', '64K', input]);
  const archive = fs.readFileSync(`${input}.zst`);
  const bad = Buffer.from(archive);
  const entries = bad.length - 9 - 5 * 12; // first of the 5 entries (4 frames and the manifest)
  bad.writeUInt32LE(0x7fffffff, entries); // its compressed size runs far past the table
  const walked = await inspectArchive(file('bad-table.zst', bad));
  assert.equal(walked.via, 'header-walk');
  assert.equal(walked.dataFrames, 4);
  assert.equal(walked.contentSize, 200_000);
  assert.match(walked.problem!.message, /seek table entry 0 runs the data frames to byte 2147483647/);
  assert.equal(walked.problem!.frame, 0);

  // A manifest whose Frame_Size does not fill the space before the seek table is refused by name.
  const info2 = await inspectArchive(`${input}.zst`);
  const manifestAt = info2.frames.find((f) => f.role === 'manifest')!.offset;
  const lying = Buffer.from(archive);
  lying.writeUInt32LE(lying.readUInt32LE(manifestAt + 4) - 1, manifestAt + 4);
  const refused = await inspectArchive(file('bad-manifest.zst', lying));
  assert.match(
    refused.problem!.message,
    new RegExp(
      `manifest frame claims \\d+ payload bytes but \\d+ lie before the seek table \\(at byte ${manifestAt + 4}\\)`,
    ),
  );
});

test('chunkpress inspect --frame N: header fields and every block; exit 1 past the last frame', () => {
  const input = file('one.txt', sampleData(400_000, 13));
  const archive = file('one.zst', execFileSync('zstd', ['-c', '-q', '-3', input]));
  const text = execFileSync(process.execPath, [cli, 'inspect', archive, '--frame', '0'], { encoding: 'utf8' });
  const lines = text.split('\n');
  assert.match(lines[0], new RegExp(`^${archive.replace(/[.]/g, '\\.')}: frame 0 at byte 0, \\d+ B$`));
  assert.match(
    lines[1],
    /^ {2}zstd frame header: \d+ B, descriptor 0x[0-9a-f]{2} \(content size flag \d, single segment 1, checksum 1/,
  );
  assert.match(
    lines[2],
    /^ {2}window 400000 B \(single segment\), dictionary none, content size 400000, checksum [0-9a-f]{8}$/,
  );
  const blocks = Number(/^ {2}(\d+) blocks$/.exec(lines[3])![1]);
  assert.equal(blocks, Math.ceil(400_000 / (128 << 10)));
  assert.equal(text.match(/^ +\d+ +\d+ (compressed|raw|rle) +\d+/gm)?.length, blocks);
  assert.match(text, /yes\n$/); // the last block says so

  const json = JSON.parse(
    execFileSync(process.execPath, [cli, 'inspect', archive, '--frame', '0', '--json'], { encoding: 'utf8' }),
  );
  assert.equal(json.kind, 'zstd');
  assert.equal(json.blocks.length, blocks);

  const past = spawnSync(process.execPath, [cli, 'inspect', archive, '--frame', '1'], { encoding: 'utf8' });
  assert.equal(past.status, 1);
  assert.equal(past.stderr, `chunkpress: "${archive}" has no frame 1 (frames 0..0)\n`);
});
