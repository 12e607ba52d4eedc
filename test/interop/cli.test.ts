/** Interop: archives made by the chunkpress CLI, read by Debian's zstd and tar (and back). */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { JOB_V8_FLAGS } from '../../server/src/v8Flags';
import { readArchive, repoRoot, sampleData, tempDir } from '../helpers';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const dir = tempDir('chunkpress-interop-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function chunkpress(args: string[], input?: Buffer) {
  return spawnSync(process.execPath, [cli, ...args], { input, maxBuffer: 1 << 30, cwd: dir });
}

function zstdList(file: string): { frames: number; skippable: number; decompressed: number } {
  const text = execFileSync('zstd', ['-lv', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return {
    frames: Number(/# Zstandard Frames: (\d+)/.exec(text)?.[1]),
    skippable: Number(/# Skippable Frames: (\d+)/.exec(text)?.[1]),
    decompressed: Number(/Decompressed Size: .*\((\d+) B\)/.exec(text)?.[1]),
  };
}

before(() => {
  assert.ok(fs.existsSync(cli), 'run `npm run build` first: dist/cli.js is missing');
});

test('zstd -t passes, zstd -d returns the input, zstd -l counts the frames', () => {
  const input = path.join(dir, 'words.txt');
  const data = sampleData(3_000_000, 1);
  fs.writeFileSync(input, data);
  const run = chunkpress(['compress', input, '-c', '256K', '-l', '6']);
  assert.equal(run.status, 0, run.stderr.toString());
  assert.match(run.stderr.toString(), /words\.txt: 2\.86 MiB -> .* 12 chunks in .* -> .*words\.txt\.zst/);
  execFileSync('zstd', ['-q', '-t', `${input}.zst`]);
  assert.ok(execFileSync('zstd', ['-dc', `${input}.zst`], { maxBuffer: 1 << 30 }).equals(data));
  assert.deepEqual(zstdList(`${input}.zst`), { frames: 12, skippable: 2, decompressed: 3_000_000 });
});

test('an existing output needs -f; without it the old file stays', () => {
  const input = path.join(dir, 'again.txt');
  fs.writeFileSync(input, 'first');
  assert.equal(chunkpress(['compress', input]).status, 0);
  const before = fs.readFileSync(`${input}.zst`);
  fs.writeFileSync(input, 'second, longer');
  const refused = chunkpress(['compress', input]);
  assert.equal(refused.status, 1);
  assert.equal(refused.stderr.toString(), `chunkpress: ${input}: "${input}.zst" already exists (-f overwrites it)\n`);
  assert.ok(fs.readFileSync(`${input}.zst`).equals(before));
  assert.equal(chunkpress(['compress', '-f', input]).status, 0);
  assert.equal(execFileSync('zstd', ['-dc', `${input}.zst`], { encoding: 'utf8' }), 'second, longer');
});

test('stdin to stdout with "-", piped into zstd -d', () => {
  const data = sampleData(700_000, 2);
  const run = chunkpress(['compress', '-', '-c', '64K'], data);
  assert.equal(run.status, 0, run.stderr.toString());
  const archive = path.join(dir, 'piped.zst');
  fs.writeFileSync(archive, run.stdout);
  assert.ok(execFileSync('zstd', ['-dc'], { input: run.stdout, maxBuffer: 1 << 30 }).equals(data));
  const parts = readArchive(archive);
  assert.equal(parts.table.entries.length, 11);
  assert.equal(parts.manifest.source.kind, 'stream');
});

test('a tar stream through chunkpress unpacks with tar --zstd', () => {
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(path.join(tree, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'a.txt'), sampleData(300_000, 3));
  fs.writeFileSync(path.join(tree, 'sub', 'b.bin'), sampleData(50_000, 4));
  const tarBytes = execFileSync('tar', ['-C', dir, '-cf', '-', 'tree'], { maxBuffer: 1 << 30 });
  const run = chunkpress(['compress', '-', '-o', 'tree.tar.zst', '-c', '64K'], tarBytes);
  assert.equal(run.status, 0, run.stderr.toString());
  const out = path.join(dir, 'untar');
  fs.mkdirSync(out);
  execFileSync('tar', ['--zstd', '-xf', path.join(dir, 'tree.tar.zst'), '-C', out]);
  assert.ok(fs.readFileSync(path.join(out, 'tree', 'a.txt')).equals(fs.readFileSync(path.join(tree, 'a.txt'))));
  assert.ok(
    fs.readFileSync(path.join(out, 'tree', 'sub', 'b.bin')).equals(fs.readFileSync(path.join(tree, 'sub', 'b.bin'))),
  );
});

test('--json reports the result, -v the worker decision and every chunk', () => {
  const input = path.join(dir, 'json.txt');
  fs.writeFileSync(input, sampleData(200_000, 5));
  const run = chunkpress(['compress', input, '--json', '-v', '-c', '64K', '-T', '1', '-l', '-3']);
  assert.equal(run.status, 0, run.stderr.toString());
  const result = JSON.parse(run.stdout.toString()) as Record<string, unknown> & {
    plan: { threads: number; reason: string };
  };
  assert.equal(result.inputSize, 200_000);
  assert.equal(result.chunks, 4);
  assert.equal(result.outputSize, fs.statSync(`${input}.zst`).size);
  assert.deepEqual(result.options, {
    format: 'zstd',
    gzipLayout: 'single',
    gzi: false,
    level: -3,
    chunkSize: 65536,
    threads: 1,
    memoryFactor: 0.75,
  });
  assert.equal(result.plan.reason, '1 worker: limited by requested -T 1');
  const stderr = run.stderr.toString();
  assert.match(stderr, /chunk 0: in 0\+65536 -> out 0\+\d+, xxh64 [0-9a-f]{16}/);
  assert.match(stderr, /chunk 3: in 196608\+3392 -> out \d+\+\d+/);
  assert.match(stderr, /1 worker: limited by requested -T 1/);
});

test('clear errors: missing file, a folder to decompress, bad options', () => {
  const missing = chunkpress(['compress', 'nope.txt']);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.toString(), 'chunkpress: nope.txt: "nope.txt" does not exist\n');
  // A folder is compressed as a tar (cliTree.test.ts); it cannot be decompressed.
  const folder = chunkpress(['decompress', dir]);
  assert.equal(folder.status, 1);
  assert.equal(folder.stderr.toString(), `chunkpress: "${dir}" is a folder, not a file\n`);
  const level = chunkpress(['compress', 'x', '-l', 'fast']);
  assert.equal(level.status, 2);
  assert.match(level.stderr.toString(), /^chunkpress: level must be a number, not "fast"/);
  const chunk = chunkpress(['compress', 'x', '-c', '4X']);
  assert.equal(chunk.status, 2);
  assert.match(chunk.stderr.toString(), /"4X" is not a size/);
  const command = chunkpress(['squash', 'x']);
  assert.equal(command.status, 2);
  assert.match(command.stderr.toString(), /unknown command "squash"/);
  const help = chunkpress(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout.toString(), /^Usage: chunkpress compress FILE\.\.\. \[--format gzip/);
});

test('permissions: an unreadable input and an unwritable folder, as an ordinary user', (t) => {
  // Root reads everything, so run the CLI as "nobody" (runuser, from util-linux).
  const canActAsNobody =
    process.getuid?.() === 0 && spawnSync('runuser', ['-u', 'nobody', '--', 'test', '-r', cli]).status === 0;
  if (!canActAsNobody) {
    t.skip('needs root, runuser, and a checkout that other users can read');
    return;
  }
  const shared = fs.mkdtempSync(path.join('/tmp', 'chunkpress-perm-'));
  try {
    fs.chmodSync(shared, 0o755);
    const secret = path.join(shared, 'secret.txt');
    fs.writeFileSync(secret, 'top secret', { mode: 0o600 });
    const asNobody = (args: string[]) =>
      spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, cli, ...args], { cwd: '/tmp' });
    const unreadable = asNobody(['compress', secret, '-o', '/tmp/never.zst']);
    assert.equal(unreadable.status, 1);
    assert.equal(unreadable.stderr.toString(), `chunkpress: ${secret}: Permission denied: cannot read "${secret}"\n`);
    const open = path.join(shared, 'open.txt');
    fs.writeFileSync(open, 'anyone may read this', { mode: 0o644 });
    const unwritable = asNobody(['compress', open]);
    assert.equal(unwritable.status, 1);
    assert.equal(unwritable.stderr.toString(), `chunkpress: ${open}: Permission denied: cannot create "${open}.zst"\n`);
    assert.deepEqual(fs.readdirSync(shared).sort(), ['open.txt', 'secret.txt']);
  } finally {
    fs.rmSync(shared, { recursive: true, force: true });
  }
});

test("an archive takes its source's mode, owner and times as zstd's does; a decoded file, its archive's, as with zstd -d and gzip -d", () => {
  const sub = fs.mkdtempSync(path.join(dir, 'meta-'));
  const src = path.join(sub, 'meta.txt');
  fs.writeFileSync(src, sampleData(300_000, 4));
  fs.chmodSync(src, 0o640);
  // Times with fractions of a second, which zstd copies to the nanosecond.
  fs.utimesSync(src, 1_600_000_000.25, 1_500_000_000.125);
  // As root, zstd gives its output to the source's owner; so must we.
  if (process.getuid?.() === 0) fs.chownSync(src, 65534, 65534);
  const meta = (p: string) => {
    const s = fs.statSync(p);
    return { mode: (s.mode & 0o7777).toString(8), uid: s.uid, gid: s.gid, mtimeMs: s.mtimeMs };
  };
  const ours = `${src}.zst`;
  const theirs = path.join(sub, 'by-zstd.zst');
  const compressed = chunkpress(['compress', '-q', src]);
  assert.equal(compressed.status, 0, compressed.stderr.toString());
  execFileSync('zstd', ['-q', src, '-o', theirs]);
  assert.deepEqual(meta(ours), meta(theirs));
  assert.deepEqual(meta(ours), { ...meta(src), mode: '640', mtimeMs: 1_500_000_000_125 });
  assert.equal(fs.statSync(ours).atimeMs, 1_600_000_000_250);

  // Decoding: the output takes the archive's, whatever the original's were.
  const gzDir = fs.mkdtempSync(path.join(sub, 'gz-'));
  const gz = path.join(gzDir, 'meta.txt.gz');
  fs.writeFileSync(gz, execFileSync('gzip', ['-c', src]));
  for (const archive of [ours, gz]) {
    fs.chmodSync(archive, 0o604);
    fs.utimesSync(archive, 1_700_000_000.5, 1_400_000_000.75);
  }
  execFileSync('zstd', ['-q', '-d', ours, '-o', path.join(sub, 'by-zstd.txt')]);
  execFileSync('gzip', ['-d', '-k', gz]);
  for (const [archive, reference] of [
    [ours, path.join(sub, 'by-zstd.txt')],
    [gz, path.join(gzDir, 'meta.txt')],
  ]) {
    const decoded = `${archive}.decoded`;
    const run = chunkpress(['decompress', '-q', archive, '-o', decoded]);
    assert.equal(run.status, 0, run.stderr.toString());
    assert.deepEqual(meta(decoded), meta(reference), archive);
    assert.deepEqual(meta(decoded), { ...meta(archive), mode: '604', mtimeMs: 1_400_000_000_750 });
  }
  // A range is a new file: the archive's mode and owner, but the time it was made.
  const before = Date.now();
  const range = path.join(sub, 'range.bin');
  assert.equal(chunkpress(['extract', ours, '--offset', '10', '--length', '100', '-o', range, '-q']).status, 0);
  assert.equal(meta(range).mode, '604');
  assert.ok(fs.statSync(range).mtimeMs >= before - 1000, 'an extracted range has a fresh time');
});

test('names up to the file system limit compress; a name past it is refused clearly', () => {
  const fits = path.join(dir, `${'n'.repeat(246)}.log`); // its .zst is 254 bytes
  fs.writeFileSync(fits, sampleData(200_000, 16));
  const run = chunkpress(['compress', fits, '-c', '64K']);
  assert.equal(run.status, 0, run.stderr.toString());
  assert.ok(execFileSync('zstd', ['-dc', `${fits}.zst`], { maxBuffer: 1 << 20 }).equals(fs.readFileSync(fits)));
  const over = path.join(dir, `${'o'.repeat(248)}.log`); // 252 bytes; its .zst would be 256
  fs.writeFileSync(over, 'x');
  const refused = chunkpress(['compress', over]);
  assert.equal(refused.status, 1);
  assert.equal(
    refused.stderr.toString(),
    `chunkpress: ${over}: Cannot create "${over}.zst": its name is longer than the file system allows\n`,
  );
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('.partial')),
    [],
  );
});

