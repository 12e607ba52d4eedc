/**
 * `chunkpress grep` against GNU grep on the extracted tree: the same lines for fixed strings,
 * regular expressions and -i, with members split across frames (lines cut at a frame boundary
 * included), in our archives (parallel) and GNU tar's (one pass); -l, -c, members, exit codes.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, sampleData, tempDir } from '../helpers';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const dir = tempDir('chunkpress-grep-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const ours = path.join(dir, 'proj.tar.zst');
const gnu = path.join(dir, 'proj.tar.gz');

const run = (args: string[]) => spawnSync(process.execPath, [cli, 'grep', ...args], { maxBuffer: 1 << 28 });

/** GNU grep's lines for the same search over the extracted tree, as "proj/path:line:text", sorted. */
function grepLines(flags: string[], pattern: string): string[] {
  const r = spawnSync('grep', ['-rn', '--binary-files=without-match', ...flags, '--', pattern, 'proj'], { cwd: dir });
  return r.stdout.toString().split('\n').filter(Boolean).sort();
}

const ourLines = (args: string[]): string[] =>
  run(args)
    .stdout.toString()
    .split('\n')
    .filter((l) => l && !l.startsWith('Binary file '))
    .sort();

before(() => {
  const tree = path.join(dir, 'proj');
  fs.mkdirSync(path.join(tree, 'src', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'big.txt'), sampleData(700_000, 3)); // spans frames of 64 KiB
  // One line of 200 KiB: cut by at least two frame boundaries.
  fs.writeFileSync(
    path.join(tree, 'long.txt'),
    `start ${'x'.repeat(100_000)} needle-in-the-middle ${'y'.repeat(100_000)} end\nafter\n`,
  );
  for (let i = 0; i < 50; i++)
    fs.writeFileSync(
      path.join(tree, 'src', 'deep', `f${i}.c`),
      `int f${i}(void) {\n  return ${i}; /* zstd frame */\n}\n`,
    );
  fs.writeFileSync(path.join(tree, 'src', 'crlf.txt'), 'Windows line\r\nZSTD here\r\n');
  fs.writeFileSync(path.join(tree, 'src', 'no-newline.txt'), 'last line has no newline: frame');
  fs.writeFileSync(path.join(tree, 'src', 'empty.txt'), '');
  fs.writeFileSync(path.join(tree, 'blob.bin'), Buffer.concat([Buffer.from('frame\0\0\x01'), sampleData(1000, 9)]));
  execFileSync(process.execPath, [cli, 'compress', '-q', '-c', '64K', '--no-gitignore', 'proj'], { cwd: dir });
  execFileSync('tar', ['-czf', gnu, '-C', dir, 'proj']);
});

test("the same lines as grep -rn: fixed strings, regular expressions, -i; ours and GNU tar's", () => {
  const searches: Array<[string[], string[], string]> = [
    [['-F'], ['-F'], 'frame'],
    [['-F'], ['-F'], 'needle-in-the-middle'],
    [[], ['-E'], '(seek|table) [a-z]+ pool'],
    [[], ['-E'], '^ (level|pool) .*0x[0-9A-F]+ [a-z]+ $'],
    [['-i'], ['-i'], 'zstd'],
    [[], ['-E'], 'return [0-9]+;'],
    [['-F'], ['-F'], 'manifest worker'],
  ];
  for (const [ourFlags, grepFlags, pattern] of searches) {
    const expected = grepLines(grepFlags, pattern);
    assert.ok(expected.length > 0, pattern);
    for (const archive of [ours, gnu])
      assert.deepEqual(ourLines([...ourFlags, pattern, archive]), expected, `${pattern} in ${archive}`);
  }
});

test('-l, -c, members, binary files, and the exit status', () => {
  const listed = run(['-l', '-F', 'frame', ours]).stdout.toString().split('\n').filter(Boolean).sort();
  const grepListed = spawnSync('grep', ['-rl', '-F', 'frame', 'proj'], { cwd: dir })
    .stdout.toString()
    .split('\n')
    .filter(Boolean)
    .sort();
  assert.deepEqual(listed, grepListed);
  const counts = run(['-c', '-F', 'frame', gnu]).stdout.toString().split('\n').filter(Boolean);
  assert.ok(counts.includes('proj/src/empty.txt:0'));
  for (const line of counts) {
    const [file, n] = line.split(':');
    const theirs = spawnSync('grep', ['-c', '-F', 'frame', file], { cwd: dir }).stdout.toString().trim();
    assert.equal(n, theirs, file);
  }
  // Only a folder's members; a binary file is named, as grep does.
  assert.deepEqual(
    run(['-F', 'return 7;', ours, 'proj/src/deep']).stdout.toString(),
    'proj/src/deep/f7.c:2:  return 7; /* zstd frame */\n',
  );
  assert.deepEqual(
    run(['-F', 'frame', ours, 'proj/blob.bin']).stdout.toString(),
    'Binary file proj/blob.bin matches\n',
  );
  // A tar made of "./proj" stores "./proj/...": the same member names select it.
  const dotted = path.join(dir, 'dotted.tar');
  execFileSync('tar', ['-cf', dotted, '-C', dir, './proj']);
  assert.deepEqual(
    run(['-F', 'return 7;', dotted, 'proj/src/deep']).stdout.toString(),
    './proj/src/deep/f7.c:2:  return 7; /* zstd frame */\n',
  );
  assert.equal(run(['-F', 'frame', ours]).status, 0);
  const none = run(['no such text anywhere', ours]);
  assert.equal(none.status, 1);
  assert.equal(none.stdout.toString(), '');
  const bad = run(['(', ours]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr.toString(), /^chunkpress: "\(" is not a regular expression: /);
  const missing = run(['x', path.join(dir, 'missing.tar.zst')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr.toString(), /missing\.tar\.zst" does not exist/);
});
