import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MANIFEST_PREAMBLE_SIZE,
  parseManifest,
  writeManifest,
  type Manifest,
} from '../../server/src/engine/format/manifest';

const manifest: Manifest = {
  format: 'chunkpress',
  version: 1,
  options: { level: 3, chunkSize: 4194304 },
  source: { name: 'big.log', kind: 'file', size: 5000000, mtime: '2026-01-02T03:04:05.000Z', mode: 0o644 },
  content: { size: 5000000, chunkCount: 2, digestAlgorithm: 'xxh64-tree', digest: '0123456789abcdef' },
  chunks: { digestAlgorithm: 'xxh64', digests: ['00000000000000aa', 'bb00000000000000'] },
};

test('the manifest is a skippable frame 0x184D2A5D holding "CPKM", version, flags and JSON', () => {
  const frame = writeManifest(manifest);
  assert.equal(frame.readUInt32LE(0), 0x184d2a5d);
  assert.equal(frame.readUInt32LE(4), frame.length - 8);
  assert.equal(frame.toString('latin1', 8, 12), 'CPKM');
  assert.equal(frame[12], 1);
  assert.equal(frame[13], 0);
  assert.deepEqual(JSON.parse(frame.toString('utf8', 8 + MANIFEST_PREAMBLE_SIZE)), manifest);
  assert.deepEqual(parseManifest(frame), manifest);
});

test('broken manifests are refused with the offset of the problem', () => {
  const at = 1000;
  const frame = writeManifest(manifest);
  const withTag = Buffer.from(frame);
  withTag.write('XXXX', 8, 'latin1');
  assert.throws(() => parseManifest(withTag, at), /does not start with "CPKM" \(at byte 1008\)/);
  const withVersion = Buffer.from(frame);
  withVersion[12] = 9;
  assert.throws(() => parseManifest(withVersion, at), /unsupported manifest version 9 \(at byte 1012\)/);
  const withFlags = Buffer.from(frame);
  withFlags[13] = 1;
  assert.throws(() => parseManifest(withFlags, at), /unsupported manifest flags 0x1/);
  assert.throws(() => parseManifest(frame.subarray(0, frame.length - 5), at), /truncated/);
  assert.throws(
    () => parseManifest(Buffer.concat([frame, Buffer.alloc(3)]), at),
    /3 unexplained bytes .*\(at byte 1004\)/,
  );
  const json = Buffer.from(frame);
  json[8 + MANIFEST_PREAMBLE_SIZE] = 0x7b + 1;
  assert.throws(() => parseManifest(json, at), /not valid JSON .*at byte 1016/);
});

test('a manifest whose digest list disagrees with its chunk count is refused', () => {
  const bad = { ...manifest, content: { ...manifest.content, chunkCount: 3 } };
  assert.throws(() => parseManifest(writeManifest(bad)), /lists 2 chunk digests for 3 chunks/);
});
