import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../../server/src/engine/format/formatError';
import {
  parseSeekFooter,
  parseSeekTable,
  seekTableSize,
  writeSeekTable,
} from '../../server/src/engine/format/seekTable';

const entries = [
  { compressedSize: 100, decompressedSize: 4096, checksum: 0xdeadbeef },
  { compressedSize: 50, decompressedSize: 1000, checksum: 0x01020304 },
];

test('writeSeekTable lays out the seekable format v0.1.0 byte for byte', () => {
  const table = writeSeekTable(entries);
  assert.equal(table.length, 8 + 2 * 12 + 9);
  assert.equal(table.toString('hex', 0, 8), '5e2a4d18' + '21000000'); // magic 0x184D2A5E, Frame_Size 33
  assert.equal(table.toString('hex', 8, 20), '64000000' + '00100000' + 'efbeadde');
  assert.equal(table.toString('hex', 20, 32), '32000000' + 'e8030000' + '04030201');
  assert.equal(table.toString('hex', 32), '02000000' + '80' + 'b1ea928f'); // 2 frames, checksum flag, 0x8F92EAB1
});

test('parseSeekTable reads back what was written, at the end of a file', () => {
  const data = Buffer.alloc(150 + 20); // frames (150 bytes) and a 20-byte manifest before the table
  const file = Buffer.concat([data, writeSeekTable(entries)]);
  const parsed = parseSeekTable(file, file.length);
  assert.deepEqual(parsed.entries, entries);
  assert.equal(parsed.hasChecksums, true);
  assert.equal(parsed.compressedTotal, 150);
  assert.equal(parsed.decompressedTotal, 5096);
  assert.equal(parsed.tableOffset, 170);
  assert.equal(parsed.tableSize, seekTableSize(2));
});

test('a file without the footer magic is not seekable, not an error', () => {
  assert.equal(parseSeekFooter(Buffer.alloc(64), 64), undefined);
  assert.equal(parseSeekFooter(Buffer.alloc(3), 3), undefined);
});

function corrupt(mutate: (file: Buffer) => void): Buffer {
  const file = Buffer.concat([Buffer.alloc(150), writeSeekTable(entries)]);
  mutate(file);
  return file;
}

test('reserved descriptor bits are refused with the byte offset', () => {
  const file = corrupt((f) => (f[f.length - 5] = 0x84));
  assert.throws(
    () => parseSeekTable(file, file.length),
    (err: FormatError) => {
      assert.ok(err instanceof FormatError);
      assert.equal(err.offset, file.length - 5);
      assert.match(err.message, /reserved bits/);
      return true;
    },
  );
});

test('a frame count larger than the file is refused before anything is allocated', () => {
  const file = corrupt((f) => f.writeUInt32LE(0xffffffff, f.length - 9));
  assert.throws(() => parseSeekTable(file, file.length), /claims 4294967295 frames .* only 191 bytes \(at byte 182\)/);
});

test('a wrong seek table magic or frame size is refused', () => {
  const badMagic = corrupt((f) => f.writeUInt32LE(0x184d2a50, 150));
  assert.throws(() => parseSeekTable(badMagic, badMagic.length), /expected seek table magic .*\(at byte 150\)/);
  const badSize = corrupt((f) => f.writeUInt32LE(34, 154));
  assert.throws(
    () => parseSeekTable(badSize, badSize.length),
    /frame size 34 does not match 2 entries .*\(at byte 154\)/,
  );
});

test('entries whose compressed sizes run past the table are refused, naming the frame', () => {
  const file = corrupt((f) => f.writeUInt32LE(140, 150 + 8 + 12));
  assert.throws(
    () => parseSeekTable(file, file.length),
    (err: FormatError) => {
      assert.equal(err.frame, 1);
      assert.match(err.message, /entry 1 runs the data frames to byte 240, past the seek table at 150/);
      return true;
    },
  );
});
