/**
 * Interrupted compressions resume (issue: resume interrupted jobs). The CLI is killed with SIGKILL
 * at seeded points, given by how many frames its journal holds; `--resume` then finishes the job,
 * and the archive is byte for byte the one an uninterrupted run makes (zstd, one gzip member,
 * BGZF), which zstd -t / gzip -t accept. A source changed since is refused, naming the chunk and
 * its bytes; torn tails, journals ahead of or behind their file, future or damaged journals, and a
 * full disk are each handled with a clear message and nothing lost.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { compress } from '../../server/src/engine/compression/compress';
import type { ChunkpressError } from '../../server/src/engine/errors';
import { readJournal } from '../../server/src/engine/io/journalFile';
import type { SystemInfo } from '../../server/src/engine/io/system';
import { repoRoot, sampleData, tempDir, testPool, withSmallTmpfs } from '../helpers';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const dir = tempDir('chunkpress-resume-');
const pool = testPool(2);
after(async () => {
  await pool.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const twoCores: SystemInfo = { cores: 2, availableMemory: 8 << 30, freeSpace: async () => undefined };
const env = { ...process.env, NODE_EXTRA_CA_CERTS: '' };

const source = path.join(dir, 'big.log');
// Text-like data at a slow level, in small chunks: a run takes about a second, of many frames.
fs.writeFileSync(source, sampleData(12 << 20, 7));
const CHUNK = '256K';
const CHUNKS = 48;

const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, env, maxBuffer: 1 << 26 });

const journals = (): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.journal'));
const partials = (): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.partial'));

/** Frames a journal lists (its lines less the header; a torn one does not count). */
function framesIn(file: string): number {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').length - 2;
  } catch {
    return 0;
  }
}

/** Starts the CLI and kills it with SIGKILL once its journal lists `frames` frames. */
async function killAt(args: string[], frames: number): Promise<void> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: dir, env, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  while (!ended) {
    const journal = journals()[0];
    if (journal && framesIn(path.join(dir, journal)) >= frames) {
      child.kill('SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const code = await exited;
  assert.equal(code, null, `killed before it ended (${frames} frames)`);
}

/** A seeded generator (an LCG), so that the kill points are the same on every run. */
function points(seed: number, count: number, below: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return 1 + (state % (below - 1));
  });
}

const FORMATS: Array<{ name: string; args: string[]; suffix: string; check: string[] }> = [
  { name: 'zstd', args: ['-l', '12'], suffix: '.zst', check: ['zstd', '-t', '-q'] },
  { name: 'gzip, one member', args: ['--format', 'gzip', '-l', '9'], suffix: '.gz', check: ['gzip', '-t'] },
  { name: 'gzip, BGZF', args: ['--gzip-layout', 'bgzf', '-l', '9', '--gzi'], suffix: '.gz', check: ['bgzip', '-t'] },
];

for (const [f, format] of FORMATS.entries()) {
  // 20 kill points in all, seeded and named in the test's title.
  const kills = points(1000 + f, f === 0 ? 8 : 6, CHUNKS);
  test(`kill -9 at frames ${kills.join(', ')} (${format.name}), then --resume: the archive an uninterrupted run makes`, async () => {
    const reference = path.join(dir, `reference-${f}${format.suffix}`);
    const target = path.join(dir, `big.log${format.suffix}`);
    const common = ['compress', '-q', '-c', CHUNK, ...format.args, 'big.log'];
    let r = run([...common, '-o', reference]);
    assert.equal(r.status, 0, r.stderr.toString());
    const expected = fs.readFileSync(reference);
    for (const at of kills) {
      await killAt(common, at);
      assert.equal(journals().length, 1, `a journal beside the partial archive (${at})`);
      assert.ok(!fs.existsSync(target), 'nothing under the final name');
      // Without --resume: stopped, saying how far it got and what to type.
      r = run(common);
      assert.equal(r.status, 1);
      assert.match(
        r.stderr.toString(),
        /was interrupted at \d+% \(\d+ of 4[89] chunks\), just now: --resume goes on from there, --discard starts over\n$/,
      );
      r = run([...common, '--resume']);
      assert.equal(r.status, 0, `resume after ${at}: ${r.stderr.toString()}`);
      assert.ok(fs.readFileSync(target).equals(expected), `resumed after ${at} frames: the same bytes`);
      assert.equal(spawnSync(format.check[0], [...format.check.slice(1), target]).status, 0);
      if (format.args.includes('--gzi'))
        assert.ok(fs.readFileSync(`${target}.gzi`).equals(fs.readFileSync(`${reference}.gzi`)), 'the same .gzi');
      assert.deepEqual([...journals(), ...partials()], [], 'nothing left behind');
      fs.rmSync(target);
      fs.rmSync(`${target}.gzi`, { force: true });
    }
  });
}

