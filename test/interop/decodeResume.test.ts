/**
 * Interrupted decompressions and extractions resume (issue: resume interrupted jobs). The CLI is
 * killed with SIGKILL at seeded points; `--resume` then finishes the job, checking what was
 * already written against the archive (frames by their checksums, files by their SHA-256 or their
 * decoded bytes) instead of trusting it, and the result is the one an uninterrupted run gives (and
 * tar's, for an extraction). A damaged frame or file written before is made again; an archive
 * changed since is refused; --discard removes what the job made and nothing else.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { compress } from '../../server/src/engine/compression/compress';
import { decode } from '../../server/src/engine/decoding/decompress';
import type { ChunkpressError } from '../../server/src/engine/errors';
import { discardInterrupted, interruptedJobAt } from '../../server/src/engine/io/interruptedJobs';
import { readJournal } from '../../server/src/engine/io/journalFile';
import { repoRoot, sampleData, tempDir, testPool, treeSnapshot, withSmallTmpfs } from '../helpers';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const dir = tempDir('chunkpress-decode-resume-');
const pool = testPool(2);
after(async () => {
  await pool.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const env = { ...process.env, NODE_EXTRA_CA_CERTS: '' };
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, env, maxBuffer: 1 << 26 });
const journalsIn = (folder: string): string[] => fs.readdirSync(folder).filter((f) => f.endsWith('.journal'));
const hidden = (folder: string): string[] => fs.readdirSync(folder).filter((f) => f.startsWith('.'));

/** A seeded generator (an LCG), so that the kill points are the same on every run. */
function points(seed: number, count: number, below: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return 1 + (state % (below - 1));
  });
}

/** Starts the CLI and kills it with SIGKILL once `ready()` says so; returns whether it was still running. */
async function killWhen(args: string[], ready: () => boolean): Promise<boolean> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: dir, env, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  while (!ended) {
    if (ready()) {
      child.kill('SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return (await exited) === null;
}

/**
 * Kills a decompression into `output` once its journal records `frames` frames, and runs it again
 * if it outran the kill. The journal records a frame once its bytes are durable, so where an fsync
 * stalls it trails the writes, sometimes by the rest of the job, which then renames its output into
 * place before the kill lands: that run interrupted nothing, and leaves only a stale journal.
 */
async function killDecodeAt(args: string[], frames: number, output: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const killed = await killWhen(args, () => {
      const journal = journalsIn(dir)[0];
      return journal !== undefined && decoded(path.join(dir, journal)) >= frames;
    });
    assert.ok(killed, `killed before it ended (${frames} frames)`);
    if (!fs.existsSync(output)) return;
    assert.ok(attempt < 5, `the decompression ended before the kill ${attempt} times`);
    fs.rmSync(output);
    for (const journal of journalsIn(dir)) fs.rmSync(path.join(dir, journal));
  }
}

// ---- Decompression to a file ----

const source = path.join(dir, 'big.log');
// 96 frames of 512 KiB, decoded on one thread: a run lasts long enough to be killed at any frame.
fs.writeFileSync(source, sampleData(48 << 20, 11));
const archive = path.join(dir, 'big.log.zst');
const FRAMES = 96;
const decoded = (file: string): number => {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').length - 2;
  } catch {
    return 0;
  }
};

test('setup: the archive to decode', async () => {
  await compress({
    input: { kind: 'file', path: source },
    output: { kind: 'file', path: archive, overwrite: true },
    options: { chunkSize: 512 << 10, level: 1 },
    pool,
  });
});

