import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MANIFEST_PREAMBLE_SIZE,
  parseManifest,
  writeManifest,
  type Manifest,
  type ManifestMember,
} from '../../server/src/engine/format/manifest';
import { MemberIndex } from '../../server/src/engine/format/memberIndex';
import { compressManifestBody, decompressManifestBody } from '../../server/src/engine/codec/codec';

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

const member = (i: number, over: Partial<ManifestMember> = {}): ManifestMember => ({
  path: `tree/f${i}`,
  type: 'file',
  mode: 0o644,
  size: 10,
  mtime: 1_700_000_000 + i,
  mtimeNs: 123_456_789,
  uid: 1000,
  gid: 1000,
  uname: 'dev',
  gname: 'staff',
  link: null,
  headerOffset: 1024 * i,
  dataOffset: 1024 * i + 512,
  frame: i < 2 ? 0 : 1,
  sha256: 'ab'.repeat(32),
  ...over,
});

const tree = (members: ManifestMember[]): Manifest => ({
  ...manifest,
  version: 2,
  source: { name: 'tree', kind: 'tree', size: 5000000, mtime: null, mode: null },
  // Bounds that let a test write what a reader must refuse.
  members: MemberIndex.of(members, { contentSize: Infinity, frames: Infinity }),
});

test('version 2: members in zstd-compressed columns, read one column at a time', () => {
  const members = [
    member(0, { path: 'tree', type: 'directory', size: 0, mode: 0o755, sha256: null }),
    member(1, { path: 'tree/naïve café.txt' }),
    member(2, { path: 'tree/link', type: 'symlink', size: 0, link: 'naïve café.txt', sha256: null }),
    member(3, { path: 'tree/old', mtime: -86_400 }),
  ];
  const frame = writeManifest(tree(members), compressManifestBody);
  assert.equal(frame[12], 2, 'version');
  assert.equal(frame[13], 1, 'compressed');
  const read: string[] = [];
  const parsed = parseManifest(frame, 0, (f) => {
    read.push(decompressManifestBody(f).toString('utf8').slice(0, 12));
    return decompressManifestBody(f);
  });
  assert.equal(read.length, 1, 'only the head is decoded up front');
  assert.equal(parsed.members!.count, 4);
  assert.equal(parsed.members!.find('tree/link/'), 2);
  assert.equal(read.length, 2, 'finding a path decodes the path column alone');
  assert.deepEqual(parsed.members!.all(), members);
  const { members: _, ...rest } = parsed;
  const { members: __, ...expected } = tree(members);
  assert.deepEqual(rest, expected);
  assert.throws(() => writeManifest(tree(members)), /needs deflate/);
});

test('a hostile member table is refused by column and member, with the offset', () => {
  const bounds = (members: ManifestMember[]): (() => unknown) => {
    const parsed = parseManifest(writeManifest(tree(members), compressManifestBody), 1000, decompressManifestBody);
    return () => parsed.members!.all();
  };
  assert.throws(
    bounds([member(0, { dataOffset: 4_999_995 })]),
    /member 0 \("tree\/f0"\) claims bytes 4999995\.\.5000005, outside the 5000000 bytes of content \(at byte 1016\)/,
  );
  assert.throws(bounds([member(0, { frame: 2 })]), /starts in frame 2 of 2/);
  assert.throws(bounds([member(0, { size: -1 })]), /column "size" gives member 0 a bad size/);
  assert.throws(bounds([member(0, { path: '' }), member(1)]), /column "path" gives member 0 no path/);
  // A column whose frame does not decode, or that has a value too few.
  const frame = writeManifest(tree([member(0), member(1)]), compressManifestBody);
  const cut = Buffer.from(frame);
  cut[cut.length - 3] ^= 0xff;
  const damaged = parseManifest(cut, 0, decompressManifestBody);
  assert.throws(() => damaged.members!.all(), /member column "sha256" does not decode/);
  const short = parseManifest(frame, 0, (f) => {
    const json = decompressManifestBody(f).toString('utf8');
    return Buffer.from(json === '[1700000000,1700000001]' ? '[1700000000]' : json);
  });
  assert.throws(() => short.members!.all(), /column "mtime" has 1 values for 2 members/);
});

test("an archive's index: one member found and read from the few columns it needs, values checked", () => {
  const members = [
    member(0, { path: 'tree', type: 'directory', size: 0 }),
    member(1, { path: 'tree/a\\b' }),
    member(2, { path: 'tree/link', type: 'symlink', size: 0, link: 'a\\b' }),
    member(3, { path: 'tree/é' }),
  ];
  const decoded: string[] = [];
  const parsed = parseManifest(writeManifest(tree(members), compressManifestBody), 0, (f) => {
    const bytes = decompressManifestBody(f);
    decoded.push(bytes.toString('utf8', 0, 8));
    return bytes;
  });
  const index = parsed.members!;
  assert.equal(index.find('tree/é'), 3);
  assert.deepEqual(index.content(3), { path: 'tree/é', type: 'file', link: null, size: 10, dataOffset: 3584 });
  assert.deepEqual(index.content(2), { path: 'tree/link', type: 'symlink', link: 'a\\b', size: 0, dataOffset: 2560 });
  assert.equal(index.find('tree/a\\b'), 1);
  assert.equal(index.find('tree/nothing'), undefined);
  // The head, then path, type, size, dataOffset and link: no digests, owners or times.
  assert.equal(decoded.length, 6);
  assert.deepEqual(index.all(), members, 'the whole parse agrees');
});

test('columns of another shape are parsed whole: read if valid, refused with the column named if not', () => {
  const members = [member(0), member(1, { path: 'tree/x/y' })];
  const frame = writeManifest(tree(members), compressManifestBody);
  // Another writer: escaped slashes, spaces in arrays. Still JSON, still the same index.
  const foreign = parseManifest(frame, 0, (f) => {
    const text = decompressManifestBody(f).toString('utf8');
    if (text.startsWith('"tree')) return Buffer.from(text.replace(/\//g, '\\/'));
    return Buffer.from(text.startsWith('[') ? text.replace(/,/g, ', ') : text);
  });
  assert.equal(foreign.members!.find('tree/x/y'), 1);
  assert.deepEqual(foreign.members!.content(1), {
    path: 'tree/x/y',
    type: 'file',
    link: null,
    size: 10,
    dataOffset: 1536,
  });
  // A bad value where the scan reads it: the whole parse says what is wrong.
  const hostile = parseManifest(frame, 1000, (f) => {
    const text = decompressManifestBody(f).toString('utf8');
    return Buffer.from(text === '[512,1536]' ? '[512,-1536]' : text);
  });
  assert.equal(hostile.members!.find('tree/x/y'), 1);
  assert.throws(() => hostile.members!.content(1), /column "dataOffset" gives member 1 a bad dataOffset/);
  const outside = parseManifest(frame, 1000, (f) => {
    const text = decompressManifestBody(f).toString('utf8');
    return Buffer.from(text === '[512,1536]' ? '[512,4999995]' : text);
  });
  assert.throws(
    () => outside.members!.content(1),
    /member 1 \("tree\/x\/y"\) claims bytes 4999995\.\.5000005, outside the 5000000 bytes/,
  );
});
