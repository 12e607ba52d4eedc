/**
 * The CLI on folders: `compress DIR` (one DIR.tar.zst, several inputs into -o, --each), exit 1
 * for a file that changes while packed, `list` of ours and of archives GNU tar wrote (gnu and pax
 * formats; gzip, zstd and plain), and `cat` of members.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot, sampleData, tempDir } from '../helpers';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const dir = tempDir('chunkpress-cli-tree-');
const tree = path.join(dir, 'app');
const LONG = `${'x'.repeat(130)}.txt`;
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], options: { cwd?: string } = {}) =>
  spawnSync(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? dir,
    maxBuffer: 1 << 28,
    env: { ...process.env, TZ: 'UTC' },
  });

before(() => {
  fs.mkdirSync(path.join(tree, 'src', 'lib'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'src', 'lib', 'util.js'), 'module.exports = 1;\n');
  fs.writeFileSync(path.join(tree, 'src', LONG), sampleData(70_000, 3));
  fs.writeFileSync(path.join(tree, 'big.dat'), sampleData(600_000, 4));
  fs.writeFileSync(path.join(tree, 'notes.tmp'), 'excluded\n');
  fs.symlinkSync('big.dat', path.join(tree, 'alias'));
  fs.writeFileSync(path.join(dir, 'loose.txt'), 'a file beside the folder\n');
});

test('compress DIR makes DIR.tar.zst; list prints what tar -tv does, --json the index', () => {
  const r = run(['compress', '-c', '64K', '--exclude', '*.tmp', 'app']);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.match(
    r.stderr.toString(),
    /^app \(3 files, 3 folders, 1 link\): [\d.]+ KiB -> [\d.]+ KiB \(ratio [\d.]+, saved [\d.]+%\), \d+ chunks in \d+:\d\d at .* -> app\.tar\.zst\n$/,
  );
  const archive = path.join(dir, 'app.tar.zst');
  const ours = run(['list', archive]).stdout.toString();
  const tars = execFileSync('tar', ['--zstd', '-tvf', archive], { env: { ...process.env, TZ: 'UTC' } }).toString();
  // The same lines, but for tar's column widths.
  const squash = (s: string): string => s.replace(/ +/g, ' ');
  assert.equal(squash(ours), squash(tars));
  const json = run(['list', '--json', archive])
    .stdout.toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const big = json.find((m) => m.path === 'app/big.dat');
  assert.equal(
    big.sha256,
    execFileSync('sha256sum', [path.join(tree, 'big.dat')])
      .toString()
      .slice(0, 64),
  );
  assert.ok(big.dataOffset > big.headerOffset && Number.isInteger(big.frame));
  assert.ok(!json.some((m) => m.path.endsWith('.tmp')));
});

test('cat writes members, decoding only their frames; folders, symlinks and missing members are refused', () => {
  const archive = path.join(dir, 'app.tar.zst');
  const r = run(['cat', archive, `app/src/${LONG}`, 'app/src/lib/util.js']);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.ok(
    r.stdout.equals(
      Buffer.concat([fs.readFileSync(path.join(tree, 'src', LONG)), Buffer.from('module.exports = 1;\n')]),
    ),
  );
  const missing = run(['cat', archive, 'app/nope']);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.toString(), `chunkpress: "${archive}" has no member "app/nope"\n`);
  assert.match(run(['cat', archive, 'app/src']).stderr.toString(), /"app\/src" is a folder/);
  assert.match(run(['cat', archive, 'app/alias']).stderr.toString(), /"app\/alias" is a symlink to "big\.dat"/);
});

test('cat loads none of the built-ins it does not use (zlib, crypto, worker threads, streams, perf_hooks)', () => {
  // Each is 1-3 ms of the whole run; a top-level import of one anywhere on cat's path brings it back.
  const probe = path.join(dir, 'loaded-modules.js');
  fs.writeFileSync(
    probe,
    `const before = new Set(process.moduleLoadList);
process.on('exit', () => require('fs').writeSync(2, JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m)))));`,
  );
  // Into a file, as a shell's redirection: a socket (spawnSync's pipes) would need process.stdout.
  const out = path.join(dir, 'cat-out.txt');
  const fd = fs.openSync(out, 'w');
  const r = spawnSync(
    process.execPath,
    ['-r', probe, cli, 'cat', path.join(dir, 'app.tar.zst'), 'app/src/lib/util.js'],
    { cwd: dir, stdio: ['ignore', fd, 'pipe'] },
  );
  fs.closeSync(fd);
  assert.equal(fs.readFileSync(out, 'utf8'), 'module.exports = 1;\n');
  const loaded = JSON.parse(r.stderr.toString()) as string[];
  assert.ok(loaded.includes('NativeModule fs/promises'), 'the probe sees what cat loads');
  for (const name of ['zlib', 'crypto', 'worker_threads', 'stream', 'perf_hooks'])
    assert.ok(!loaded.includes(`NativeModule ${name}`), `cat loaded ${name}`);
});

test('several inputs go into -o; --each makes one archive each; refusals', () => {
  let r = run(['compress', 'app', 'loose.txt']);
  assert.equal(r.status, 2);
  assert.match(r.stderr.toString(), /several inputs go into one archive: name it with -o OUT\.tar\.zst/);
  r = run(['compress', '-o', 'both.tar.zst', 'app', 'loose.txt']);
  assert.equal(r.status, 0, r.stderr.toString());
  const listed = execFileSync('tar', ['--zstd', '-tf', path.join(dir, 'both.tar.zst')])
    .toString()
    .split('\n');
  assert.ok(listed.includes('app/big.dat') && listed.includes('loose.txt'));
  fs.mkdirSync(path.join(dir, 'each'));
  r = run(['compress', '--each', '-o', 'each', 'app', 'loose.txt']);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.deepEqual(fs.readdirSync(path.join(dir, 'each')).sort(), ['app.tar.zst', 'loose.txt.zst']);
  r = run(['compress', '-o', 'missing.tar.zst', 'app', 'nope']);
  assert.equal(r.status, 1);
  assert.match(r.stderr.toString(), /"nope" does not exist\n$/);
  assert.ok(!fs.existsSync(path.join(dir, 'missing.tar.zst')));
  r = run(['compress', 'app']);
  assert.equal(r.status, 1);
  assert.match(r.stderr.toString(), /app\.tar\.zst" already exists \(-f overwrites it\)/);
});

test('a file that keeps changing while it is packed: named, and exit 1 as tar does', async () => {
  const busy = path.join(dir, 'busy');
  fs.mkdirSync(busy);
  const log = path.join(busy, 'growing.log');
  fs.writeFileSync(log, sampleData(1 << 20, 5));
  // Appends every few ms for as long as the job runs.
  const writer = spawn(process.execPath, [
    '-e',
    `const fs=require('fs');setInterval(()=>fs.appendFileSync(${JSON.stringify(log)},'more\\n'),2)`,
  ]);
  await new Promise((resolve) => setTimeout(resolve, 200));
  try {
    const r = run(['compress', '-c', '64K', 'busy']);
    assert.equal(r.status, 1, r.stderr.toString());
    assert.match(r.stderr.toString(), /chunkpress: warning: busy\/growing\.log: changed (size )?while it was packed/);
    assert.ok(fs.existsSync(path.join(dir, 'busy.tar.zst')), 'the archive is still made');
  } finally {
    writer.kill();
  }
});

test('list and cat of archives GNU tar wrote: gnu and pax formats; gzip, zstd and plain', () => {
  // (ustar cannot hold the 134-byte name: GNU tar refuses to write it.)
  for (const format of ['gnu', 'pax']) {
    for (const [ext, flag] of [
      ['tar.gz', '-z'],
      ['tar.zst', '--zstd'],
      ['tar', ''],
    ]) {
      const archive = path.join(dir, `gnu-${format}.${ext}`);
      execFileSync('tar', ['-c', ...(flag ? [flag] : []), `--format=${format}`, '-f', archive, '-C', dir, 'app']);
      const ours = run(['list', archive]);
      assert.equal(ours.status, 0, `${format} ${ext}: ${ours.stderr}`);
      const tars = execFileSync('tar', ['-tvf', archive], { env: { ...process.env, TZ: 'UTC' } }).toString();
      assert.equal(ours.stdout.toString().replace(/ +/g, ' '), tars.replace(/ +/g, ' '), `${format} ${ext}`);
      const cat = run(['cat', archive, `app/src/${LONG}`]);
      assert.ok(cat.stdout.equals(fs.readFileSync(path.join(tree, 'src', LONG))), `${format} ${ext}`);
    }
  }
  const plainTar = path.join(dir, 'gnu-pax.tar');
  const inspected = run(['inspect', plainTar]);
  assert.match(inspected.stdout.toString(), /gnu-pax\.tar: an uncompressed tar archive/);
  const refused = run(['decompress', plainTar]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr.toString(), /is an uncompressed tar archive: there is nothing to decode/);
  const notTar = path.join(dir, 'plain.txt.zst');
  execFileSync('zstd', ['-q', '-f', path.join(dir, 'loose.txt'), '-o', notTar]);
  const r = run(['list', notTar]);
  assert.equal(r.status, 1);
  assert.match(r.stderr.toString(), /is not a tar archive: .*\(at byte 0\)/);
});

test('--format gzip: DIR.tar.gz and FILE.gz beside them; -o x.tgz implies it; bgzf with its .gzi; refusals', () => {
  const gz = path.join(dir, 'gz');
  fs.mkdirSync(gz);
  fs.cpSync(tree, path.join(gz, 'app'), { recursive: true, verbatimSymlinks: true });
  fs.writeFileSync(path.join(gz, 'loose.txt'), sampleData(200_000, 8));
  let r = run(['compress', '--format', 'gzip', 'app', 'loose.txt', '--each'], { cwd: gz });
  assert.equal(r.status, 0, r.stderr.toString());
  assert.match(r.stderr.toString(), /-> app\.tar\.gz\n/);
  const listed = execFileSync('tar', ['-tzf', path.join(gz, 'app.tar.gz')])
    .toString()
    .split('\n');
  assert.ok(listed.includes('app/big.dat') && listed.includes('app/src/lib/util.js'));
  assert.ok(
    execFileSync('gzip', ['-dc', path.join(gz, 'loose.txt.gz')]).equals(fs.readFileSync(path.join(gz, 'loose.txt'))),
  );
  // The -o name says gzip; several inputs go in one tar.gz named after it.
  r = run(['compress', '-o', 'both.tgz', 'app', 'loose.txt'], { cwd: gz });
  assert.equal(r.status, 0, r.stderr.toString());
  const both = execFileSync('tar', ['-tzf', path.join(gz, 'both.tgz')])
    .toString()
    .split('\n');
  assert.ok(both.includes('loose.txt') && both.includes('app/big.dat'));
  // BGZF with --gzi: bgzip reads at an offset with our index.
  r = run(['compress', '--gzi', '-o', 'loose.bgz.gz', 'loose.txt'], { cwd: gz });
  assert.equal(r.status, 0, r.stderr.toString());
  const piece = execFileSync('bgzip', ['-b', '150000', '-s', '100', path.join(gz, 'loose.bgz.gz')]);
  assert.ok(piece.equals(fs.readFileSync(path.join(gz, 'loose.txt')).subarray(150_000, 150_100)));
  // verify knows it.
  r = run(['verify', 'loose.bgz.gz'], { cwd: gz });
  assert.equal(r.status, 0, r.stderr.toString());
  assert.match(
    r.stderr.toString(),
    /^loose\.bgz\.gz: OK\. 195 KiB checked: 1 frame on 1 thread, each matching its checksum/,
  );
  for (const [args, message] of [
    [['--format', 'bzip2', 'loose.txt'], /--format takes zstd or gzip, not "bzip2"/],
    [['--gzip-layout', 'bgzf', '--format', 'zstd', 'loose.txt'], /--gzip-layout is for --format gzip/],
    [['--gzi', '--gzip-layout', 'single', 'loose.txt'], /--gzi indexes the bgzf layout, not a single member/],
    [
      ['--format', 'gzip', '-l', '12', '-o', 'x.gz', 'loose.txt'],
      /A gzip level must be a whole number from 1 to 9 \(got 12\)/,
    ],
  ] as const) {
    r = run(['compress', ...args], { cwd: gz });
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr.toString(), message);
  }
});
