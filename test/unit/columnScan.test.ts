/**
 * One member found and read from a column's bytes without parsing the column: the same answers as
 * parsing it, with escapes, backslashes and UTF-8 in the paths (an archive's index read so is in
 * manifest.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findText, numberAt, textAt } from '../../server/src/engine/format/columnScan';

const column = (values: string[]): Buffer => Buffer.from(JSON.stringify(values.join('\u0000')), 'utf8');

test('a text column: each value found and read as JSON.parse gives it', () => {
  const values = [
    'tree',
    'tree/naïve café.txt',
    'tree/back\\slash',
    'tree/\\u0000 not a separator',
    'tree/ends in a backslash\\',
    'tree/"quoted"\n\ttab',
    'tree/\u{1F600}',
    '',
    'tree/last',
  ];
  const bytes = column(values);
  for (const [i, v] of values.entries()) {
    assert.equal(textAt(bytes, i), v, `value ${i}`);
    if (v !== '') assert.equal(findText(bytes, v), i, `find ${JSON.stringify(v)}`);
  }
  assert.equal(textAt(bytes, values.length), undefined, 'no value past the last');
  assert.equal(findText(bytes, 'tree/back'), -1, 'a prefix of a value is not one');
  assert.equal(findText(bytes, 'slash'), -1, 'nor is its end');
  assert.equal(findText(bytes, 'not a separator'), -1);
  assert.equal(findText(Buffer.from('"a\\u0000b'), 'a'), -1, 'no closing quote: not a column to scan');
});

test('a number column: value i, or undefined where the array does not have it', () => {
  const bytes = Buffer.from(JSON.stringify([0, 12, -86400, 9007199254740991]));
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => numberAt(bytes, i)),
    [0, 12, -86400, 9007199254740991],
  );
  assert.equal(numberAt(bytes, 4), undefined);
  assert.equal(numberAt(Buffer.from('[1,"2"]'), 1), undefined);
  assert.equal(numberAt(Buffer.from('{"a":1}'), 0), undefined);
});