/**
 * Compresses `name` (`data`) with `args`, sends SIGINT after `afterMs`; asserts exit 130 within
 * `withinMs` and no partial or final file; returns stderr.
 */
async function interrupted(name: string, data: Buffer, args: string[], afterMs: number, withinMs: number) {
  const input = path.join(dir, name);
  fs.writeFileSync(input, data);
  const child = spawn(process.execPath, [cli, 'compress', input, ...args], { cwd: dir });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  const sent = performance.now();
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.ok(performance.now() - sent < withinMs, 'exits promptly');
  assert.equal(code, 130, stderr);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith(`.${name}`) || f.startsWith(`${name}.zst`)),
    [],
  );
  return stderr;
}

test('Ctrl-C stops a job, exits 130 and leaves no partial file', async () => {
  const stderr = await interrupted('interrupt.bin', sampleData(48 << 20, 6), ['-l', '19', '-c', '4M'], 700, 1500);
  assert.match(stderr, /interrupt\.bin: Cancelled/);
});

test("-T 1 runs in the CLI's own thread and writes the same bytes as two workers", () => {
  const input = path.join(dir, 'lanes.txt');
  fs.writeFileSync(input, sampleData(3_000_000, 8));
  const archives = ['1', '2'].map((threads) => {
    const output = path.join(dir, `lanes-T${threads}.zst`);
    const run = chunkpress(['compress', input, '-c', '256K', '-T', threads, '-o', output]);
    assert.equal(run.status, 0, run.stderr.toString());
    return fs.readFileSync(output);
  });
  assert.ok(archives[0].equals(archives[1]));
  assert.ok(
    execFileSync('zstd', ['-dc', path.join(dir, 'lanes-T1.zst')], { maxBuffer: 8 << 20 }).equals(
      fs.readFileSync(input),
    ),
  );
});

