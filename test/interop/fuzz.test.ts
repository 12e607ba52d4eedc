/**
 * Mutated and truncated archives never crash the inspector: each one is either described or
 * refused with a ChunkpressError (a FormatError inside), within a time bound, with memory bounded.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { ChunkpressError } from '../../server/src/engine/errors';
import { inspectArchive } from '../../server/src/engine/inspection/inspect';
import { repoRoot, sampleData, tempDir } from '../helpers';

const dir = tempDir('chunkpress-fuzz-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function seeds(): Array<[string, Buffer]> {
  const plain = path.join(dir, 'seed.txt');
  fs.writeFileSync(plain, sampleData(300_000, 5));
  execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'compress', '-q', '-c', '32K', plain]);
  return [
    ['chunkpress', fs.readFileSync(`${plain}.zst`)],
    ['zstd', execFileSync('zstd', ['-c', '-3', plain])],
    ['zstd-nocheck', execFileSync('zstd', ['-c', '--no-check', '-19', plain])],
    ['gzip', execFileSync('gzip', ['-c', plain])],
  ];
}

test('2,000 mutations of four kinds of archive: described or refused, never a crash or a hang', async () => {
  let state = 0x9e3779b9;
  const rand = (n: number): number => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state % n;
  };
  const deadline = Date.now() + 60_000;
  const file = path.join(dir, 'mutant');
  let described = 0;
  let refused = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  for (const [name, seed] of seeds()) {
    for (let i = 0; i < 500 && Date.now() < deadline; i++) {
      const bytes = Buffer.from(seed);
      const kind = rand(4);
      if (kind === 0)
        bytes[rand(bytes.length)] ^= 1 << rand(8); // one bit
      else if (kind === 1)
        for (let k = 0; k < 8; k++) bytes[rand(bytes.length)] = rand(256); // a few bytes
      else if (kind === 2)
        bytes.writeUInt32LE(rand(2 ** 32), rand(bytes.length - 4)); // a size-like word
      // Tail-heavy mutations hit the seek table and the manifest, where sizes live.
      else bytes[bytes.length - 1 - rand(Math.min(64, bytes.length))] = rand(256);
      const cut = rand(5) === 0 ? rand(bytes.length) : bytes.length;
      fs.writeFileSync(file, bytes.subarray(0, cut));
      try {
        const info = await inspectArchive(file);
        if (info.problem) {
          assert.match(info.problem.message, /\(at byte \d+/);
          // What is listed lies before the damage (or the damage is in the trailer).
          for (const f of info.frames) assert.ok(f.offset <= info.fileSize, `${name} mutant ${i}: frame past the end`);
          refused++;
        } else described++;
      } catch (err) {
        assert.ok(
          err instanceof ChunkpressError,
          `${name} mutant ${i}: ${err instanceof Error ? err.stack : String(err)}`,
        );
        assert.ok(err.code === 'EFORMAT', `${name} mutant ${i}: ${err.code} ${err.message}`);
        assert.match(err.message, /\(at byte \d+/);
        refused++;
      }
    }
  }
  assert.ok(described + refused >= 1000, `only ${described + refused} mutants ran`);
  assert.ok(refused > 100 && described > 100, `described ${described}, refused ${refused}`);
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 256 << 20, 'memory stays bounded');
});
