import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { WRITE_PIECE, writeAll, writeAllSync } from '../../server/src/engine/fileWrites';
import { streamSink } from '../../server/src/engine/outputSink';

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

test('a big buffer goes to the file in pieces of at most 256 KiB, each where the last ended', () => {
  const file = fakeFile(1000 + frame.length);
  writeAllSync(-1, frame, 1000, file.write);
  assert.deepEqual(
    file.calls.map((c) => c.length),
    [WRITE_PIECE, WRITE_PIECE, WRITE_PIECE, WRITE_PIECE, 12_345],
  );
  assert.deepEqual(
    file.calls.map((c) => c.position),
    [0, 1, 2, 3, 4].map((i) => 1000 + i * WRITE_PIECE),
  );
  assert.ok(file.content.subarray(1000).equals(frame));
});

test('a short write is continued from where it stopped', async () => {
  const file = fakeFile(frame.length, 100_000);
  writeAllSync(-1, frame, 0, file.write);
  assert.ok(file.content.equals(frame));
  assert.ok(file.calls.every((c) => c.length <= WRITE_PIECE));

  const appended = fakeFile(frame.length, 100_000);
  let end = 0;
  await writeAll(frame, async (bytes, offset, length) => {
    const took = appended.write(bytes, offset, length, end);
    end += took;
    return took;
  });
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
