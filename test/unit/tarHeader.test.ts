/** ustar headers and pax records, byte for byte: fields, checksum, path splitting, and what needs pax. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paxRecord, paxRecords, parsePaxRecords } from '../../server/src/engine/format/paxHeader';
import {
  paxTime,
  splitUstarPath,
  tarHeader,
  tarHeaderSize,
  tarPadding,
  TAR_BLOCK,
  writeTarHeader,
  type TarEntry,
} from '../../server/src/engine/format/tarHeader';

const entry = (over: Partial<TarEntry> = {}): TarEntry => ({
  path: 'dir/file.txt',
  type: 'file',
  mode: 0o644,
  uid: 1000,
  gid: 100,
  uname: 'alice',
  gname: 'users',
  size: 1234,
  mtime: { seconds: 1_700_000_000, nanoseconds: 0 },
  ...over,
});

const field = (block: Uint8Array, at: number, width: number): string =>
  Buffer.from(block.subarray(at, at + width))
    .toString('latin1')
    .replace(/\0.*$/s, '');

function checksumOk(block: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  return Number.parseInt(field(block, 148, 8), 8) === sum;
}

test('a plain file: one ustar block with octal fields, magic, and a checksum tar accepts', () => {
  const h = tarHeader(entry());
  assert.equal(h.length, TAR_BLOCK);
  assert.equal(field(h, 0, 100), 'dir/file.txt');
  assert.equal(field(h, 100, 8), '0000644');
  assert.equal(field(h, 108, 8), '0001750');
  assert.equal(field(h, 116, 8), '0000144');
  assert.equal(field(h, 124, 12), '00000002322');
  assert.equal(field(h, 136, 12), (1_700_000_000).toString(8).padStart(11, '0'));
  assert.equal(String.fromCharCode(h[156]), '0');
  assert.equal(field(h, 257, 6), 'ustar');
  assert.equal(field(h, 263, 2), '00');
  assert.equal(field(h, 265, 32), 'alice');
  assert.equal(field(h, 297, 32), 'users');
  assert.ok(checksumOk(h));
  assert.equal(Buffer.from(h.subarray(154, 156)).toString('latin1'), '\0 ');
});

test('directories end in a slash; links carry their target; set-id bits are kept, others are not', () => {
  const dir = tarHeader(entry({ path: 'a/b', type: 'directory', size: 0, mode: 0o40755 }));
  assert.equal(field(dir, 0, 100), 'a/b/');
  assert.equal(String.fromCharCode(dir[156]), '5');
  assert.equal(field(dir, 100, 8), '0000755');
  const link = tarHeader(entry({ path: 'l', type: 'symlink', size: 0, linkTarget: '../x y' }));
  assert.equal(String.fromCharCode(link[156]), '2');
  assert.equal(field(link, 157, 100), '../x y');
  assert.equal(field(tarHeader(entry({ mode: 0o4755 })), 100, 8), '0004755');
});

test('paths split at a slash into prefix and name when they fit, else go into a pax record', () => {
  const enc = new TextEncoder();
  const long = `${'p'.repeat(120)}/${'n'.repeat(90)}`;
  const split = splitUstarPath(enc.encode(long))!;
  assert.equal(Buffer.from(split.prefix).toString(), 'p'.repeat(120));
  assert.equal(Buffer.from(split.name).toString(), 'n'.repeat(90));
  const h = tarHeader(entry({ path: long }));
  assert.equal(h.length, TAR_BLOCK);
  assert.equal(field(h, 345, 155), 'p'.repeat(120));
  assert.equal(field(h, 0, 100), 'n'.repeat(90));
  // No slash leaves a name of 100 bytes or less: pax.
  assert.equal(splitUstarPath(enc.encode(`a/${'n'.repeat(150)}`)), undefined);
  const longer = `${'d'.repeat(200)}/${'é'.repeat(60)}`;
  assert.equal(splitUstarPath(enc.encode(longer)), undefined);
  const withPax = tarHeader(entry({ path: longer }));
  assert.equal(withPax.length % TAR_BLOCK, 0);
  assert.equal(String.fromCharCode(withPax[156]), 'x');
  assert.ok(checksumOk(withPax) && checksumOk(withPax.subarray(withPax.length - TAR_BLOCK)));
  const size = Number.parseInt(field(withPax, 124, 12), 8);
  assert.equal(parsePaxRecords(withPax.subarray(TAR_BLOCK, TAR_BLOCK + size)).get('path'), longer);
});

test('sizes of 8 GiB and more, big ids, long names and sub-second mtimes go into pax', () => {
  const big = tarHeader(entry({ size: 8 * 2 ** 30, uid: 3_000_000, uname: 'u'.repeat(40) }));
  const records = parsePaxRecords(big.subarray(TAR_BLOCK, TAR_BLOCK + Number.parseInt(field(big, 124, 12), 8)));
  assert.deepEqual(Object.fromEntries(records), { size: String(8 * 2 ** 30), uid: '3000000', uname: 'u'.repeat(40) });
  const ustar = big.subarray(big.length - TAR_BLOCK);
  assert.equal(Number.parseInt(field(ustar, 124, 12), 8), 0);
  assert.equal(field(ustar, 108, 8), '7777777');
  assert.equal(field(ustar, 265, 32), '');

  const fine = { seconds: 1_700_000_000, nanoseconds: 120_000_000 };
  assert.equal(tarHeader(entry({ mtime: fine })).length, TAR_BLOCK, 'whole seconds unless asked');
  const precise = tarHeader(entry({ mtime: fine }), { subsecondMtime: true });
  assert.equal(
    parsePaxRecords(precise.subarray(TAR_BLOCK, TAR_BLOCK + Number.parseInt(field(precise, 124, 12), 8))).get('mtime'),
    '1700000000.12',
  );
  assert.equal(paxTime({ seconds: 5, nanoseconds: 7 }), '5.000000007');
});

test('a pax record counts its own length, across a change in digits', () => {
  for (let n = 80; n < 110; n++) {
    const record = paxRecord('path', 'x'.repeat(n));
    const length = Number(Buffer.from(record).toString().split(' ')[0]);
    assert.equal(length, record.length, `value of ${n}`);
  }
  const both = paxRecords({ size: '1', path: 'p' });
  assert.equal(Buffer.from(both).toString(), '9 path=p\n9 size=1\n');
  assert.throws(() => parsePaxRecords(new TextEncoder().encode('99 path=p\n')), /bad pax record at byte 0/);
});

test('padding rounds content up to the next block', () => {
  assert.deepEqual([0, 1, 511, 512, 513].map(tarPadding), [0, 511, 1, 0, 511]);
});

test("written into a buffer that holds other bytes, the blocks are tarHeader's, of tarHeaderSize bytes", () => {
  const entries = [
    entry(),
    entry({ path: 'é'.repeat(40) }),
    entry({ path: `${'p'.repeat(120)}/${'n'.repeat(90)}` }),
    entry({ path: `${'d'.repeat(200)}/${'é'.repeat(60)}` }),
    entry({ path: 'a'.repeat(101) }),
    entry({ path: 'l', type: 'symlink', size: 0, linkTarget: 'ü'.repeat(70) }),
    entry({ size: 8 * 2 ** 30, uid: 3_000_000, uname: 'u'.repeat(40), gname: 'ö'.repeat(20) }),
    entry({ path: 'x/'.repeat(60) + 'y', type: 'directory', size: 0 }),
    entry({ mtime: { seconds: -5, nanoseconds: 0 } }),
  ];
  const out = new Uint8Array(8192);
  for (const options of [{}, { subsecondMtime: true }]) {
    for (const e of entries) {
      out.fill(0xaa);
      const expected = tarHeader(e, options);
      assert.equal(tarHeaderSize(e, options), expected.length, e.path);
      assert.equal(writeTarHeader(e, out, 13, options), expected.length, e.path);
      assert.deepEqual(out.subarray(13, 13 + expected.length), expected, e.path);
      assert.equal(out[12], 0xaa, 'nothing before');
      assert.equal(out[13 + expected.length], 0xaa, 'nothing after');
      assert.ok(checksumOk(expected.subarray(expected.length - TAR_BLOCK)), e.path);
    }
  }
  // The pax header's own name is its first 100 bytes, never split at a slash.
  const long = tarHeader(entry({ path: 'a'.repeat(101) }));
  assert.equal(field(long, 0, 100), `PaxHeaders/${'a'.repeat(89)}`);
  assert.equal(field(long, 345, 155), '');
});
