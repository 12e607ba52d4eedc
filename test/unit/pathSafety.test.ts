/** The extraction path rules, case by case: what a hostile archive tries, and what an honest one needs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PathRules, pathComponents, type MemberClaim } from '../../server/src/engine/extraction/pathSafety';

const file = (path: string, mode = 0o644): MemberClaim => ({ path, type: 'file', mode, link: null });
const dir = (path: string): MemberClaim => ({ path, type: 'directory', mode: 0o755, link: null });
const symlink = (path: string, link: string): MemberClaim => ({ path, type: 'symlink', mode: 0o777, link });
const hardlink = (path: string, link: string): MemberClaim => ({ path, type: 'hardlink', mode: 0o644, link });

/** Each member's verdict in order: its normalized path, or "refused: why". */
function judge(members: MemberClaim[], caseInsensitive = false, keepSetuid = false): string[] {
  const rules = new PathRules({ caseInsensitive, keepSetuid });
  return members.map((m) => {
    const v = rules.check(m);
    return v.ok ? `${v.path}${v.warning ? ` (${v.warning})` : ''}` : `refused: ${v.reason}`;
  });
}

test('paths are normalized; absolute ones, ".." and NUL are refused', () => {
  assert.deepEqual(pathComponents('./a//b/./c/'), ['a', 'b', 'c']);
  assert.deepEqual(
    judge([
      file('./src/main.c'),
      file('/etc/passwd'),
      file('../escape'),
      file('a/../../escape'),
      file('a/../b'),
      file('C:/Windows/evil'),
      file('a\0b'),
      dir('./'),
      file('./'),
    ]),
    [
      'src/main.c',
      'refused: its path "/etc/passwd" is absolute',
      'refused: its path "../escape" holds ".."',
      'refused: its path "a/../../escape" holds ".."',
      'refused: its path "a/../b" holds ".."',
      'refused: its path "C:/Windows/evil" is absolute',
      'refused: its name holds a NUL byte',
      '',
      'refused: it has no name of its own',
    ],
  );
});

test('nothing is written under a symlink or a file of the archive; a path twice keeps the first', () => {
  assert.deepEqual(
    judge([
      symlink('up', '..'),
      symlink('lib', 'usr/lib'),
      file('lib/evil.so'),
      dir('x'),
      symlink('x', 'lib'),
      file('x/kept'),
      file('f'),
      file('f/evil'),
      file('f'),
      dir('x'),
    ]),
    [
      'refused: it is a symlink to "..", which leads outside the target folder',
      'lib',
      'refused: it lies under the symlink "lib"',
      'x',
      'refused: the archive holds it twice; the first is kept',
      'x/kept',
      'f',
      'refused: it lies under "f", which is not a folder',
      'refused: the archive holds it twice; the first is kept',
      'x',
    ],
  );
});

test('a folder found clear for one member is looked at again once the archive puts a file or a symlink above it', () => {
  assert.deepEqual(
    judge([
      file('a/b/one'),
      file('a/b/two'),
      file('a'),
      file('a/b/three'),
      file('c/d/one'),
      symlink('c/d', '/etc'),
      symlink('c', 'elsewhere'),
      file('c/d/two'),
      file('e/one'),
      file('e/f/one'),
      file('e/two'),
    ]),
    [
      'a/b/one',
      'a/b/two',
      'a',
      'refused: it lies under "a", which is not a folder',
      'c/d/one',
      'refused: it is a symlink to the absolute path "/etc", outside the target folder',
      'c',
      'refused: it lies under the symlink "c"',
      'e/one',
      'e/f/one',
      'e/two',
    ],
  );
});

