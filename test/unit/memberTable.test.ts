/** The packer's compact member table gives the manifest the same column texts member objects do. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MEMBER_COLUMNS, memberColumn, type ManifestMember } from '../../server/src/engine/format/memberIndex';
import type { TarEntry } from '../../server/src/engine/format/tarHeader';
import { sortByBytes } from '../../server/src/engine/tar/collect';
import { MemberTable } from '../../server/src/engine/tar/memberTable';

test('every column but the digests is the text memberColumn makes of the same members, piece after piece', () => {
  const entries: TarEntry[] = [];
  for (let i = 0; i < 9000; i++) {
    const type = (['file', 'directory', 'symlink', 'hardlink'] as const)[i % 4];
    entries.push({
      path: `root/${i % 7 === 0 ? 'ü "q" \\' : 'd'}/${i}`,
      type,
      mode: (0o100644 + i) & 0o7777,
      uid: i % 3 === 0 ? 4_000_000_000 : 1000,
      gid: i % 5,
      uname: i % 2 ? 'alice' : '',
      gname: `g${i % 3}`,
      size: type === 'file' ? i * 1_000_003 : 0,
      mtime: { seconds: i % 11 === 0 ? -86_400 : 1_700_000_000 + i, nanoseconds: (i * 7919) % 1_000_000_000 },
      linkTarget: type === 'symlink' || type === 'hardlink' ? `../t${i}` : undefined,
    });
  }
  const table = new MemberTable();
  const members: ManifestMember[] = entries.map((e, i) => {
    const placed = { headerOffset: i * 1536, dataOffset: i * 1536 + 512, firstFrame: i >> 4, lastFrame: i >> 3 };
    assert.equal(table.add(e, placed), i);
    return {
      path: e.path,
      type: e.type,
      mode: e.mode,
      size: e.size,
      mtime: e.mtime.seconds,
      mtimeNs: e.mtime.nanoseconds,
      uid: e.uid,
      gid: e.gid,
      uname: e.uname,
      gname: e.gname,
      link: e.linkTarget ?? null,
      headerOffset: placed.headerOffset,
      dataOffset: placed.dataOffset,
      frame: placed.firstFrame,
      sha256: null,
    };
  });
  assert.equal(table.count, entries.length);
  for (const name of MEMBER_COLUMNS) {
    if (name === 'sha256') continue;
    assert.equal(table.columnJson(name), memberColumn(members, name), name);
  }
  assert.equal(table.path(8999), entries[8999].path);
  assert.equal(table.type(2), 'symlink');
  assert.equal(table.size(4), 4 * 1_000_003);
  assert.equal(new MemberTable().columnJson('path'), memberColumn([], 'path'));
  assert.equal(new MemberTable().columnJson('size'), memberColumn([], 'size'));
});

test("names are sorted by their UTF-8 bytes, as tar --sort=name, where UTF-16's order differs", () => {
  const names = ['b', 'a', 'Z', '\u{1F600}', '\uFF21', 'é', 'a0', ''];
  const expected = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  const sorted = [...names];
  sortByBytes(sorted);
  assert.deepEqual(sorted, expected);
  // U+FF21 comes after U+1F600 in UTF-16 units (0xFF21 > 0xD83D), before it in bytes.
  assert.ok(sorted.indexOf('\uFF21') < sorted.indexOf('\u{1F600}'));
  const ascii = ['m', 'b', 'B', '_', '.git'];
  sortByBytes(ascii);
  assert.deepEqual(ascii, ['.git', 'B', '_', 'b', 'm']);
});
