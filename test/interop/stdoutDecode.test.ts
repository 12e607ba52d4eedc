/**
 * Decoding to stdout, as `chunkpress decompress a.zst -o - | tar x` does: into a pipe (the workers
 * write their frames in turn), a file (`>` and `>>`), and a reader that goes away.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { repoRoot, sampleData, tempDir } from '../helpers';

const dir = tempDir('chunkpress-stdout-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const cli = path.join(repoRoot, 'dist', 'cli.js');
const data = sampleData((6 << 20) + 12345, 91);
const input = path.join(dir, 'data.bin');
fs.writeFileSync(input, data);
execFileSync(process.execPath, [cli, 'compress', '-q', '-c', '256K', input]);
const archive = `${input}.zst`;

interface Ran {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

function run(args: string[], stdio: StdioOptions = ['ignore', 'pipe', 'pipe']): Promise<Ran> {
  const child = spawn(process.execPath, [cli, ...args], { stdio });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => (stderr += b));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr })));
}

test('into a pipe: a Chunkpress archive on 2 threads, pzstd frames without sizes, gzip, and ranges', async () => {
  let r = await run(['decompress', archive, '-o', '-', '-T', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.ok(r.stdout.equals(data));

  execFileSync('pzstd', ['-q', '-p', '2', '-f', input, '-o', `${input}.p.zst`]);
  r = await run(['decompress', `${input}.p.zst`, '-o', '-']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.equals(data));

  execFileSync('gzip', ['-k', '-f', input]);
  r = await run(['decompress', `${input}.gz`, '-o', '-']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.equals(data));

  // A range across frame boundaries, and one inside a frame: extract writes stdout by default.
  for (const [offset, length] of [
    [100_000, 3 << 20],
    [(1 << 20) + 7, 1000],
  ]) {
    r = await run(['extract', archive, '--offset', String(offset), '--length', String(length)]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.equals(data.subarray(offset, offset + length)), `${offset}+${length}`);
  }
});

test('into a file: > writes it from the start, >> after what is there', async () => {
  const target = path.join(dir, 'out.bin');
  let fd = fs.openSync(target, 'w');
  let r = await run(['decompress', archive, '-o', '-', '-T', '2'], ['ignore', fd, 'pipe']);
  fs.closeSync(fd);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(fs.readFileSync(target).equals(data));

  fd = fs.openSync(target, 'a');
  r = await run(['decompress', archive, '-o', '-', '-T', '2'], ['ignore', fd, 'pipe']);
  fs.closeSync(fd);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(fs.readFileSync(target).equals(Buffer.concat([data, data])));
});

test('a reader that goes away (| head -c): status 141, silently, without waiting', { timeout: 20_000 }, async () => {
  const started = performance.now();
  const out = execFileSync(
    'bash',
    [
      '-c',
      `node ${JSON.stringify(cli)} decompress -T 2 ${JSON.stringify(archive)} -o - | head -c 1000; echo " \${PIPESTATUS[0]}"`,
    ],
    { encoding: 'latin1' },
  );
  assert.equal(out.slice(0, 1000), data.subarray(0, 1000).toString('latin1'));
  assert.equal(out.slice(1000), ' 141\n');
  assert.ok(performance.now() - started < 5000);
});

test(
  'SIGTERM while the reader takes nothing: ended at once by the signal, though a worker waits on the pipe',
  { timeout: 20_000 },
  async () => {
    const child = spawn(process.execPath, [cli, 'decompress', '-T', '2', archive, '-o', '-'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Nothing reads the pipe: once it is full, the worker whose turn it is blocks in write(2).
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const started = performance.now();
    child.kill('SIGTERM');
    const signal = await new Promise((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    assert.equal(signal, 'SIGTERM');
    assert.ok(performance.now() - started < 3000, `took ${(performance.now() - started).toFixed(0)} ms`);
  },
);