/** Kills a zstd job halfway, for the tests below. */
async function interrupted(at = 20): Promise<{ journal: string; partial: string }> {
  for (const f of [...journals(), ...partials()]) fs.rmSync(path.join(dir, f));
  await killAt(['compress', '-q', '-c', CHUNK, '-l', '12', 'big.log'], at);
  const journal = path.join(dir, journals()[0]);
  return { journal, partial: journal.replace(/\.journal$/, '.partial') };
}

test('a source changed since is refused, naming the chunk and its bytes; --discard starts over', async () => {
  const original = fs.readFileSync(source);
  const cases: Array<[string, (data: Buffer) => Buffer, RegExp]> = [
    [
      'one byte in a completed chunk',
      (d) => {
        const c = Buffer.from(d);
        c[5 * (256 << 10) + 17] ^= 1;
        return c;
      },
      /"[^"]*big\.log" changed since the job was interrupted: chunk 5 \(bytes 1310720\.\.1572863\) is not what was compressed then/,
    ],
    [
      'truncated',
      (d) => d.subarray(0, 3 * (256 << 10) + 100),
      /"[^"]*big\.log" changed since the job was interrupted: it now ends at byte 786532, inside chunk 3 \(bytes 786432\.\.1048575\)/,
    ],
  ];
  for (const [what, change, message] of cases) {
    const { partial } = await interrupted();
    const before = fs.readFileSync(partial);
    fs.writeFileSync(source, change(original));
    const r = run(['compress', '-q', '-c', CHUNK, '-l', '12', '--resume', 'big.log']);
    assert.equal(r.status, 1, what);
    assert.match(r.stderr.toString(), message, what);
    assert.ok(fs.readFileSync(partial).equals(before), `${what}: the partial archive is left as it was`);
    assert.ok(!fs.existsSync(path.join(dir, 'big.log.zst')));
    // Start over: the changed file compresses whole, and the interrupted job is gone.
    const over = run(['compress', '-q', '-c', CHUNK, '-l', '12', '--discard', 'big.log']);
    assert.equal(over.status, 0, over.stderr.toString());
    assert.deepEqual([...journals(), ...partials()], []);
    assert.ok(
      spawnSync('zstd', ['-dc', path.join(dir, 'big.log.zst')], { maxBuffer: 1 << 26 }).stdout.equals(change(original)),
    );
    fs.rmSync(path.join(dir, 'big.log.zst'));
    fs.writeFileSync(source, original);
  }
  // Appended to: the completed chunks are the same, so the job goes on and takes in the rest.
  const { partial } = await interrupted();
  assert.ok(fs.existsSync(partial));
  const grown = Buffer.concat([original, sampleData(300_000, 99)]);
  fs.writeFileSync(source, grown);
  const r = run(['compress', '-q', '-c', CHUNK, '-l', '12', '--resume', 'big.log']);
  assert.equal(r.status, 0, r.stderr.toString());
  const whole = run(['compress', '-q', '-c', CHUNK, '-l', '12', 'big.log', '-o', 'grown-reference.zst']);
  assert.equal(whole.status, 0);
  assert.ok(
    fs.readFileSync(path.join(dir, 'big.log.zst')).equals(fs.readFileSync(path.join(dir, 'grown-reference.zst'))),
  );
  fs.rmSync(path.join(dir, 'big.log.zst'));
  fs.writeFileSync(source, original);
});

