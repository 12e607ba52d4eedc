/**
 * Folders into one .tar.zst (compressTree): what GNU tar and bsdtar make of it (listing and
 * extraction equal to the tree, byte for byte, with modes and symlinks), the member index (each
 * SHA-256 as sha256sum prints it, each header in the frame where its content starts), the same
 * bytes for any thread count, and what happens to files that change or vanish while packed, and
 * to a cancel.
 */
import assert from 'node:assert/strict';
import { execFileSync, execSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import {
  compressTree,
  type TreeCompressJob,
  type TreeCompressResult,
} from '../../server/src/engine/compression/compressTree';
import type { ManifestMember } from '../../server/src/engine/format/manifest';
import { readArchive, sampleData, tempDir, testPool } from '../helpers';

const dir = tempDir('chunkpress-tree-');
const tree = path.join(dir, 'proj');
const pool = testPool(4);
after(async () => {
  await pool.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const LONG_NAME = `${'n'.repeat(120)}.txt`;
const DEEP = Array.from({ length: 6 }, (_, i) => `level-${i}-${'d'.repeat(40)}`).join('/');

before(() => {
  const put = (rel: string, bytes: Buffer | string, mode?: number): void => {
    fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
    fs.writeFileSync(path.join(tree, rel), bytes);
    if (mode !== undefined) fs.chmodSync(path.join(tree, rel), mode);
  };
  put('naïve café/ünïcødé.txt', 'UTF-8 names\n');
  put(`long/${LONG_NAME}`, 'a name over 100 bytes\n');
  put(`${DEEP}/deep.txt`, 'a path over 255 bytes\n');
  put('with space/file name.txt', sampleData(5000, 3));
  put('empty.txt', '');
  put('run.sh', '#!/bin/sh\necho hi\n', 0o755);
  put('big.bin', sampleData(300_000, 4));
  put('src/main.ts', sampleData(20_000, 5));
  put('src/.gitignore', '*.log\n');
  put('src/debug.log', 'left out by src/.gitignore\n');
  put('vendor/lib.js', 'left out by an exclusion\n');
  fs.mkdirSync(path.join(tree, 'empty'));
  fs.symlinkSync('with space/file name.txt', path.join(tree, 'link'));
  for (let i = 0; i < 10_000; i++) put(`many/f${String(i).padStart(5, '0')}.txt`, `small file ${i}\n`);
});

function job(output: string, extra: Partial<TreeCompressJob> = {}): TreeCompressJob {
  return {
    roots: [{ path: tree, name: 'proj' }],
    name: 'proj',
    output: { kind: 'file', path: output, overwrite: true },
    selection: { respectGitignore: true, exclude: ['vendor/'] },
    options: { chunkSize: 64 << 10, threads: 2 },
    pool,
    ...extra,
  };
}

/** The data frame whose content holds tar offset `at`. */
function frameAt(contentStarts: number[], at: number): number {
  let frame = 0;
  while (frame + 1 < contentStarts.length && contentStarts[frame + 1] <= at) frame++;
  return frame;
}

let archive: string;
let result: TreeCompressResult;
let members: ManifestMember[];
before(async () => {
  archive = path.join(dir, 'proj.tar.zst');
  result = await compressTree(job(archive));
  members = readArchive(archive).manifest.members!.all();
});

test('GNU tar and bsdtar list it as the tree and extract it exactly, modes and symlinks included', () => {
  assert.deepEqual([result.files, result.folders, result.links, result.problems], [10_009, 13, 1, []]);
  const gnu = execFileSync('tar', ['--zstd', '-tf', archive]).toString().trim().split('\n');
  assert.deepEqual(
    gnu,
    members.map((m) => (m.type === 'directory' ? `${m.path}/` : m.path)),
  );
  assert.ok(gnu.includes(`proj/long/${LONG_NAME}`) && gnu.includes(`proj/${DEEP}/deep.txt`));
  assert.ok(!gnu.some((p) => p.includes('vendor') || p.endsWith('debug.log')));
  const bsd = execFileSync('bsdtar', ['-tf', archive]).toString().trim().split('\n');
  assert.deepEqual(bsd, gnu);

  const left = (p: string): string => path.join(tree, p);
  for (const [name, extract] of [
    ['gnu', (to: string) => execFileSync('tar', ['--zstd', '-xf', archive, '-C', to])],
    ['pipe', (to: string) => execSync(`zstd -dc '${archive}' | tar -xf - -C '${to}'`)],
    ['bsd', (to: string) => execFileSync('bsdtar', ['-xf', archive, '-C', to])],
  ] as const) {
    const to = path.join(dir, `x-${name}`);
    fs.mkdirSync(to);
    extract(to);
    // Left out on purpose: what the .gitignore and the exclusion name.
    execFileSync('diff', ['-r', '--no-dereference', '-x', 'vendor', '-x', 'debug.log', tree, path.join(to, 'proj')]);
    const got = (p: string): fs.Stats => fs.lstatSync(path.join(to, 'proj', p));
    assert.equal(got('run.sh').mode & 0o7777, 0o755, name);
    assert.equal(got('empty.txt').size, 0, name);
    assert.ok(got('empty').isDirectory(), name);
    assert.equal(fs.readlinkSync(path.join(to, 'proj', 'link')), 'with space/file name.txt', name);
    assert.equal(Math.floor(got('big.bin').mtimeMs / 1000), Math.floor(fs.statSync(left('big.bin')).mtimeMs / 1000));
  }
});

test("each member: its SHA-256 is sha256sum's, its header sits in the frame where its content starts", () => {
  const parts = readArchive(archive);
  const starts: number[] = [];
  let at = 0;
  for (const e of parts.table.entries) {
    starts.push(at);
    at += e.decompressedSize;
  }
  const content = execFileSync('zstd', ['-dc', archive], { maxBuffer: 1 << 28 });
  // One sha256sum over every file, not one process each.
  const sums = new Map(
    execSync(`cd '${tree}' && find . -type f -print0 | xargs -0 sha256sum`, { maxBuffer: 1 << 26 })
      .toString()
      .trim()
      .split('\n')
      .map((line) => [path.join(tree, line.slice(66)), line.slice(0, 64)]),
  );
  for (const m of members) {
    const source = path.join(tree, m.path.slice('proj/'.length));
    if (m.type === 'file') assert.equal(m.sha256, sums.get(source), m.path);
    else assert.equal(m.sha256, null, m.path);
    assert.equal(frameAt(starts, m.headerOffset), m.frame, `${m.path}: header`);
    if (m.size > 0) assert.equal(frameAt(starts, m.dataOffset), m.frame, `${m.path}: content`);
    // The offsets are the tar's: the content is there, and a ustar header ends right before it.
    assert.equal(content.toString('latin1', m.dataOffset - 512 + 257, m.dataOffset - 512 + 262), 'ustar', m.path);
    if (m.type === 'file')
      assert.deepEqual(content.subarray(m.dataOffset, m.dataOffset + m.size), fs.readFileSync(source));
  }
  // The big file spans frames (hashed by a task of its own); small ones share frames.
  const big = members.find((m) => m.path === 'proj/big.bin')!;
  assert.ok(frameAt(starts, big.dataOffset + big.size - 1) > big.frame);
  assert.ok(new Set(members.map((m) => m.frame)).size < members.length / 4);
  assert.equal(parts.manifest.source.kind, 'tree');
  assert.equal(parts.manifest.version, 2);
});

test('the same bytes for 1, 2 and 4 threads', async () => {
  const bytes = [];
  for (const threads of [1, 2, 4]) {
    const out = path.join(dir, `t${threads}.tar.zst`);
    await compressTree(job(out, { options: { chunkSize: 64 << 10, threads } }));
    bytes.push(fs.readFileSync(out));
  }
  assert.ok(bytes[0].equals(bytes[1]) && bytes[1].equals(bytes[2]));
  assert.ok(bytes[0].equals(fs.readFileSync(archive)));
});

test('a file that changes or vanishes while packed: the job goes on and names it', async () => {
  const copy = path.join(dir, 'changing');
  // Small enough to be walked whole before compression starts (the 10,000 files are left behind).
  fs.cpSync(tree, copy, { recursive: true, verbatimSymlinks: true, filter: (src) => !src.includes('/many') });
  const out = path.join(dir, 'changing.tar.zst');
  const r = await compressTree(
    job(out, {
      roots: [{ path: copy, name: 'changing' }],
      listener: {
        onStage(s) {
          // Walked, not yet read: what the workers find is no longer what was found.
          if (s.stage !== 'compressing') return;
          fs.appendFileSync(path.join(copy, 'big.bin'), 'grown');
          fs.truncateSync(path.join(copy, 'src/main.ts'), 100);
          fs.rmSync(path.join(copy, 'run.sh'));
        },
      },
    }),
  );
  assert.deepEqual(r.problems, [
    'changing/big.bin: changed size while it was packed (300000 bytes when it was found, 300005 now)',
    'changing/run.sh: vanished before it was packed',
    'changing/src/main.ts: changed size while it was packed (20000 bytes when it was found, 100 now)',
  ]);
  for (const p of r.problems) assert.ok(r.warnings.includes(p));
  // Their digests are not claimed; the archive still extracts, with the sizes it recorded.
  const index = readArchive(out).manifest.members!.all();
  for (const name of ['big.bin', 'run.sh', 'src/main.ts'])
    assert.equal(index.find((m) => m.path === `changing/${name}`)!.sha256, null);
  const listing = execFileSync('tar', ['--zstd', '-tvf', out]).toString();
  assert.match(listing, / 20000 .* changing\/src\/main\.ts\n/);
});

test('cancel leaves nothing behind; an existing archive is refused before the walk', async () => {
  const out = path.join(dir, 'cancelled.tar.zst');
  const controller = new AbortController();
  await assert.rejects(
    compressTree(
      job(out, {
        signal: controller.signal,
        options: { chunkSize: 4096, threads: 2 },
        listener: { onChunk: () => controller.abort() },
      }),
    ),
    /cancelled/i,
  );
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith('.cancelled') || f.startsWith('cancelled')),
    [],
  );
  await assert.rejects(
    compressTree(job(archive, { output: { kind: 'file', path: archive, overwrite: false } })),
    /already exists/,
  );
});

test("a sparse file over 8 GiB: listed with its size, its digest sha256sum's", async (t) => {
  const big = path.join(dir, 'sparse');
  fs.mkdirSync(big);
  const file = path.join(big, 'huge.img');
  const size = 8 * 2 ** 30 + 4097;
  fs.writeFileSync(file, '');
  fs.truncateSync(file, size);
  fs.appendFileSync(file, 'end');
  const out = path.join(dir, 'sparse.tar.zst');
  const r = await compressTree(job(out, { roots: [{ path: big, name: 'sparse' }], options: { threads: 2 } }));
  t.diagnostic(`8 GiB sparse: ${r.elapsedMs.toFixed(0)} ms, ${r.outputSize} bytes`);
  // The member starts a frame with its headers: both tars list it from that frame alone (then find
  // the content missing; listing the whole archive would decode 8 GiB for each of them).
  const parts = readArchive(out);
  const member = parts.manifest.members!.member(parts.manifest.members!.find('sparse/huge.img')!);
  const head = execFileSync('zstd', ['-dc'], { input: parts.frames[member.frame], maxBuffer: 64 << 20 });
  for (const tar of ['tar', 'bsdtar']) {
    const listing = spawnSync(tar, ['-tvf', '-'], { input: head, maxBuffer: 64 << 20 }).stdout.toString();
    assert.match(listing, new RegExp(` ${size + 3} .* sparse/huge\\.img\\n`), tar);
  }
  assert.equal(member.size, size + 3);
  // sha256sum's value (openssl computes it 5 times faster here).
  assert.equal(member.sha256, execFileSync('openssl', ['dgst', '-sha256', '-r', file]).toString().slice(0, 64));
  const tail = spawnSync('zstd', ['-dc'], { input: parts.frames.at(-1), maxBuffer: 64 << 20 }).stdout;
  assert.ok(tail.includes('end'));
});
