import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import {
  dataRuns,
  HOLE_SIZE,
  SYNC_WRITE_PIECE,
  WRITE_PIECE,
  writeAll,
  writeAllSync,
  writeInOrderSync,
} from '../../server/src/engine/io/fileWrites';
import { streamSink } from '../../server/src/engine/io/outputSink';

const frame = randomBytes(4 * WRITE_PIECE + 12_345);

/** A file of `size` bytes that takes at most `most` bytes per write call, and the calls it got. */
function fakeFile(size: number, most = Infinity) {
  const content = Buffer.alloc(size);
  const calls: Array<{ position: number; length: number }> = [];
  const write = (bytes: Uint8Array, offset: number, length: number, position: number): number => {
    calls.push({ position, length });
    const took = Math.min(length, most);
    content.set(bytes.subarray(offset, offset + took), position);
    return took;
  };
  return { content, calls, write };
}

/** The lengths of the calls that write `total` bytes in pieces of `piece`. */
const pieces = (total: number, piece: number): number[] =>
  Array.from({ length: Math.ceil(total / piece) }, (_, i) => Math.min(piece, total - i * piece));

test('a big buffer goes to the file in pieces, each where the last ended: 32 KiB from a worker, 256 KiB through the pool', async () => {
  assert.equal(SYNC_WRITE_PIECE, 32 << 10);
  assert.equal(WRITE_PIECE, 256 << 10);
  const file = fakeFile(1000 + frame.length);
  writeAllSync(-1, frame, 1000, false, file.write);
  assert.deepEqual(
    file.calls.map((c) => c.length),
    pieces(frame.length, SYNC_WRITE_PIECE),
  );
  assert.equal(file.calls.length, 33);
  assert.deepEqual(
    file.calls.map((c) => c.position),
    file.calls.map((_, i) => 1000 + i * SYNC_WRITE_PIECE),
  );
  assert.ok(file.content.subarray(1000).equals(frame));

  const appended = fakeFile(1000 + frame.length);
  await writeAll(frame, 1000, false, async (b, offset, length, position) =>
    appended.write(b, offset, length, position),
  );
  assert.deepEqual(
    appended.calls.map((c) => [c.position, c.length]),
    [0, 1, 2, 3, 4].map((i) => [1000 + i * WRITE_PIECE, i < 4 ? WRITE_PIECE : 12_345]),
  );
  assert.ok(appended.content.subarray(1000).equals(frame));
});

test('sparse: 32 KiB segments of zeros, aligned in the file, are left unwritten', async () => {
  assert.equal(HOLE_SIZE, 32 << 10);
  // At file offset 1000: 10,240 bytes of data, 204,800 zeros, 5,120 data, 102,400 zeros.
  const bytes = Buffer.concat([randomBytes(10_240), Buffer.alloc(204_800), randomBytes(5_120), Buffer.alloc(102_400)]);
  // File segments start at multiples of 32,768. The first all-zero one is file 32,768..65,535,
  // i.e. bytes[31,768..]. The segment at file 196,608..229,375 (bytes[195,608..228,376)) holds the
  // end of the zeros, the 5,120 bytes of data (file 216,040..221,159) and the start of the tail's
  // zeros, so it is written; from the next one to the end all is zeros and nothing is written,
  // the shorter last segment included.
  const expected: Array<[number, number]> = [
    [0, 31_768],
    [195_608, 228_376],
  ];
  assert.deepEqual(dataRuns(bytes, 1000, true), expected);
  assert.deepEqual(dataRuns(bytes, 1000, false), [[0, bytes.length]]);
  assert.deepEqual(dataRuns(frame, 0, true), [[0, frame.length]], 'data without zeros: one run');

  const file = fakeFile(1000 + bytes.length);
  writeAllSync(-1, bytes, 1000, true, file.write);
  assert.ok(file.content.subarray(1000).equals(bytes));
  assert.deepEqual(
    file.calls.map((c) => [c.position - 1000, c.position - 1000 + c.length]),
    expected,
  );
  const appended = fakeFile(1000 + bytes.length);
  await writeAll(bytes, 1000, true, async (b, offset, length, position) => appended.write(b, offset, length, position));
  assert.deepEqual(appended.calls, file.calls);
  // A stream's small pieces: a zero piece inside one segment is not written either.
  assert.deepEqual(dataRuns(Buffer.alloc(5000), 40_000, true), []);
  assert.deepEqual(dataRuns(Buffer.concat([Buffer.alloc(5000), Buffer.from([1])]), 40_000, true), [[0, 5001]]);
});

test('a short write is continued from where it stopped', async () => {
  const file = fakeFile(frame.length, 100_000);
  writeAllSync(-1, frame, 0, false, file.write);
  assert.ok(file.content.equals(frame));
  assert.ok(file.calls.every((c) => c.length <= SYNC_WRITE_PIECE));

  const appended = fakeFile(frame.length, 100_000);
  await writeAll(frame, 0, false, async (bytes, offset, length, position) =>
    appended.write(bytes, offset, length, position),
  );
  assert.ok(appended.content.equals(frame));
  assert.equal(appended.calls.length, Math.ceil(frame.length / 100_000));
});

test('a stream gets copies in pieces, and the caller may reuse its buffer at once', async () => {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      setImmediate(callback);
    },
  });
  const buffer = Buffer.from(frame);
  await streamSink(stream).write(buffer);
  buffer.fill(0);
  assert.deepEqual(
    chunks.map((c) => c.length),
    [WRITE_PIECE, WRITE_PIECE, WRITE_PIECE, WRITE_PIECE, 12_345],
  );
  assert.ok(Buffer.concat(chunks).equals(frame));
  await streamSink(stream).write(new Uint8Array(0)); // nothing to write: settles, writes nothing
  assert.equal(chunks.length, 5);
});

test('a stream that fails on the first piece reports that failure, not the destroyed stream', async () => {
  let writes = 0;
  const full = new Writable({
    write(_chunk, _encoding, callback) {
      writes++;
      callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    },
  });
  full.on('error', () => undefined);
  await assert.rejects(streamSink(full, 'stdout').write(frame), {
    message: 'No space left on the device while writing "stdout"',
  });
  assert.equal(writes, 1);
});

test('writes at a descriptor’s own position go in 64 KiB pieces, in order, zeros included, short writes resumed', () => {
  const data = Buffer.concat([randomBytes(100_000), Buffer.alloc(HOLE_SIZE * 3), randomBytes(7)]);
  const taken: Buffer[] = [];
  const lengths: number[] = [];
  writeInOrderSync(-1, data, (bytes, offset, length) => {
    lengths.push(length);
    const took = Math.min(length, 50_000); // a pipe may take less than asked
    taken.push(Buffer.from(bytes.subarray(offset, offset + took)));
    return took;
  });
  assert.ok(Buffer.concat(taken).equals(data));
  assert.ok(lengths.every((l) => l <= 64 << 10));
  assert.equal(lengths[0], 64 << 10);
});