test('torn tails: a partial frame, garbage after the last frame, a journal ahead of or behind its file', async () => {
  const reference = path.join(dir, 'torn-reference.zst');
  assert.equal(run(['compress', '-q', '-c', CHUNK, '-l', '12', 'big.log', '-o', reference]).status, 0);
  const expected = fs.readFileSync(reference);
  const damages: Array<[string, (journal: string, partial: string) => void, RegExp | undefined]> = [
    ['a partial last frame', (_j, p) => fs.truncateSync(p, fs.statSync(p).size - 1000), undefined],
    ['garbage after the last frame', (_j, p) => fs.appendFileSync(p, Buffer.alloc(5000, 0xab)), undefined],
    [
      'a journal ahead of its file (its last frames never reached the disk)',
      (j, p) => {
        const { frames } = readJournalSync(j);
        fs.truncateSync(p, frames[frames.length - 3].offset);
      },
      /3 chunks at the end of the partial archive did not check out, and were made again/,
    ],
    [
      'a journal behind its file (frames written, not yet journalled)',
      (j) => {
        const lines = fs.readFileSync(j, 'utf8').split('\n');
        fs.writeFileSync(j, `${lines.slice(0, -4).join('\n')}\n`);
      },
      undefined,
    ],
    ['a torn journal line', (j) => fs.appendFileSync(j, '{"frame":{"index":'), undefined],
  ];
  for (const [what, damage, warning] of damages) {
    const { journal, partial } = await interrupted(24);
    damage(journal, partial);
    const r = run(['compress', '-c', CHUNK, '-l', '12', '--resume', 'big.log']);
    assert.equal(r.status, 0, `${what}: ${r.stderr.toString()}`);
    if (warning) assert.match(r.stderr.toString(), warning, what);
    assert.match(r.stderr.toString(), /48 chunks \(resumed after \d+\)/, what);
    assert.ok(fs.readFileSync(path.join(dir, 'big.log.zst')).equals(expected), `${what}: the same bytes`);
    fs.rmSync(path.join(dir, 'big.log.zst'));
  }
});

function readJournalSync(file: string): { frames: Array<{ offset: number }> } {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').slice(1);
  return { frames: lines.map((l) => (JSON.parse(l) as { frame: { offset: number } }).frame) };
}

test('a journal from a future version, or one that does not parse: a clear message, nothing lost', async () => {
  for (const [what, edit, message] of [
    [
      'a future version',
      (text: string) => text.replace('"version":1', '"version":7'),
      /it was written by a newer Chunkpress \(journal version 7; this one reads 1\)/,
    ],
    ['damage in the middle', (text: string) => text.replace('"frame"', '"fr#me'), /line 2 is not JSON/],
  ] as const) {
    const { journal, partial } = await interrupted();
    fs.writeFileSync(journal, edit(fs.readFileSync(journal, 'utf8')));
    const before = fs.readFileSync(partial);
    let r = run(['compress', '-q', '-c', CHUNK, '-l', '12', '--resume', 'big.log']);
    assert.equal(r.status, 1, what);
    assert.match(r.stderr.toString(), message, what);
    assert.match(r.stderr.toString(), /--discard removes it/, what);
    assert.ok(fs.readFileSync(partial).equals(before), `${what}: the partial archive is kept`);
    r = run(['status']);
    assert.match(r.stdout.toString(), /journal cannot be read/, what);
    r = run(['compress', '-q', '-c', CHUNK, '-l', '12', '--discard', 'big.log']);
    assert.equal(r.status, 0);
    assert.deepEqual([...journals(), ...partials()], []);
    fs.rmSync(path.join(dir, 'big.log.zst'));
  }
  await assert.rejects(readJournal(path.join(dir, 'nope.journal')), { code: 'ENOENT' });
});