const kills = points(77, 6, FRAMES / 2);
test(`decompress killed at frames ${kills.join(', ')}, then --resume: the content, with what was written checked`, async () => {
  const target = path.join(dir, 'big.log');
  const expected = fs.readFileSync(source);
  fs.renameSync(source, `${source}.orig`);
  try {
    for (const at of kills) {
      await killDecodeAt(['decompress', '-q', '-T', '1', 'big.log.zst'], at, target);
      assert.ok(!fs.existsSync(target), 'nothing under the final name');
      assert.equal(journalsIn(dir).length, 1, 'a journal beside the partial output');
      let r = run(['decompress', 'big.log.zst']);
      assert.equal(r.status, 1);
      assert.match(
        r.stderr.toString(),
        /"\/.*\/big\.log" was interrupted at \d+% \(\d+ of 96 frames\), just now: --resume goes on from there, --discard starts over\n$/,
      );
      r = run(['status', '.']);
      assert.match(
        r.stdout.toString(),
        /big\.log from \/.*\/big\.log\.zst: interrupted at \d+% \(\d+ of 96 frames\), just now, .* written\n/,
      );
      r = run(['decompress', '--json', 'big.log.zst', '--resume']);
      assert.equal(r.status, 0, r.stderr.toString());
      const result = JSON.parse(r.stdout.toString()) as { resumedFrames: number; bytesOut: number };
      assert.ok(result.resumedFrames >= at, `at least the ${at} frames journalled were kept (${result.resumedFrames})`);
      assert.ok(fs.readFileSync(target).equals(expected), `resumed after ${at} frames: the same content`);
      assert.deepEqual(hidden(dir), [], 'no partial file or journal left');
      fs.rmSync(target);
    }
  } finally {
    fs.renameSync(`${source}.orig`, source);
  }
});

/** A decompression killed a third of the way, its partial output and journal. */
async function interruptedDecode(output: string): Promise<{ journal: string; partial: string }> {
  await killDecodeAt(
    ['decompress', '-q', '-T', '1', 'big.log.zst', '-o', output],
    FRAMES / 3,
    path.resolve(dir, output),
  );
  const journal = path.join(dir, journalsIn(dir)[0]);
  return { journal, partial: journal.replace(/\.journal$/, '.partial') };
}

test('a frame the partial file holds wrongly is decoded again; one the journal does not list is never trusted', async () => {
  const { partial } = await interruptedDecode('out.log');
  // Frame 3 was written; its bytes are damaged since (a torn write, a disk error).
  const fd = fs.openSync(partial, 'r+');
  fs.writeSync(fd, Buffer.from('DAMAGED'), 0, 7, 3 * (512 << 10) + 100);
  fs.closeSync(fd);
  const r = run(['decompress', 'big.log.zst', '-o', 'out.log', '--resume']);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.match(
    r.stderr.toString(),
    /warning: 1 frame the interrupted job had written did not check out against the archive, and were decoded again/,
  );
  assert.ok(fs.readFileSync(path.join(dir, 'out.log')).equals(fs.readFileSync(source)));
  fs.rmSync(path.join(dir, 'out.log'));
});

test('an archive changed since is refused, keeping what was written; --discard starts over', async () => {
  const { journal, partial } = await interruptedDecode('out.log');
  const copy = path.join(dir, 'big.log.zst.copy');
  fs.copyFileSync(archive, copy);
  const when = new Date(Date.now() + 5_000);
  fs.utimesSync(archive, when, when);
  try {
    let r = run(['decompress', 'big.log.zst', '-o', 'out.log', '--resume']);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr.toString(),
      /"big\.log\.zst" changed since its decompression into "\/.*\/out\.log" was interrupted \(its modification time or inode differ\)/,
    );
    assert.ok(fs.existsSync(journal) && fs.existsSync(partial), 'what was written stays');
    r = run(['decompress', 'big.log.zst', '-o', 'out.log', '--discard']);
    assert.equal(r.status, 0, r.stderr.toString());
    assert.ok(fs.readFileSync(path.join(dir, 'out.log')).equals(fs.readFileSync(source)));
    assert.deepEqual(hidden(dir), []);
  } finally {
    fs.rmSync(path.join(dir, 'out.log'), { force: true });
    fs.renameSync(copy, archive);
  }
});

/**
 * The journal an interrupted decompression of `archive` into `target` would have left beside its
 * `partial` file, listing the frames `decoded` (its process long gone).
 */