test('symlink targets: inside is fine, out by ".." or through another symlink is not', () => {
  const rules = new PathRules({ caseInsensitive: false, keepSetuid: false });
  const verdicts = [
    symlink('a/b/ok', '../../top.txt'),
    symlink('a/b/out', '../../../x'),
    symlink('sub/l2', '..'),
    symlink('l1', 'sub'),
    symlink('l3', 'l1/l2/../..'),
    symlink('self', 'self/..'),
    symlink('empty', ''),
  ].map((m) => {
    const v = rules.check(m);
    return v.ok ? 'ok' : v.reason;
  });
  assert.deepEqual(verdicts, [
    'ok',
    'it is a symlink to "../../../x", which leads outside the target folder',
    'ok',
    'ok',
    'it is a symlink to "l1/l2/../..", whose ".." is taken inside the symlink "l1"',
    'it is a symlink to "self/..", whose ".." is taken inside the symlink "self"',
    'it is a symlink with no target',
  ]);
  // Judged again at the end: a symlink the archive adds later changes where an earlier ".." goes.
  const late = new PathRules({ caseInsensitive: false, keepSetuid: false });
  assert.equal(late.check(symlink('l3', 'l1/..')).ok, true);
  assert.equal(late.check(symlink('l1', 'sub/deeper')).ok, true);
  assert.deepEqual(late.recheckSymlinks([{ path: 'l3', link: 'l1/..' }]), [
    { path: 'l3', reason: 'it is a symlink to "l1/..", whose ".." is taken inside the symlink "l1"' },
  ]);
});

test('hard links only to files the archive extracts; devices and FIFOs never', () => {
  const other = (path: string, typeFlag: string): MemberClaim => ({
    path,
    type: 'other',
    typeFlag,
    mode: 0o644,
    link: null,
  });
  assert.deepEqual(
    judge([
      file('data/a.bin'),
      hardlink('data/b.bin', './data/a.bin'),
      hardlink('c', '/etc/shadow'),
      hardlink('d', '../outside'),
      hardlink('e', 'missing.txt'),
      dir('folder'),
      hardlink('g', 'folder'),
      other('dev/null', '3'),
      other('dev/sda', '4'),
      other('pipe', '6'),
      other('sparse', 'S'),
    ]),
    [
      'data/a.bin',
      'data/b.bin',
      'refused: it is a hard link, and its target path "/etc/shadow" is absolute',
      'refused: it is a hard link, and its target path "../outside" holds ".."',
      'refused: it is a hard link to "missing.txt", which is not a file this archive extracts',
      'folder',
      'refused: it is a hard link to "folder", which is not a file this archive extracts',
      'refused: it is a character device, which is never extracted',
      'refused: it is a block device, which is never extracted',
      'refused: it is a FIFO, which is never extracted',
      'refused: it is a GNU sparse file, which is never extracted',
    ],
  );
});

test('setuid and setgid bits are dropped unless asked for', () => {
  assert.deepEqual(judge([file('bin/su', 0o4755), file('bin/wall', 0o2755), dir('tmp')]), [
    'bin/su (its setuid bit was dropped)',
    'bin/wall (its setgid bit was dropped)',
    'tmp',
  ]);
  const rules = new PathRules({ caseInsensitive: false, keepSetuid: false });
  const su = rules.check(file('su', 0o4755));
  assert.equal(su.ok && su.mode, 0o755);
  const kept = new PathRules({ caseInsensitive: false, keepSetuid: true }).check(file('su', 0o4755));
  assert.equal(kept.ok && kept.mode, 0o4755);
});

test('on a case-insensitive file system, names equal but for case collide', () => {
  const members = [
    file('README'),
    file('readme'),
    dir('Src'),
    symlink('src', '.'),
    file('SRC/x.c'),
    file('Straße'),
    file('STRAßE'),
  ];
  assert.deepEqual(judge(members, true), [
    'README',
    'refused: it collides with "README" on this case-insensitive file system',
    'Src',
    'refused: it collides with "Src" on this case-insensitive file system',
    'SRC/x.c',
    'Straße',
    'refused: it collides with "Straße" on this case-insensitive file system',
  ]);
  // The same archive on a file system that keeps case: all distinct (a kernel tree has such names).
  assert.deepEqual(judge(members, false), ['README', 'readme', 'Src', 'src', 'SRC/x.c', 'Straße', 'STRAßE']);
});
