/** Cutting a tar stream into frames: whole records, packed small members, big members in chunk-size frames. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { END_OF_ARCHIVE_SIZE, TAR_BLOCK, tarPadding } from '../../server/src/engine/format/tarHeader';
import { planTarFrames, type MemberSizes } from '../../server/src/engine/tar/framePlan';

const CHUNK = 16 * TAR_BLOCK;

/** Checks what every plan must hold, and returns it. */
function checked(sizes: MemberSizes[], chunk = CHUNK) {
  const plan = planTarFrames(sizes, chunk);
  let offset = 0;
  for (const [i, frame] of plan.frames.entries()) {
    assert.equal(frame.index, i);
    assert.equal(frame.tarOffset, offset, `frame ${i} starts where the last ended`);
    assert.equal(
      frame.segments.reduce((n, s) => n + s.length, 0),
      frame.size,
    );
    const last = i === plan.frames.length - 1;
    const biggestHeader = Math.max(0, ...sizes.map((s) => s.header));
    assert.ok(frame.size <= chunk + (last ? END_OF_ARCHIVE_SIZE : 0) + Math.max(0, biggestHeader + TAR_BLOCK - chunk));
    offset += frame.size;
  }
  assert.equal(plan.tarSize, offset);
  const expected = sizes.reduce((n, s) => n + s.header + s.content + tarPadding(s.content), 0) + END_OF_ARCHIVE_SIZE;
  assert.equal(plan.tarSize, expected);
  for (const [m, member] of plan.members.entries()) {
    const frame = plan.frames[member.firstFrame];
    // The header and the start of the content are in one frame.
    assert.ok(
      frame.tarOffset <= member.headerOffset && member.dataOffset <= frame.tarOffset + frame.size,
      `member ${m}`,
    );
    assert.equal(member.dataOffset, member.headerOffset + sizes[m].header);
    const record = sizes[m].header + sizes[m].content + tarPadding(sizes[m].content);
    // A member that fits a chunk is never split.
    if (record <= chunk) assert.equal(member.lastFrame, member.firstFrame, `member ${m} is whole in one frame`);
  }
  // The end-of-archive blocks close the last frame.
  const tail = plan.frames.at(-1)!.segments.at(-1)!;
  assert.deepEqual(tail, { kind: 'zeros', length: END_OF_ARCHIVE_SIZE });
  return plan;
}

test('small members are packed together up to the chunk size', () => {
  const sizes = Array.from({ length: 10 }, () => ({ header: TAR_BLOCK, content: 1000 }));
  const plan = checked(sizes);
  // Each record is 3 blocks (header, 1000 bytes padded to 1024): five fit in 16 blocks.
  assert.deepEqual(
    plan.frames.map((f) => f.size),
    [15 * TAR_BLOCK, 15 * TAR_BLOCK + END_OF_ARCHIVE_SIZE],
  );
  assert.deepEqual(
    plan.members.map((m) => m.firstFrame),
    [0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
  );
});

test('a member larger than a chunk starts a new frame and is cut into chunk-size frames', () => {
  const sizes = [
    { header: TAR_BLOCK, content: 100 },
    { header: 2 * TAR_BLOCK, content: 3 * CHUNK + 7 },
    { header: TAR_BLOCK, content: 10 },
  ];
  const plan = checked(sizes);
  assert.equal(plan.members[1].firstFrame, 1);
  assert.equal(plan.members[1].lastFrame, 4);
  assert.deepEqual(
    plan.frames.slice(1, 4).map((f) => f.size),
    [CHUNK, CHUNK, CHUNK],
  );
  // The small member after it joins the big one's last frame.
  assert.equal(plan.members[2].firstFrame, 4);
  const first = plan.frames[1].segments;
  assert.deepEqual(first[0], { kind: 'header', member: 1, length: 2 * TAR_BLOCK });
  assert.deepEqual(first[1], { kind: 'content', member: 1, offset: 0, length: CHUNK - 2 * TAR_BLOCK });
});

test('edge sizes, empty members, a header bigger than a chunk, and no members at all', () => {
  for (const content of [0, 1, CHUNK - TAR_BLOCK - 1, CHUNK - TAR_BLOCK, CHUNK - TAR_BLOCK + 1, CHUNK, 5 * CHUNK])
    checked([
      { header: TAR_BLOCK, content },
      { header: TAR_BLOCK, content: 0 },
    ]);
  const huge = checked([{ header: CHUNK + TAR_BLOCK, content: 5000 }]);
  assert.equal(huge.frames[0].segments[1].length, TAR_BLOCK);
  const none = checked([]);
  assert.equal(none.tarSize, END_OF_ARCHIVE_SIZE);
  // Random trees: the invariants above, whatever the sizes.
  let seed = 7;
  const next = (n: number): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
  for (let round = 0; round < 50; round++)
    checked(
      Array.from({ length: 1 + next(40) }, () => ({
        header: TAR_BLOCK * (1 + next(3)),
        content: next(4) === 0 ? next(4 * CHUNK) : next(2000),
      })),
    );
  assert.throws(() => planTarFrames([], 1000), /multiple of 512/);
});