test("Ctrl-C stops a job running in the CLI's own thread within one chunk", async () => {
  // About 1.7 s of work at level 9 in 4 MiB chunks, each well under 200 ms.
  await interrupted('interrupt-host.bin', sampleData(96 << 20, 9), ['-l', '9', '-c', '4M', '-T', '1'], 400, 1000);
});

/** Runs the CLI with `stdio`; resolves its exit status, stderr, and the ms from `since()` to its exit. */
function started(args: string[], stdio: Array<'pipe' | 'ignore' | number>) {
  const child = spawn(process.execPath, [cli, ...args], { cwd: dir, stdio });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdin?.on('error', () => undefined); // the CLI may stop reading before all is written
  let mark = 0;
  const exited = new Promise<{ code: number | null; stderr: string; afterMark: number }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr, afterMark: performance.now() - mark })),
  );
  return { child, exited, since: () => (mark = performance.now()) };
}

test(
  'a reader that goes away (| head): the job stops as by SIGPIPE, 141, silently, stdin still open',
  { timeout: 20_000 },
  async () => {
    const run = started(['compress', '-', '-c', '64K'], ['pipe', 'pipe', 'pipe']);
    // Incompressible input, so that there is more output than a pipe holds; stdin is never ended.
    run.child.stdin!.write(randomBytes(4 << 20));
    await new Promise((resolve) => run.child.stdout!.once('data', resolve));
    run.since();
    run.child.stdout!.destroy();
    const { code, stderr, afterMark } = await run.exited;
    assert.equal(code, 141);
    assert.equal(stderr, '');
    assert.ok(afterMark < 1000, `took ${afterMark.toFixed(0)} ms`);
  },
);

