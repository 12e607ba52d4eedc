/** The tar header reader: every record with its offsets, however the stream is cut, and hostile headers refused by offset. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TAR_BLOCK, tarHeader, tarPadding, type TarEntry } from '../../server/src/engine/format/tarHeader';
import { TarReader, type TarRecord } from '../../server/src/engine/format/tarReader';

const entry = (path: string, over: Partial<TarEntry> = {}): TarEntry => ({
  path,
  type: 'file',
  mode: 0o644,
  uid: 1000,
  gid: 1000,
  uname: 'dev',
  gname: 'staff',
  size: 0,
  mtime: { seconds: 1_700_000_000, nanoseconds: 250_000_000 },
  ...over,
});

/** A tar of `entries` with `size` bytes of content each, as our writer makes it. */
function tarOf(entries: TarEntry[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    parts.push(tarHeader(e, { subsecondMtime: true }));
    parts.push(Buffer.alloc(e.size + tarPadding(e.size), 0x61));
  }
  parts.push(Buffer.alloc(2 * TAR_BLOCK));
  return Buffer.concat(parts);
}

const entries = [
  entry('top', { type: 'directory', mode: 0o755 }),
  entry(`top/${'long-'.repeat(60)}.txt`, { size: 700 }),
  entry('top/link', { type: 'symlink', linkTarget: `${'t/'.repeat(80)}x` }),
  entry('top/huge.img', { size: 9 * 2 ** 30 }),
];

function read(bytes: Buffer, piece: number): TarRecord[] {
  const records: TarRecord[] = [];
  const reader = new TarReader((r) => records.push(r));
  for (let at = 0; at < bytes.length; at += piece) reader.push(bytes.subarray(at, at + piece));
  reader.end();
  return records;
}

test('records with their offsets, the same for any cut of the stream', () => {
  // The 9 GiB member's content is not in the buffer: the reader is fed its header only.
  const head = tarOf(entries.slice(0, 3));
  const headers = tarHeader(entries[3], { subsecondMtime: true });
  const whole = read(
    Buffer.concat([head.subarray(0, head.length - 2 * TAR_BLOCK), Buffer.alloc(2 * TAR_BLOCK)]),
    1 << 20,
  );
  assert.deepEqual(
    whole.map((r) => [r.path, r.type, r.size, r.mode, r.mtime, r.mtimeNs, r.link?.length ?? null]),
    [
      ['top', 'directory', 0, 0o755, 1_700_000_000, 250_000_000, null],
      [entries[1].path, 'file', 700, 0o644, 1_700_000_000, 250_000_000, null],
      ['top/link', 'symlink', 0, 0o644, 1_700_000_000, 250_000_000, 161],
    ],
  );
  assert.equal(whole[1].dataOffset - whole[1].headerOffset, tarHeader(entries[1], { subsecondMtime: true }).length);
  for (const piece of [1, 7, 511, 512, 513]) assert.deepEqual(read(head, piece), whole, `pieces of ${piece}`);
  // A pax size over 8 GiB: the header alone says so.
  const records: TarRecord[] = [];
  new TarReader((r) => records.push(r)).push(headers);
  assert.equal(records[0].size, 9 * 2 ** 30);
});

test('hostile headers: a bad checksum, a huge extended header, a cut stream', () => {
  const bytes = tarOf([entry('a', { size: 10 }), entry('b', { size: 10 })]);
  const bad = Buffer.from(bytes);
  bad[2 * TAR_BLOCK + 5] ^= 1; // the second header's name
  assert.throws(() => read(bad, 4096), /a tar header block has a bad checksum \(at byte 1024\)/);
  const pax = Buffer.from(tarHeader(entry(`${'p/'.repeat(200)}x`)));
  pax.write('77777777777\0', 124, 'latin1'); // the pax header's size field
  let sum = 0;
  pax.write('        ', 148, 'latin1');
  for (let i = 0; i < TAR_BLOCK; i++) sum += pax[i];
  pax.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  assert.throws(
    () => read(pax, 4096),
    /extended header claims 8589934591 bytes \(at most 1048576 are read\) \(at byte 0\)/,
  );
  assert.throws(() => read(bytes.subarray(0, TAR_BLOCK + 5), 4096), /the tar stream ends inside a member/);
  assert.throws(() => read(Buffer.from('not a tar'), 4096), /ends 9 bytes into a 512-byte header block \(at byte 0\)/);
});
