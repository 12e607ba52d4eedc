import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { crc32Combine } from '../../server/src/engine/codec/crc32Combine';

test("crc32Combine gives zlib's CRC-32 of the joined pieces, for every split of random data", () => {
  const data = randomBytes(3000);
  for (const split of [0, 1, 2, 7, 8, 255, 1024, 1500, 2999, 3000]) {
    const a = data.subarray(0, split);
    const b = data.subarray(split);
    assert.equal(crc32Combine(zlib.crc32(a), zlib.crc32(b), b.length), zlib.crc32(data), `split at ${split}`);
  }
});

test('crc32Combine folds many chunks of a stream, as a parallel member does', () => {
  const data = randomBytes(1 << 20);
  let crc = zlib.crc32(Buffer.alloc(0));
  for (let at = 0; at < data.length; at += 100_003) {
    const chunk = data.subarray(at, at + 100_003);
    crc = crc32Combine(crc, zlib.crc32(chunk), chunk.length);
  }
  assert.equal(crc, zlib.crc32(data));
});

test('crc32Combine takes lengths past 4 GiB (the member is longer than ISIZE can say)', () => {
  // crc(zeros of n bytes) chained from crc(zeros) pieces: combining 2^32 + 5 zero bytes two ways.
  const zeros = (n: number): number => zlib.crc32(Buffer.alloc(n));
  const oneGiB = (): number => {
    // 2^30 zeros, by doubling: crc(z[2n]) = combine(crc(z[n]), crc(z[n]), n).
    let crc = zeros(1 << 20);
    for (let n = 1 << 20; n < 1 << 30; n *= 2) crc = crc32Combine(crc, crc, n);
    return crc;
  };
  const g = oneGiB();
  let four = g;
  for (let n = 1 << 30; n < 2 ** 32; n += 1 << 30) four = crc32Combine(four, g, 1 << 30);
  const five = zeros(5);
  const direct = crc32Combine(four, five, 5);
  // The same total as a 5-byte head and a 4 GiB tail.
  assert.equal(crc32Combine(five, four, 2 ** 32), direct);
  assert.notEqual(direct, crc32Combine(five, four, 2 ** 32 - 1));
});