test('stderr going away mid-job (-v | head) cancels it: no archive, no partial file', { timeout: 20_000 }, async () => {
  const input = path.join(dir, 'verbose.bin');
  fs.writeFileSync(input, sampleData(24 << 20, 13));
  const run = started(['compress', input, '-v', '-c', '256K', '-l', '9'], ['ignore', 'ignore', 'pipe']);
  await new Promise((resolve) => run.child.stderr!.once('data', resolve));
  run.child.stderr!.destroy();
  const { code } = await run.exited;
  assert.equal(code, 141);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('verbose.bin.')),
    [],
  );
});

test(
  'a full stdout (/dev/full): a message naming it and status 1, for compress, decompress and inspect',
  { timeout: 20_000 },
  async () => {
    const input = path.join(dir, 'full.txt');
    fs.writeFileSync(input, sampleData(300_000, 14));
    assert.equal(chunkpress(['compress', input, '-c', '64K']).status, 0);
    const full = fs.openSync('/dev/full', 'w');
    try {
      const noSpace = 'No space left on the device while writing "stdout"';
      for (const [args, line] of [
        [['compress', input, '-o', '-'], `chunkpress: ${input}: ${noSpace}\n`],
        [['decompress', `${input}.zst`, '-o', '-'], `chunkpress: ${noSpace}\n`],
        [['inspect', `${input}.zst`], `chunkpress: ${noSpace}\n`],
      ] as const) {
        const { code, stderr } = await started([...args], ['ignore', full, 'pipe']).exited;
        assert.equal(code, 1, args.join(' '));
        assert.equal(stderr, line);
      }
    } finally {
      fs.closeSync(full);
    }
  },
);