test('status lists interrupted jobs with their progress and age; cancel leaves no journal', async () => {
  await interrupted(12);
  const r = run(['status', '--json']);
  const [job] = r.stdout
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { target: string; chunksDone: number; totalChunks: number; source: string });
  assert.equal(job.target, path.join(dir, 'big.log.zst'));
  assert.equal(job.source, source);
  assert.equal(job.totalChunks, 48);
  assert.ok(job.chunksDone >= 12 && job.chunksDone < 48);
  assert.match(
    run(['status', dir]).stdout.toString(),
    /big\.log\.zst from .*big\.log: interrupted at \d+% \(\d+ of 48 chunks\), just now, [\d.]+ [KM]iB written/,
  );
  assert.equal(run(['compress', '-q', '--discard', '-c', CHUNK, 'big.log']).status, 0);
  fs.rmSync(path.join(dir, 'big.log.zst'));
  assert.equal(run(['status']).stdout.toString(), 'No interrupted jobs in .\n');
  // Cancel means "I do not want it": everything goes.
  const controller = new AbortController();
  await assert.rejects(
    compress({
      input: { kind: 'file', path: source },
      output: { kind: 'file', path: path.join(dir, 'big.log.zst'), overwrite: false },
      options: { chunkSize: 256 << 10, level: 12 },
      pool,
      system: twoCores,
      signal: controller.signal,
      listener: { onChunk: (c) => c.index === 3 && controller.abort() },
    }),
    (err: ChunkpressError) => err.code === 'ECANCELED',
  );
  assert.deepEqual([...journals(), ...partials()], []);
});

test('a full disk keeps what is done; once there is room, --resume finishes it', async (t) => {
  await withSmallTmpfs(t, '1m', 'cannot mount a small tmpfs here (needs root)', async (mount) => {
    const input = path.join(dir, 'random.bin');
    // Random bytes do not compress: 3 MiB cannot fit in 1 MiB.
    fs.writeFileSync(input, (await import('node:crypto')).randomBytes(3 << 20));
    const target = path.join(mount, 'random.bin.zst');
    const job = (resume?: 'resume') =>
      compress({
        input: { kind: 'file', path: input },
        output: { kind: 'file', path: target, overwrite: false },
        options: { chunkSize: 256 << 10, level: 1 },
        pool,
        system: twoCores,
        resume,
      });
    await assert.rejects(
      job(),
      (err: ChunkpressError) =>
        err.code === 'ENOSPC' &&
        err.message ===
          `No space left on the device while writing "${target}"; what is done is kept, and the job can be resumed once there is room`,
    );
    const kept = fs.readdirSync(mount);
    assert.equal(kept.filter((f) => f.endsWith('.partial')).length, 1);
    assert.equal(kept.filter((f) => f.endsWith('.journal')).length, 1);
    assert.equal(spawnSync('mount', ['-o', 'remount,size=16m', mount]).status, 0, 'the tmpfs grows');
    const result = await job('resume');
    assert.ok((result.resumedChunks ?? 0) > 0, 'frames were kept');
    const reference = path.join(dir, 'random-reference.zst');
    await compress({
      input: { kind: 'file', path: input },
      output: { kind: 'file', path: reference, overwrite: true },
      options: { chunkSize: 256 << 10, level: 1 },
      pool,
      system: twoCores,
    });
    assert.ok(fs.readFileSync(target).equals(fs.readFileSync(reference)));
    assert.deepEqual(fs.readdirSync(mount), ['random.bin.zst']);
  });
});

// ---- Folders ----

const tree = path.join(dir, 'proj');
fs.mkdirSync(path.join(tree, 'src', 'deep'), { recursive: true });
for (let i = 0; i < 24; i++)
  fs.writeFileSync(path.join(tree, 'src', `f${String(i).padStart(2, '0')}.txt`), sampleData(180_000 + i * 777, 40 + i));
