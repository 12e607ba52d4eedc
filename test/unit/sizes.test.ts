import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, formatRate, formatSize, parseSize } from '../../server/src/engine/sizes';

test('parseSize reads binary suffixes the way zstd users write them', () => {
  assert.equal(parseSize('65536'), 65536);
  assert.equal(parseSize('4K'), 4096);
  assert.equal(parseSize('4k'), 4096);
  assert.equal(parseSize('4M'), 4 * 1024 * 1024);
  assert.equal(parseSize('4MiB'), 4 * 1024 * 1024);
  assert.equal(parseSize('4 MB'), 4 * 1024 * 1024);
  assert.equal(parseSize('1G'), 2 ** 30);
  assert.equal(parseSize('1.5K'), 1536);
  assert.equal(parseSize(' 2m '), 2 * 2 ** 20);
});

test('parseSize rejects what is not a size, saying what it got', () => {
  for (const bad of ['', 'M', '-4M', '4X', '4 M B', 'four']) {
    assert.throws(
      () => parseSize(bad),
      (err: Error) => err.message.includes(`"${bad}"`),
    );
  }
});

test('formatSize, formatRate and formatDuration print human units', () => {
  assert.equal(formatSize(12), '12 B');
  assert.equal(formatSize(1536), '1.5 KiB');
  assert.equal(formatSize(4 * 2 ** 20), '4 MiB');
  assert.equal(formatSize(1.36e9), '1.27 GiB');
  assert.equal(formatRate(410e6), '410 MB/s');
  assert.equal(formatRate(5.25e6), '5.3 MB/s');
  assert.equal(formatRate(33_333), '33 kB/s');
  assert.equal(formatRate(0), '0 kB/s');
  assert.equal(formatDuration(4000), '0:04');
  assert.equal(formatDuration(3723000), '1:02:03');
});