test('SIGTERM while stdin has nothing to give: exits 130 at once, no partial file', { timeout: 20_000 }, async () => {
  const run = started(['compress', '-', '-o', 'stalled-stdin.zst', '-c', '64K'], ['pipe', 'ignore', 'pipe']);
  run.child.stdin!.write(sampleData(100_000, 15)); // one chunk and a bit; then the writer stalls
  await new Promise((resolve) => setTimeout(resolve, 500));
  run.since();
  run.child.kill('SIGTERM');
  const { code, stderr, afterMark } = await run.exited;
  assert.equal(code, 130, stderr);
  assert.equal(stderr, 'chunkpress: stdin: Cancelled\n');
  assert.ok(afterMark < 1000, `took ${afterMark.toFixed(0)} ms`);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('stalled-stdin')),
    [],
  );
  run.child.stdin!.destroy();
});

test('dist/cli.js runs as a program, with the V8 flags its shebang gives it', () => {
  // A preloaded script reports the process's own flags: what `chunkpress` gets when run as a program.
  const probe = path.join(dir, 'exec-argv-probe.js');
  fs.writeFileSync(probe, "process.stderr.write('execArgv ' + JSON.stringify(process.execArgv) + '\\n');\n");
  const run = spawnSync(cli, ['--version'], { env: { ...process.env, NODE_OPTIONS: `--require ${probe}` } });
  assert.equal(run.status, 0, run.stderr.toString());
  assert.match(run.stdout.toString(), /^chunkpress /);
  assert.equal(run.stderr.toString(), `execArgv ${JSON.stringify(JOB_V8_FLAGS)}\n`);
  assert.deepEqual(JOB_V8_FLAGS, ['--max-semi-space-size=2']);
});

test("each command keeps a V8 code cache of the CLI's bundle in the user's cache folder", () => {
  const home = path.join(dir, 'cache-home');
  const env = { ...process.env, XDG_CACHE_HOME: home };
  const input = path.join(dir, 'cached.txt');
  fs.writeFileSync(input, sampleData(200_000, 9));
  assert.equal(spawnSync(cli, ['compress', '-q', '-f', input], { env }).status, 0);
  const inspect = (): string => {
    const run = spawnSync(cli, ['inspect', `${input}.zst`], { env });
    assert.equal(run.status, 0, run.stderr.toString());
    return run.stdout.toString();
  };
  const expected = inspect();
  assert.match(expected, /Chunkpress archive, seekable/);
  const folder = path.join(home, 'chunkpress');
  assert.equal(fs.statSync(folder).mode & 0o777, 0o700);
  const caches = fs.readdirSync(folder).sort();
  assert.deepEqual(
    caches.map((f) => /^cli-.*-(\w+)\.v8cache$/.exec(f)?.[1]),
    ['compress', 'inspect'],
  );
  const inspectCache = path.join(folder, caches[1]);
  assert.equal(fs.statSync(inspectCache).mode & 0o777, 0o600);
  const written = fs.readFileSync(inspectCache);
  assert.ok(written.length > 10_000, `${written.length} bytes`);

  // Read, not written again.
  const before = fs.statSync(inspectCache).mtimeMs;
  assert.equal(inspect(), expected);
  assert.equal(fs.statSync(inspectCache).mtimeMs, before);

  // A damaged cache is refused by V8 and replaced; one of another build goes.
  const damaged = Buffer.alloc(written.length, 0x5a);
  fs.writeFileSync(inspectCache, damaged);
  const stale = path.join(folder, 'cli-1-2-0.0.0-x64-cat.v8cache');
  fs.writeFileSync(stale, 'stale');
  assert.equal(inspect(), expected);
  const rewritten = fs.readFileSync(inspectCache);
  assert.ok(!rewritten.equals(damaged) && rewritten.length > 10_000, 'the damaged cache was not written anew');
  assert.equal(fs.existsSync(stale), false);

  // No cache folder it may use: the same output, nothing written.
  const relative = spawnSync(cli, ['inspect', `${input}.zst`], {
    env: { ...process.env, XDG_CACHE_HOME: 'rel', HOME: '' },
    cwd: dir,
  });
  assert.equal(relative.stdout.toString(), expected);
  assert.equal(fs.existsSync(path.join(dir, 'rel')), false);
});

test('-V and --version print the versions of chunkpress, of its zstd and of what deflates BGZF', () => {
  const version = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string })
    .version;
  for (const args of [['-V'], ['--version'], ['compress', '-V']]) {
    const run = chunkpress(args);
    assert.equal(run.status, 0, run.stderr.toString());
    const line = run.stdout.toString();
    assert.match(
      line,
      new RegExp(`^chunkpress ${version.replace(/\./g, '\\.')}, zstd 1\\.\\d+\\.\\d+, BGZF by libdeflate 1\\.\\d+\\n$`),
    );
  }
});