fs.writeFileSync(path.join(tree, 'src', 'deep', 'big.bin'), sampleData(3 << 20, 90));
fs.writeFileSync(path.join(tree, 'README'), 'a folder compressed, killed and resumed\n');
fs.symlinkSync('README', path.join(tree, 'link'));

const TREE_FORMATS: Array<{ name: string; args: string[]; suffix: string; list: string[] }> = [
  { name: 'tar.zst', args: ['-l', '12'], suffix: '.tar.zst', list: ['tar', '--zstd', '-tf'] },
  { name: 'tar.gz, one member', args: ['--format', 'gzip', '-l', '9'], suffix: '.tar.gz', list: ['tar', '-tzf'] },
];

for (const [f, format] of TREE_FORMATS.entries()) {
  const kills = points(2000 + f, f === 0 ? 6 : 4, 30);
  test(`a folder: kill -9 at frames ${kills.join(', ')} (${format.name}), then --resume: the uninterrupted archive`, async () => {
    const common = ['compress', '-q', '-c', CHUNK, ...format.args, 'proj'];
    const reference = path.join(dir, `proj-reference${format.suffix}`);
    const target = path.join(dir, `proj${format.suffix}`);
    let r = run([...common, '-o', reference]);
    assert.equal(r.status, 0, r.stderr.toString());
    const expected = fs.readFileSync(reference);
    for (const at of kills) {
      await killAt(common, at);
      r = run(common);
      assert.equal(r.status, 1);
      assert.match(
        r.stderr.toString(),
        /was interrupted (at \d+% \(\d+ of \d+ chunks\)|after \d+ chunks), just now: --resume/,
      );
      r = run([...common, '--resume']);
      assert.equal(r.status, 0, `resume after ${at}: ${r.stderr.toString()}`);
      assert.ok(fs.readFileSync(target).equals(expected), `resumed after ${at} frames: the same bytes`);
      assert.equal(spawnSync(format.list[0], [...format.list.slice(1), target]).status, 0);
      assert.deepEqual([...journals(), ...partials()], [], 'nothing left behind');
      fs.rmSync(target);
    }
  });
}

test('a folder changed since (a member modified, added, removed): refused naming the frame, kept, --discard starts over', async () => {
  const common = ['compress', '-q', '-c', CHUNK, '-l', '12', 'proj'];
  // README is in the first frame, which the job had done.
  const first = path.join(tree, 'README');
  const original = fs.readFileSync(first);
  const changes: Array<[string, () => void, () => void]> = [
    [
      'modified',
      () => fs.writeFileSync(first, Buffer.concat([original.subarray(0, 10), Buffer.from('X'), original.subarray(11)])),
      () => fs.writeFileSync(first, original),
    ],
    ['added', () => fs.writeFileSync(path.join(tree, 'A-new'), 'new\n'), () => fs.rmSync(path.join(tree, 'A-new'))],
    ['removed', () => fs.rmSync(first), () => fs.writeFileSync(first, original)],
  ];
  for (const [what, change, undo] of changes) {
    for (const f of [...journals(), ...partials()]) fs.rmSync(path.join(dir, f));
    await killAt(common, 12);
    const partial = path.join(dir, partials()[0]);
    change();
    let r = run([...common, '--resume']);
    assert.equal(r.status, 1, what);
    assert.match(
      r.stderr.toString(),
      /"[^"]*proj" changed since the job was interrupted: frame \d+ \(tar bytes \d+\.\.\d+, proj[^)]*\) is not what was compressed then \(--discard starts over\)/,
      what,
    );
    assert.ok(fs.existsSync(partial), `${what}: the partial archive is kept`);
    assert.ok(!fs.existsSync(path.join(dir, 'proj.tar.zst')));
    r = run([...common, '--discard']);
    assert.equal(r.status, 0, r.stderr.toString());
    assert.deepEqual([...journals(), ...partials()], []);
    fs.rmSync(path.join(dir, 'proj.tar.zst'));
    undo();
  }
});
