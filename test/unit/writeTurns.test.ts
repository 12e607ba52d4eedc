import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriteTurns } from '../../server/src/engine/pool/writeTurns';

/** An arena of `slots` regions of 16 bytes; frame n's content is `size` bytes of value n + 1. */
function setup(ring: number) {
  const arena = new SharedArrayBuffer(ring * 16);
  const turns = new WriteTurns(ring);
  const writes: Array<[number, number[]]> = [];
  const write = (bytes: Uint8Array, position: number): void => void writes.push([position, [...bytes]]);
  const decoded = (seq: number, size: number): void => {
    new Uint8Array(arena, (seq % ring) * 16, size).fill(seq + 1);
    turns.deliver(seq, size, arena, write);
  };
  return { turns, writes, decoded, register: (seq: number) => turns.register(seq, (seq % ring) * 16) };
}

test('frames decoded out of order are written in order, each where the last ended, by whoever holds the turn', () => {
  const { turns, writes, decoded, register } = setup(4);
  [0, 1, 2, 3].forEach(register);
  decoded(2, 3); // parked: frames 0 and 1 are not written
  decoded(1, 2); // parked
  assert.deepEqual(writes, []);
  assert.equal(turns.writtenBefore(), 0);
  decoded(0, 4); // its turn: writes itself, then the parked 1 and 2
  assert.deepEqual(writes, [
    [0, [1, 1, 1, 1]],
    [4, [2, 2]],
    [6, [3, 3, 3]],
  ]);
  assert.equal(turns.writtenBefore(), 3);
  decoded(3, 1); // its turn already: written at once
  assert.deepEqual(writes.at(-1), [9, [4]]);
  assert.equal(turns.writtenBefore(), 4);
});

test('ring entries are reused once their frames are written; an empty frame passes the turn', () => {
  const { turns, writes, decoded, register } = setup(2);
  register(0);
  register(1);
  decoded(1, 5);
  decoded(0, 0);
  assert.equal(turns.writtenBefore(), 2);
  // Entries 0 and 1 now hold frames 2 and 3; frame 1's old CLAIMED state must not stop frame 3.
  register(2);
  register(3);
  decoded(3, 2);
  assert.equal(turns.writtenBefore(), 2, 'frame 3 waits for frame 2');
  decoded(2, 1);
  assert.equal(turns.writtenBefore(), 4);
  assert.deepEqual(
    writes.map(([position, bytes]) => [position, bytes.length]),
    [
      [0, 0],
      [0, 5],
      [5, 1],
      [6, 2],
    ],
  );
});

test('a frame that never decodes keeps the frames after it unwritten', () => {
  const { turns, writes, decoded, register } = setup(4);
  [0, 1, 2].forEach(register);
  decoded(0, 1);
  decoded(2, 1); // frame 1 failed: frame 2 stays parked, and nothing waits for it
  assert.equal(turns.writtenBefore(), 1);
  assert.equal(writes.length, 1);
});
