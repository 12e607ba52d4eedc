/** The pure comparisons behind verify's index check: entries against frames, the manifest against the table. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compareChecksum,
  compareManifest,
  compareWithFrames,
  entryFieldOffset,
  low32,
} from '../../server/src/engine/inspection/indexCheck';
import type { ArchiveInfo, FrameRow } from '../../server/src/engine/inspection/inspect';
import type { Manifest } from '../../server/src/engine/format/manifest';

const row = (
  index: number,
  offset: number,
  compressedSize: number,
  contentSize: number,
  checksum?: number,
): FrameRow => ({
  index,
  role: 'data',
  offset,
  compressedSize,
  contentOffset: index * 100,
  contentSize,
  checksum,
});
const table = { tableOffset: 1000, tableSize: 8 + 3 * 12 + 9, hasChecksums: true };
const frames = [row(0, 0, 50, 100, 0xaa), row(1, 50, 60, 100, 0xbb), row(2, 110, 70, 100, 0xcc)];

test('entry fields are located in tables with and without checksums', () => {
  assert.equal(entryFieldOffset(table, 0, 'Compressed_Size'), 1008);
  assert.equal(entryFieldOffset(table, 2, 'Decompressed_Size'), 1008 + 24 + 4);
  assert.equal(entryFieldOffset(table, 1, 'Checksum'), 1008 + 12 + 8);
  assert.equal(entryFieldOffset({ ...table, hasChecksums: false }, 2, 'Decompressed_Size'), 1008 + 16 + 4);
  assert.equal(low32('0123456789abcdef'), 0x89abcdef);
});

test('entries that match their frames give no finding; each field that differs gives one', () => {
  assert.deepEqual(compareWithFrames(table, frames, frames), []);
  const listed = [row(0, 0, 51, 100, 0xaa), row(1, 51, 60, 99, 0xbb), row(2, 111, 70, 100, 0xcd)];
  const findings = compareWithFrames(table, listed, frames);
  assert.deepEqual(
    findings.map((f) => [f.entry, f.field, f.stored, f.actual, f.offset]),
    [
      [0, 'Compressed_Size', 51, 50, 1008],
      [1, 'Decompressed_Size', 99, 100, 1024],
      [2, 'Checksum', 0xcd, 0xcc, 1040],
    ],
  );
  assert.equal(
    findings[2].message,
    'seek table entry 2, Checksum (byte 1040): says 0x000000cd, but frame 2 at byte 110 carries 0x000000cc',
  );
});

test('a table with an entry too few or too many names Number_Of_Frames in the footer', () => {
  for (const listed of [frames.slice(0, 2), [...frames, row(3, 180, 1, 1)]]) {
    const [finding] = compareWithFrames(table, listed, frames);
    assert.equal(finding.field, 'Number_Of_Frames');
    assert.equal(finding.offset, table.tableOffset + table.tableSize - 9);
    assert.equal(finding.stored, listed.length);
    assert.equal(finding.actual, 3);
  }
});

test("a frame's content is compared with its entry's Checksum", () => {
  assert.equal(compareChecksum(table, frames[1], '00000000000000bb'), undefined);
  const finding = compareChecksum(table, frames[1], '00000000000000bc')!;
  assert.deepEqual([finding.entry, finding.field, finding.stored, finding.actual], [1, 'Checksum', 0xbb, 0xbc]);
});

test('the manifest against the table: chunk count, content size, each digest against its Checksum', () => {
  const manifest: Manifest = {
    format: 'chunkpress',
    version: 1,
    options: { level: 3, chunkSize: 100 },
    source: { name: 'x', kind: 'file', size: 300, mtime: null, mode: null },
    content: { size: 300, chunkCount: 3, digestAlgorithm: 'xxh64-tree', digest: '0'.repeat(16) },
    chunks: { digestAlgorithm: 'xxh64', digests: ['00000000000000aa', '00000000000000bb', '00000000000000cc'] },
  };
  const info = {
    frames: [...frames, { ...row(3, 180, 20, 0), role: 'manifest' as const }],
    manifest,
    seekTable: { ...table, compressedTotal: 180, decompressedTotal: 300 },
  } as unknown as ArchiveInfo;
  assert.deepEqual(compareManifest(info), []);
  const lying = {
    ...info,
    manifest: {
      ...manifest,
      content: { ...manifest.content, size: 301, chunkCount: 4 },
      chunks: { ...manifest.chunks, digests: ['00000000000000aa', '00000000000000bf', '00000000000000cc'] },
    },
  } as ArchiveInfo;
  assert.deepEqual(
    compareManifest(lying).map((f) => f.message),
    [
      'the manifest (byte 180), content.chunkCount: says 4 chunks, but the seek table lists 3 frames',
      "the manifest (byte 180), content.size: says 301 bytes, but the seek table's entries add up to 300",
      'the manifest (byte 180), chunks.digests[1]: XXH64 00000000000000bf ends in 0x000000bf, but seek table entry 1 says 0x000000bb',
    ],
  );
});