function plantDecodeJournal(archive: string, target: string, partial: string, frames: number, decoded: number[]): void {
  const stat = fs.statSync(archive);
  const header = {
    journal: 'chunkpress-journal',
    version: 1,
    job: 'decompress',
    target,
    partial,
    startedAt: Date.now(),
    pid: 999_999_999,
    source: { path: archive, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, dev: stat.dev },
    totalChunks: frames,
  };
  const lines = [header, ...decoded.map((i) => ({ decoded: i }))];
  fs.writeFileSync(partial.replace(/\.partial$/, '.journal'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

test('frames with no checksum to check them by are decoded again (pzstd): the content is still right', async () => {
  const pz = path.join(dir, 'pz.zst');
  execFileSync('pzstd', ['-q', '-p', '2', '-1', source, '-o', pz]);
  const target = path.join(dir, 'pz');
  // Its journal says every frame is written, and the partial file is garbage: none is believed.
  const partial = path.join(dir, '.pz.0badf00d.partial');
  fs.writeFileSync(partial, Buffer.alloc(1 << 20, 0x41));
  plantDecodeJournal(pz, target, partial, 4, [0, 1, 2, 3]);
  const result = await decode({
    input: pz,
    output: { kind: 'file', path: target, overwrite: false },
    pool,
    resume: 'resume',
  });
  assert.equal(result.resumedFrames, 0);
  assert.ok(fs.readFileSync(target).equals(fs.readFileSync(source)));
  assert.deepEqual(hidden(dir), []);
  fs.rmSync(target);
});

test('a full disk keeps the frames written; once there is room, --resume finishes the file', async (t) => {
  await withSmallTmpfs(t, '8m', 'cannot mount a small tmpfs here (needs root)', async (mount) => {
    const target = path.join(mount, 'big.log');
    // The size check up front is passed by (the free space is not asked): the disk fills up mid-job.
    const job = (resume?: 'resume') =>
      decode({
        input: archive,
        output: { kind: 'file', path: target, overwrite: false },
        pool,
        system: { cores: 2, availableMemory: 8 << 30, freeSpace: async () => undefined },
        resume,
      });
    await assert.rejects(
      job(),
      (err: ChunkpressError) =>
        err.code === 'ENOSPC' &&
        /^No space left on the device while writing ".*big\.log"; what is done is kept, and the job can be resumed once there is room$/.test(
          err.message,
        ),
    );
    assert.equal(journalsIn(mount).length, 1);
    assert.equal(spawnSync('mount', ['-o', 'remount,size=64m', mount]).status, 0, 'the tmpfs grows');
    const result = await job('resume');
    assert.ok((result.resumedFrames ?? 0) > 0, 'frames were kept');
    assert.ok(fs.readFileSync(target).equals(fs.readFileSync(source)));
    assert.deepEqual(fs.readdirSync(mount), ['big.log']);
  });
});

// ---- Extraction ----

const tree = path.join(dir, 'proj');
fs.mkdirSync(path.join(tree, 'empty'), { recursive: true });
for (let d = 0; d < 30; d++) {
  const sub = path.join(tree, `d${String(d).padStart(2, '0')}`);
  fs.mkdirSync(sub);
  for (let i = 0; i < 60; i++)
    fs.writeFileSync(
      path.join(sub, `f${String(i).padStart(2, '0')}.txt`),
      sampleData(8_000 + ((d * 61 + i) % 97) * 300, d * 100 + i),
    );
}
fs.writeFileSync(path.join(tree, 'big.dat'), sampleData(6 << 20, 5)); // spans frames
fs.writeFileSync(path.join(tree, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
fs.writeFileSync(path.join(tree, 'zero'), '');
fs.symlinkSync('big.dat', path.join(tree, 'alias'));
fs.linkSync(path.join(tree, 'run.sh'), path.join(tree, 'run-again.sh'));
const ours = path.join(dir, 'proj.tar.zst');
const gnu = path.join(dir, 'proj-gnu.tar.zst');
const tarTree = tempDir('chunkpress-tar-reference-');
after(() => fs.rmSync(tarTree, { recursive: true, force: true }));

test("setup: our archive and GNU tar's of the same tree, and tar's extraction of it", () => {
  let r = run(['compress', '-q', '-c', '256K', '-l', '1', 'proj', '-o', ours]);
  assert.equal(r.status, 0, r.stderr.toString());
  execFileSync('tar', ['--zstd', '-cf', gnu, 'proj'], { cwd: dir });
  execFileSync('tar', ['-xf', gnu, '-C', tarTree]);
  r = run(['extract', '-q', ours, '-C', 'uninterrupted']);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.deepEqual(treeSnapshot(path.join(dir, 'uninterrupted')), treeSnapshot(tarTree));
});

/** How long an uninterrupted extraction of `file` takes on one thread, in ms (measured once). */
const durations = new Map<string, number>();
function timed(file: string): number {
  if (!durations.has(file)) {
    const out = tempDir('chunkpress-timed-');
    const started = Date.now();
    assert.equal(run(['extract', '-q', '-T', '1', file, '-C', out]).status, 0);
    durations.set(file, Date.now() - started);
    fs.rmSync(out, { recursive: true });
  }
  return durations.get(file)!;
}

/**
 * Extracts `file` into a fresh `x` (holding a file of the user's) and kills it at `fraction` of an
 * uninterrupted run; a run that ends first is tried again sooner. Returns the target folder.
 */
async function killPartWay(file: string, fraction: number): Promise<string> {
  const target = path.join(dir, 'x');
  const took = timed(file);
  for (let delay = fraction * took; delay >= 1; delay /= 2) {
    fs.rmSync(target, { recursive: true, force: true });
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'mine.txt'), 'already here\n');
    const started = Date.now();
    if (await killWhen(['extract', '-q', '-T', '1', file, '-C', 'x'], () => Date.now() - started >= delay))
      return target;
  }
  assert.fail(`could not kill the extraction of ${file} before it ended`);
}

/** The user's file is as it was; the rest is tar's tree. */
function assertTarTree(target: string, what: string): void {
  assert.equal(fs.readFileSync(path.join(target, 'mine.txt'), 'utf8'), 'already here\n', 'what was there stays');
  fs.rmSync(path.join(target, 'mine.txt'));
  assert.deepEqual(treeSnapshot(target), treeSnapshot(tarTree), what);
}

for (const [name, file] of [
  ['ours, in parallel from its index', ours],
  ["GNU tar's, in one pass", gnu],
] as const) {
  const at = points(name.length, 4, 90);
  test(`extraction of ${name} killed at ${at.join(', ')}% of a run, then --resume: tar's tree`, async () => {
    for (const pct of at) {
      const target = await killPartWay(file, pct / 100);
      if (journalsIn(target).length === 0) continue; // killed before its journal: nothing was made
      let r = run(['extract', file, '-C', 'x']);
      assert.equal(r.status, 1);
      assert.match(
        r.stderr.toString(),
        /"\/.*\/x" was interrupted (at \d+% \(\d+ of \d+ files\)|after \d+ files?), just now: --resume goes on/,
      );
      r = run(['status', '.']);
      assert.match(r.stdout.toString(), /\/x \(extracting \/.*\.tar\.zst\): interrupted /);
      r = run(['extract', file, '-C', 'x', '--resume']);
      assert.equal(r.status, 0, r.stderr.toString());
      assert.match(r.stderr.toString(), /resumed: \d+ already extracted kept/);
      assertTarTree(target, `resumed after ${pct}%: tar's tree`);
    }
  });
}

test('a file an interrupted extraction wrote and that was changed since is written again', async () => {
  for (const file of [ours, gnu]) {
    const target = await killPartWay(file, 0.6);
    if (journalsIn(target).length === 0) continue;
    const made = (await readJournal(path.join(target, journalsIn(target)[0]))).made.files;
    const damaged = made
      .map((rel) => path.join(target, rel))
      .find((f) => fs.statSync(f, { throwIfNoEntry: false })?.size);
    if (damaged) fs.writeFileSync(damaged, 'not what the archive holds\n');
    const r = run(['extract', file, '-C', 'x', '--resume']);
    assert.equal(r.status, 0, r.stderr.toString());
    assertTarTree(target, `${file}: the damaged ${damaged} written again`);
  }
});

test('--discard removes what the interrupted extraction made, and only that, then starts over', async () => {
  const target = await killPartWay(ours, 0.5);
  let r = run(['extract', '-q', ours, '-C', 'x', '--discard']);
  assert.equal(r.status, 0, r.stderr.toString());
  assertTarTree(target, 'made anew');
  // A discard on its own (VS Code's Discard): only the user's file is left.
  const again = await killPartWay(ours, 0.5);
  if (journalsIn(again).length === 0) return;
  r = run(['status', '--json', '.']);
  const job = r.stdout
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { job: string; journal: string })
    .find((j) => j.job === 'extract')!;
  await discardInterrupted((await interruptedJobAt(job.journal))!);
  assert.deepEqual(fs.readdirSync(again), ['mine.txt']);
});

test('an archive changed since its extraction was interrupted is refused, and what was made stays', async () => {
  const target = await killPartWay(ours, 0.5);
  if (journalsIn(target).length === 0) return;
  const before = treeSnapshot(target);
  const when = new Date(Date.now() + 5_000);
  const copy = `${ours}.copy`;
  fs.copyFileSync(ours, copy);
  fs.utimesSync(ours, when, when);
  try {
    const r = run(['extract', ours, '-C', 'x', '--resume']);
    assert.equal(r.status, 1);
    assert.match(r.stderr.toString(), /changed since its extraction into "\/.*\/x" was interrupted/);
    assert.deepEqual(treeSnapshot(target), before, 'nothing touched');
  } finally {
    fs.renameSync(copy, ours);
  }
  assert.equal(run(['extract', '-q', ours, '-C', 'x', '--discard']).status, 0);
  assertTarTree(target, 'after the discard');
});

test("a planted journal never has a discard remove what is not its job's: paths out, other folders, partial files elsewhere", async () => {
  const victim = path.join(dir, 'victim.txt');
  const folder = path.join(dir, 'planted');
  fs.mkdirSync(folder, { recursive: true });
  fs.symlinkSync(dir, path.join(folder, 'link'));
  const header = {
    journal: 'chunkpress-journal',
    version: 1,
    startedAt: 1,
    pid: 999_999_999,
    source: { path: ours, size: 1, mtimeMs: 1, ino: 1, dev: 1 },
    totalChunks: 1,
  };
  const extract = {
    ...header,
    job: 'extract',
    target: folder,
    options: { overwrite: 'stop', keepSetuid: false, sameOwner: false },
  };
  const cases: Array<[string, object[], RegExp]> = [
    ['out.extract', [extract, { made: { files: ['../victim.txt'] } }], /are not paths inside the target folder/],
    ['through.extract', [extract, { made: { files: ['link/victim.txt'] } }], /^$/],
    [
      'elsewhere.extract',
      [{ ...extract, target: dir }, { made: { files: ['victim.txt'] } }],
      /is in ".*planted", not in the folder it names/,
    ],
    ['temp.extract', [extract, { made: { temps: [victim] } }], /names a hidden file that is not one of an extraction/],
    [
      'partial',
      [{ ...header, job: 'decompress', target: victim, partial: victim }],
      /names a partial file that is not beside it/,
    ],
  ];
  for (const [name, lines, problem] of cases) {
    fs.writeFileSync(victim, 'keep me\n');
    const journal = path.join(folder, `.${name}.journal`);
    fs.writeFileSync(journal, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    const job = (await interruptedJobAt(journal))!;
    assert.match(job.problem ?? '', problem, name);
    await discardInterrupted(job);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me\n', `${name}: the file outside stays`);
    assert.ok(!fs.existsSync(journal), `${name}: the journal itself goes`);
  }
});

test('BGZF: the runs written are checked block by block against their CRC-32s, a damaged one decoded again', async () => {
  const bgzf = path.join(dir, 'big.log.gz');
  await compress({
    input: { kind: 'file', path: source },
    output: { kind: 'file', path: bgzf, overwrite: true },
    options: { format: 'gzip', gzipLayout: 'bgzf', level: 1 },
    pool,
  });
  const content = fs.readFileSync(source);
  const target = path.join(dir, 'bgzf.out');
  const partial = path.join(dir, '.bgzf.out.0badf00d.partial');
  // Runs 0-4 of 4 MiB written; run 2 damaged since; the rest never written.
  const written = Buffer.alloc(content.length);
  content.copy(written, 0, 0, 5 * (4 << 20));
  written[2 * (4 << 20) + 12345] ^= 0xff;
  fs.writeFileSync(partial, written);
  plantDecodeJournal(bgzf, target, partial, 12, [0, 1, 2, 3, 4]);
  const result = await decode({
    input: bgzf,
    output: { kind: 'file', path: target, overwrite: false },
    pool,
    resume: 'resume',
  });
  assert.equal(result.resumedFrames, 4, 'runs 0, 1, 3 and 4 kept');
  assert.deepEqual(result.warnings.filter((w) => /did not check out/.test(w)).length, 1);
  assert.ok(fs.readFileSync(target).equals(content));
  assert.deepEqual(hidden(dir), []);
  fs.rmSync(target);
});
