/**
 * One member found and read from a column's bytes without parsing the column: the same answers as
 * parsing it, with escapes, backslashes and UTF-8 in the paths; anything of another shape is left
 * to the whole parse, which reads it or refuses it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findText, numberAt, textAt } from '../../server/src/engine/format/columnScan';
import {
  parseManifest,
  writeManifest,
  type Manifest,
  type ManifestMember,
} from '../../server/src/engine/format/manifest';
import { MemberIndex } from '../../server/src/engine/format/memberIndex';
import { compressManifestBody, decompressManifestBody } from '../../server/src/engine/codec/codec';

const column = (values: string[]): Buffer => Buffer.from(JSON.stringify(values.join('\u0000')), 'utf8');

test('a text column: each value found and read as JSON.parse gives it', () => {
  const values = [
    'tree',
    'tree/naïve café.txt',
    'tree/back\\slash',
    'tree/\\u0000 not a separator',
    'tree/ends in a backslash\\',
    'tree/"quoted"\n\ttab',
    'tree/\u{1F600}',
    '',
    'tree/last',
  ];
  const bytes = column(values);
  for (const [i, v] of values.entries()) {
    assert.equal(textAt(bytes, i), v, `value ${i}`);
    if (v !== '') assert.equal(findText(bytes, v), i, `find ${JSON.stringify(v)}`);
  }
  assert.equal(textAt(bytes, values.length), undefined, 'no value past the last');
  assert.equal(findText(bytes, 'tree/back'), -1, 'a prefix of a value is not one');
  assert.equal(findText(bytes, 'slash'), -1, 'nor is its end');
  assert.equal(findText(bytes, 'not a separator'), -1);
  assert.equal(findText(Buffer.from('"a\\u0000b'), 'a'), -1, 'no closing quote: not a column to scan');
});

test('a number column: value i, or undefined where the array does not have it', () => {
  const bytes = Buffer.from(JSON.stringify([0, 12, -86400, 9007199254740991]));
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => numberAt(bytes, i)),
    [0, 12, -86400, 9007199254740991],
  );
  assert.equal(numberAt(bytes, 4), undefined);
  assert.equal(numberAt(Buffer.from('[1,"2"]'), 1), undefined);
  assert.equal(numberAt(Buffer.from('{"a":1}'), 0), undefined);
});

const member = (i: number, over: Partial<ManifestMember> = {}): ManifestMember => ({
  path: `tree/f${i}`,
  type: 'file',
  mode: 0o644,
  size: 10,
  mtime: 1_700_000_000 + i,
  mtimeNs: 0,
  uid: 1000,
  gid: 1000,
  uname: 'u',
  gname: 'g',
  link: null,
  headerOffset: i * 1024,
  dataOffset: i * 1024 + 512,
  frame: 0,
  sha256: null,
  ...over,
});

function tree(members: ManifestMember[]): Manifest {
  return {
    format: 'chunkpress',
    version: 2,
    options: { level: 3, chunkSize: 4194304 },
    source: { name: 'tree', kind: 'tree', size: 5000, mtime: null, mode: null },
    content: { size: 5000, chunkCount: 1, digestAlgorithm: 'xxh64-tree', digest: '0123456789abcdef' },
    chunks: { digestAlgorithm: 'xxh64', digests: ['00000000000000aa'] },
    members: MemberIndex.of(members, { contentSize: Infinity, frames: Infinity }),
  };
}

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
    return Buffer.from(text === '[512,1536]' ? '[512,4999]' : text);
  });
  assert.throws(
    () => outside.members!.content(1),
    /member 1 \("tree\/x\/y"\) claims bytes 4999\.\.5009, outside the 5000 bytes/,
  );
});
