/**
 * Verify checks a seekable archive's index against its frames: each seek table field damaged in
 * turn, a table with one entry too few or too many, a manifest that disagrees with the table. The
 * CLI names each disagreement (entry, field, stored and actual values, byte offset), exits 1, and
 * says whether the data frames themselves are intact; `zstd -t` still passes such a file (its
 * frames are fine), and `inspect` describes it with a warning.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { writeSeekTable, type SeekEntry } from '../../server/src/engine/format/seekTable';
import { decode } from '../../server/src/engine/decoding/decompress';
import { readArchive, repoRoot, sampleData, tempDir, testPool } from '../helpers';

const dir = tempDir('chunkpress-verify-index-');
const pool = testPool(2);
after(async () => {
  await pool.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const cli = path.join(repoRoot, 'dist', 'cli.js');
const CHUNK = 64 << 10;
const FRAMES = 10;

const original = ((): string => {
  const input = path.join(dir, 'data.bin');
  fs.writeFileSync(input, sampleData(FRAMES * CHUNK - 1000, 5));
  execFileSync(process.execPath, [cli, 'compress', '-q', '-c', '64K', input]);
  return `${input}.zst`;
})();
const parts = readArchive(original);
const { tableOffset } = parts.table;
/** Byte offset of field `at` (0 sizes, 4 decompressed, 8 checksum) of entry `i`. */
const fieldAt = (i: number, at: number): number => tableOffset + 8 + i * 12 + at;

function damaged(name: string, change: (bytes: Buffer) => Buffer): string {
  const out = path.join(dir, `${name}.zst`);
  fs.writeFileSync(out, change(Buffer.from(parts.bytes)));
  return out;
}

/** The archive with its seek table replaced by one for `entries`. */
const withEntries = (entries: SeekEntry[]) => (bytes: Buffer) =>
  Buffer.concat([bytes.subarray(0, tableOffset), writeSeekTable(entries)]);

function verify(file: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [cli, 'verify', file], { encoding: 'utf8' });
}

const INTACT = /The data frames themselves are intact: 10 frames in parallel on 2 threads, each matching its checksum/;

test('an intact archive: verify says what it checked, the index included', () => {
  const r = verify(original);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /^.*data\.bin\.zst: OK\. 639 KiB checked: 10 frames in parallel on 2 threads, each matching its checksum and the manifest's digest; the seek table matches every frame, in /m,
  );
});

test('each field of a seek table entry damaged in turn is named, with stored and actual values and its byte offset', () => {
  const e0 = parts.table.entries[0];
  const e3 = parts.table.entries[3];
  const cases: Array<{ name: string; at: number; value: number; expect: string }> = [
    {
      name: 'compressed',
      at: fieldAt(0, 0),
      value: e0.compressedSize + 1,
      expect: `seek table entry 0, Compressed_Size (byte ${fieldAt(0, 0)}): says ${e0.compressedSize + 1}, but frame 0 at byte 0 is ${e0.compressedSize}`,
    },
    {
      name: 'decompressed',
      at: fieldAt(0, 4),
      value: 0xffffffff,
      expect: `seek table entry 0, Decompressed_Size (byte ${fieldAt(0, 4)}): says 4294967295, but frame 0 at byte 0 declares ${CHUNK}`,
    },
    {
      name: 'checksum',
      at: fieldAt(3, 8),
      value: (e3.checksum! ^ 0xff) >>> 0,
      expect: `seek table entry 3, Checksum (byte ${fieldAt(3, 8)}): says 0x${((e3.checksum! ^ 0xff) >>> 0).toString(16).padStart(8, '0')}, but frame 3 decodes to content whose XXH64 ends in 0x${e3.checksum!.toString(16).padStart(8, '0')}`,
    },
  ];
  for (const c of cases) {
    const file = damaged(c.name, (bytes) => {
      bytes.writeUInt32LE(c.value, c.at);
      return bytes;
    });
    const r = verify(file);
    assert.equal(r.status, 1, `${c.name}: ${r.stderr}`);
    assert.ok(r.stderr.includes(`chunkpress: ${file}: ${c.expect}\n`), `${c.name}: ${r.stderr}`);
    assert.match(r.stderr, /the index disagrees with the frames in \d+ places?\. /, c.name);
    assert.match(r.stderr, INTACT, c.name);
    // Every zstd reader still decodes it: the frames are fine, only the index lies.
    assert.equal(spawnSync('zstd', ['-t', '-q', file]).status, 0, c.name);
  }
});

