import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeFsError } from '../../server/src/engine/errors';
import { partialName } from '../../server/src/engine/io/outputNames';

const bytes = (p: string): number => Buffer.byteLength(p.slice(p.lastIndexOf('/') + 1));

test('the temporary name: hidden, beside the output, tagged', () => {
  assert.equal(partialName('/data/big.log.zst', '1a2b3c4d'), '/data/.big.log.zst.1a2b3c4d.partial');
  assert.equal(partialName('big.log.zst', '1a2b3c4d'), '.big.log.zst.1a2b3c4d.partial');
});

test('a name near the 255-byte limit is shortened to fit, by whole characters', () => {
  const long = `/d/${'a'.repeat(250)}.zst`; // 254 bytes: a valid name
  const temp = partialName(long, '1a2b3c4d');
  assert.equal(bytes(temp), 255);
  assert.ok(temp.startsWith(`/d/.${'a'.repeat(200)}`) && temp.endsWith('.1a2b3c4d.partial'));
  // Two-byte characters: never cut in half.
  const accented = partialName(`/d/${'é'.repeat(125)}.zst`, '1a2b3c4d');
  assert.ok(bytes(accented) <= 255);
  assert.match(accented, /^\/d\/\.(é)+\.1a2b3c4d\.partial$/);
  assert.equal(bytes(accented), 1 + 2 * 118 + '.1a2b3c4d.partial'.length);
});

test('ENAMETOOLONG says what is wrong with the name', () => {
  const err = describeFsError({ code: 'ENAMETOOLONG' }, 'x.zst', 'create');
  assert.equal(err.message, 'Cannot create "x.zst": its name is longer than the file system allows');
});
