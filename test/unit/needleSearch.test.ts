/** The rare-byte search finds what Buffer.indexOf finds, wherever the rare byte is common or absent. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { needleFinder } from '../../server/src/engine/search/needleSearch';
import { sampleData } from '../helpers';

/** Every place of `needle` from each start, as indexOf gives it. */
function agrees(haystack: Buffer, needle: Buffer, label: string): void {
  const find = needleFinder(needle);
  for (let from = 0; from <= haystack.length + 1; from += Math.max(1, Math.floor(haystack.length / 97))) {
    assert.equal(find(haystack, from), haystack.indexOf(needle, from), `${label}, from ${from}`);
  }
  let count = 0;
  for (let at = find(haystack, 0); at >= 0; at = find(haystack, at + 1)) count++;
  let expected = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) expected++;
  assert.equal(count, expected, `${label}: every place`);
}

test('a fixed string in source text, at its ends, overlapping itself, or not there', () => {
  const text = Buffer.from(
    `EXPORT_SYMBOL_GPL(a);\n${'int x = YY; /* EXPORT_SYMBOL */\n'.repeat(500)}EXPORT_SYMBOL_GPL(b);\nEXPORT_SYMBOL_GPL`,
  );
  agrees(text, Buffer.from('EXPORT_SYMBOL_GPL'), 'kernel-like');
  agrees(text, Buffer.from('int'), 'short');
  agrees(text, Buffer.from('absent string'), 'absent');
  agrees(Buffer.from('aaaaaaaaaaaaaaaaaaaaaaab'), Buffer.from('aaab'), 'overlapping');
  agrees(Buffer.from('xy'), Buffer.from('xyz'), 'longer than the text');
  agrees(Buffer.from('abc'), Buffer.from('c'), 'one byte');
});

test('where the rarest byte is everywhere (it is then left to indexOf), and in binary data', () => {
  const dense = Buffer.from(`${'Y'.repeat(20000)}SYMBOL_GPLY${'Y'.repeat(300)}`);
  agrees(dense, Buffer.from('SYMBOL_GPLY'), 'Ys everywhere');
  agrees(dense, Buffer.from('YYYY'), 'only the rare byte');
  const binary = sampleData(200_000, 7);
  agrees(binary, Buffer.from(binary.subarray(150_000, 150_012)), 'random bytes');
  agrees(binary, Buffer.from([0xc3, 0xa9, 0x59]), 'high bytes');
});