test('a table with one entry too few or one too many', () => {
  const entries = parts.table.entries;
  const fewer = damaged('fewer', withEntries(entries.slice(0, -1)));
  let r = verify(fewer);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /seek table, Number_Of_Frames \(byte \d+\): says 9 frames, but the file holds 10 data frames before it\n/,
  );
  assert.match(r.stderr, INTACT);

  const more = damaged('more', withEntries([...entries, { compressedSize: 0, decompressedSize: 0, checksum: 0 }]));
  r = verify(more);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /says 11 frames, but the file holds 10 data frames before it\n/);
  assert.match(
    r.stderr,
    /the manifest \(byte \d+\), content\.chunkCount: says 10 chunks, but the seek table lists 11 frames\n/,
  );
  assert.match(r.stderr, INTACT);

  // More entries than the file has room for: the table cannot be an index, but each entry is
  // still compared with the frames found.
  const past = damaged(
    'past',
    withEntries([...entries, { compressedSize: 1 << 20, decompressedSize: 1, checksum: 0 }]),
  );
  r = verify(past);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /says 11 frames, but the file holds 10 data frames before it\n/);
  assert.doesNotMatch(r.stderr, /runs the data frames/);
  assert.match(r.stderr, /The data frames themselves are intact: 10 frames/);
});

test('a manifest that disagrees with the table, and inspect warns without failing', async () => {
  const digests = parts.manifest.chunks.digests;
  const file = damaged('manifest', (bytes) => {
    // Same length, so the frames and the table stay where they are.
    const at = bytes.indexOf(Buffer.from(digests[2]), parts.table.compressedTotal);
    bytes.write('0000000000000000', at);
    return bytes;
  });
  const r = verify(file);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    new RegExp(
      `the manifest \\(byte ${parts.table.compressedTotal}\\), chunks\\.digests\\[2\\]: XXH64 0000000000000000 ends in 0x00000000, but seek table entry 2 says 0x${digests[2].slice(8)}\\n`,
    ),
  );
  // The frame itself passes its checksum but is not what the manifest recorded: that is a failure.
  assert.match(
    r.stderr,
    /frame 2 \(bytes \d+\.\.\d+, content 131072\.\.196607\) decodes, but its XXH64 \w+ is not the manifest's 0{16}/,
  );

  const inspect = spawnSync(process.execPath, [cli, 'inspect', file], { encoding: 'utf8' });
  assert.equal(inspect.status, 0, inspect.stderr);
  assert.match(inspect.stdout, /^ {2}warning: the manifest \(byte \d+\), chunks\.digests\[2\]: /m);

  // The same findings reach the helper's callers (the panel) as structured records.
  const result = await decode({ input: file, output: { kind: 'none' }, verify: true, pool });
  assert.equal(result.indexChecked, true);
  assert.deepEqual(
    result.indexFindings.map((f) => [f.field, f.entry, f.offset]),
    [['manifest', undefined, parts.table.compressedTotal]],
  );
});

test('a lying Decompressed_Size does not make verify stream, allocate it, or count skippable frames as frames', async () => {
  const file = damaged('huge', (bytes) => {
    bytes.writeUInt32LE(0xffffffff, fieldAt(0, 4));
    return bytes;
  });
  const inspect = spawnSync(process.execPath, [cli, 'inspect', file], { encoding: 'utf8' });
  assert.equal(inspect.status, 0);
  assert.match(
    inspect.stdout,
    /warning: seek table entry 0 says frame 0 holds 4294967295 bytes, more than a seekable frame may/,
  );
  const result = await decode({ input: file, output: { kind: 'none' }, verify: true, pool });
  assert.equal(result.mode, 'parallel');
  assert.equal(result.frames, FRAMES);
  assert.equal(result.framesDecoded, FRAMES);
  assert.equal(result.failures.length, 0);
  assert.deepEqual(
    result.indexFindings.map((f) => [f.field, f.entry, f.stored, f.actual, f.offset]),
    [
      [
        'manifest',
        undefined,
        FRAMES * CHUNK - 1000,
        0xffffffff + FRAMES * CHUNK - 1000 - CHUNK,
        parts.table.compressedTotal,
      ],
      ['Decompressed_Size', 0, 0xffffffff, CHUNK, fieldAt(0, 4)],
    ],
  );
});
