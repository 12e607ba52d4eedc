import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseLength, parseOffset } from '../../client/src/rangeInput';
import { rangeName } from '../../server/src/engine/io/outputNames';

test('Extract Range offsets: suffixes, and below the content size', () => {
  assert.equal(parseOffset('0', 100), 0);
  assert.equal(parseOffset('1M', 4 << 20), 1 << 20);
  assert.equal(parseOffset('1.5K', undefined), 1536);
  assert.equal(parseOffset('4M', 4 << 20), 'The content is 4 MiB (4194304 B); the offset must be below that');
  assert.match(String(parseOffset('abc', 100)), /"abc" is not a size/);
  assert.match(String(parseOffset('-1', 100)), /is not a size/);
});

test('Extract Range lengths: suffixes, empty means to the end, never past it', () => {
  assert.equal(parseLength('1M', 0, 4 << 20), 1 << 20);
  assert.equal(parseLength('', 1000, 4096), 3096);
  assert.equal(parseLength(' ', 0, undefined), 'The content size is unknown: give a length');
  assert.equal(parseLength('0', 0, 10), 'A length of at least 1 byte');
  assert.equal(parseLength('2K', 3000, 4096), 'Only 1.07 KiB (1096 B) follow offset 3000');
  assert.equal(rangeName('/w/app.log.zst', 3000, 1096), '/w/app.bytes-3000-4095.log');
});
