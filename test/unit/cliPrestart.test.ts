import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseCli, type Args } from '../../server/src/cli/args';
import { lanesAhead, type InputProbe } from '../../server/src/cli/prestart';
import { writeSeekTable } from '../../server/src/engine/format/seekTable';
import { tempDir } from '../helpers';

const MiB = 1 << 20;
const probe: InputProbe = {
  fileSize: (file) => ({ 'big.tar': 100 * MiB, 'small.txt': 3 * MiB, 'two.bin': 5 * MiB })[file],
  seekableFrames: (file) => ({ 'big.tar.zst': 25, 'one.zst': 1 })[file],
};
const lanes = (argv: string[], cores = 2): number => lanesAhead(parseCli(argv) as Args, cores, probe);

test('workers started ahead: one per core for inputs of several chunks, none for one-lane jobs', () => {
  assert.equal(lanes(['compress', 'big.tar']), 2);
  assert.equal(lanes(['compress', 'big.tar'], 8), 8);
  assert.equal(lanes(['compress', 'big.tar'], 64), 16, 'the engine never plans more than 16');
  assert.equal(lanes(['compress', 'two.bin']), 2, '5 MiB is two 4 MiB chunks');
  assert.equal(lanes(['compress', 'two.bin', '-c', '8M']), 0, 'one 8 MiB chunk runs in the CLI thread');
  assert.equal(lanes(['compress', 'small.txt']), 0);
  assert.equal(lanes(['compress', 'small.txt', 'big.tar']), 2, 'the widest input decides');
  assert.equal(lanes(['compress', '-T', '1', 'big.tar']), 0);
  assert.equal(lanes(['compress', '-T', '3', 'big.tar'], 8), 3);
  assert.equal(lanes(['compress', '-']), 2, "a stream's length is unknown");
  assert.equal(lanes(['compress', 'missing']), 0);
});

test('workers started ahead for decoding: from the seek table footer, none without one', () => {
  assert.equal(lanes(['decompress', 'big.tar.zst']), 2);
  assert.equal(lanes(['verify', 'big.tar.zst'], 4), 4);
  assert.equal(lanes(['decompress', 'one.zst']), 0);
  assert.equal(lanes(['decompress', 'foreign.zst']), 0);
  assert.equal(lanes(['extract', 'big.tar.zst', '--offset', '0', '--length', '1M']), 0);
  assert.equal(lanes(['inspect', 'big.tar.zst']), 0);
});

test('the real probe reads sizes and seek table footers from disk', () => {
  const dir = tempDir();
  const archive = path.join(dir, 'three.zst');
  const entry = { compressedSize: 10, decompressedSize: 4 * MiB, checksum: 0 };
  fs.writeFileSync(archive, writeSeekTable([entry, entry, entry]));
  const plain = path.join(dir, 'plain.bin');
  fs.writeFileSync(plain, Buffer.alloc(9 * MiB));
  assert.equal(lanesAhead(parseCli(['verify', archive]) as Args, 4), 3);
  assert.equal(lanesAhead(parseCli(['decompress', plain]) as Args, 4), 0);
  assert.equal(lanesAhead(parseCli(['compress', plain]) as Args, 4), 3);
  assert.equal(lanesAhead(parseCli(['compress', dir]) as Args, 4), 0, 'a folder is not a file');
});
