import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  archiveDescription,
  blockDescription,
  blockTooltip,
  frameDescription,
  frameHeaderFields,
  frameLabel,
  gzipFields,
  skippableDescription,
  skippableLabel,
  summaryFields,
} from '../../client/src/archives/archiveRows';
import {
  archiveVerificationText,
  frameCheckText,
  verificationDescription,
  verificationTooltip,
  seekTableCheck,
  type Verification,
} from '../../client/src/archives/verificationRows';
import type { FrameDetail } from '../../server/src/engine/inspection/frameDetail';
import type { FrameRow } from '../../server/src/engine/inspection/inspect';
import type { ArchiveSummary, DecodeResult, FrameCheck } from '../../server/src/protocol';

const summary: ArchiveSummary = {
  file: '/x/kernel.tar.zst',
  fileSize: 202_627_575,
  layout: 'chunkpress',
  seekable: true,
  checksums: 'all',
  dataFrames: 325,
  skippableFrames: 2,
  contentSize: 1_361_950_720,
  manifest: undefined,
  memberCount: null,
  seekTable: {
    tableOffset: 202_623_658,
    tableSize: 3917,
    hasChecksums: true,
    compressedTotal: 1,
    decompressedTotal: 1,
  },
  via: 'seek-table',
  warnings: [],
  bytesRead: 13_000,
  problem: undefined,
  frameCount: 327,
  mtimeMs: 0,
  elapsedMs: 1.2,
};

test('archive row: sizes, ratio, count and layout; damage is flagged', () => {
  assert.equal(archiveDescription(summary), '1.27 GiB → 193 MiB · 6.72× · 325 chunks · Chunkpress');
  assert.equal(
    archiveDescription({
      ...summary,
      layout: 'single-frame',
      dataFrames: 1,
      contentSize: undefined,
      problem: { message: 'x', offset: 9, frame: 0 },
    }),
    'size unknown → 193 MiB · ? · 1 frame · single zstd frame · damaged',
  );
});

test('a gzip archive says whether it decodes in parallel, and why', () => {
  const parallel = (s: ArchiveSummary): string | undefined =>
    summaryFields(s).find((f) => f.label === 'Parallel decoding')?.description;
  const gzip = { ...summary, layout: 'gzip', seekable: false, dataFrames: 1, skippableFrames: 0 } as const;
  assert.match(parallel(gzip)!, /^no: one gzip member is one deflate stream, each block referring back/);
  assert.match(parallel({ ...gzip, dataFrames: 3 })!, /^no: a gzip member's length is known only once/);
  assert.equal(
    parallel({ ...gzip, layout: 'bgzf', seekable: true, dataFrames: 600 }),
    'yes: its blocks are independent, decoded in runs of 4 MiB',
  );
  assert.equal(parallel(summary), undefined, 'zstd archives say it frame by frame');
});

const row: FrameRow = {
  index: 12,
  role: 'data',
  offset: 200_600_978,
  compressedSize: 743_787,
  contentOffset: 12 << 22,
  contentSize: 4 << 20,
  checksum: 0x1afe023c,
};

test('frame row: content range, stored size, ratio, checksum', () => {
  assert.equal(frameLabel(row, 'chunkpress'), 'Chunk 12');
  assert.equal(frameLabel(row, 'multi-frame'), 'Frame 12');
  assert.equal(frameDescription(row), '48 MiB–52 MiB · 726 KiB · 5.64× · 1afe023c');
  assert.equal(
    frameDescription({ ...row, contentOffset: undefined, contentSize: undefined, checksum: undefined }),
    'size unknown · 726 KiB · ?',
  );
});

test('frame header fields spell out the descriptor bits and exact values', () => {
  const detail: Extract<FrameDetail, { kind: 'zstd' }> = {
    kind: 'zstd',
    index: 0,
    offset: 0,
    header: {
      headerSize: 10,
      descriptor: 0x84,
      contentSizeFlag: 2,
      singleSegment: false,
      hasChecksum: true,
      dictionaryIdFlag: 0,
      windowDescriptor: 0x48,
      windowSize: 524_288,
      dictionaryId: 0,
      contentSize: 1_048_576,
    },
    blocks: [],
    blockStart: 0,
    blockCount: 8,
    checksum: 0x45b5735f,
    problem: undefined,
  };
  const fields = Object.fromEntries(frameHeaderFields(detail).map((f) => [f.label, f]));
  assert.equal(fields.Descriptor.description, '0x84 (10 0 0 0 1 00)');
  assert.match(
    fields.Descriptor.tooltip!,
    /Frame_Content_Size_flag 2, Single_Segment_flag 0, unused 0, reserved 0, Content_Checksum_flag 1, Dictionary_ID_flag 0/,
  );
  assert.equal(fields['Window size'].description, '512 KiB (524288 B)');
  assert.equal(fields['Window size'].tooltip, 'Window_Descriptor 0x48: exponent 9, mantissa 0');
  assert.equal(fields['Content size'].copy, '1048576');
  assert.equal(fields.Checksum.description, '0x45B5735F');
});

test('block rows: type, size, last flag; the tooltip gives the exact span', () => {
  const block = { index: 7, offset: 150_000, type: 'rle' as const, size: 131_072, last: true };
  assert.equal(blockDescription(block), 'rle · 128 KiB of one byte · last');
  assert.equal(
    blockTooltip(block),
    'Block header at byte 150000 (0x249F0): Last_Block 1, Block_Type rle, Block_Size 131072\nContent: bytes 150003..150003 (1 B stored, 131072 B decoded)',
  );
});

test('skippable and gzip rows say what they are', () => {
  const manifest: FrameRow = {
    ...row,
    index: 325,
    role: 'manifest',
    variant: 0xd,
    compressedSize: 12_600,
    checksum: undefined,
  };
  assert.equal(skippableLabel(manifest), 'Chunkpress manifest 325');
  assert.equal(skippableDescription(manifest), '0x184D2A5D · 12.3 KiB at byte 200600978');
  const member: FrameRow = {
    ...row,
    role: 'member',
    gzip: {
      headerSize: 18,
      method: 8,
      flags: 0x04,
      text: false,
      hasHeaderCrc: false,
      mtime: 0,
      xfl: 0,
      os: 255,
      name: undefined,
      comment: undefined,
      extra: [{ id: 'BC', length: 2 }],
      bgzfBlockSize: 743_787,
    },
  };
  const fields = Object.fromEntries(gzipFields(member).map((f) => [f.label, f.description]));
  assert.deepEqual(
    [fields.Flags, fields.MTIME, fields.OS, fields['FEXTRA BC'], fields.BSIZE],
    ['0x04 (FEXTRA)', 'not set', 'unknown (255)', '2 B', '743787 B (block size)'],
  );
});

test('verification rows: running, passed, failed with a bad chunk and an archive-level failure', () => {
  const check = (index: number, ok: boolean, message?: string): FrameCheck => ({
    index,
    offset: 1000 * index,
    compressedSize: 1000,
    contentOffset: 4096 * index,
    contentSize: 4096,
    ok,
    message,
  });
  const v: Verification = {
    state: 'running',
    frames: new Map([0, 1, 2].map((i) => [i, check(i, true)])),
    progress: {
      stage: 'verifying',
      bytesIn: 3 * 4096,
      bytesOut: 3 * 4096,
      totalBytes: 12 * 4096,
      chunksDone: 3,
      totalChunks: 12,
      elapsedMs: 10,
      bytesPerSecond: 1,
      etaMs: 30,
    },
    archiveFailures: [],
    result: undefined,
    error: undefined,
    stamp: Promise.resolve('1:1'),
  };
  assert.equal(verificationDescription(v, 12, 'chunkpress'), 'verifying · 25% · 3/12 chunks');
  assert.equal(archiveVerificationText(v, 'chunkpress'), 'verifying 25%');

  const result: DecodeResult = {
    input: '/x/a.zst',
    outputPath: undefined,
    bytesOut: 12 * 4096,
    frames: 12,
    framesDecoded: 12,
    elapsedMs: 1500,
    warnings: [],
    bytesPerSecond: 1,
    mode: 'parallel',
    threads: 2,
    note: undefined,
    failures: [],
    digestsChecked: true,
    indexChecked: true,
    indexFindings: [],
  };
  const passed: Verification = { ...v, state: 'passed', result };
  assert.equal(
    verificationDescription(passed, 12, 'chunkpress'),
    'passed · 12 chunks · manifest digests match · index matches · 0:02',
  );
  assert.deepEqual(seekTableCheck(passed), {
    description: 'matches the frames',
    tooltip: 'Every entry matches its frame',
    failed: false,
  });

  // An index that lies about intact frames: the Seek table row fails, the chunks do not.
  const finding = {
    entry: 0,
    field: 'Decompressed_Size' as const,
    stored: 0xffffffff,
    actual: 4096,
    offset: 5012,
    message: 'seek table entry 0, Decompressed_Size (byte 5012): says 4294967295, but frame 0 at byte 0 declares 4096',
  };
  const lying: Verification = { ...v, state: 'failed', result: { ...result, indexFindings: [finding] } };
  assert.equal(
    verificationDescription(lying, 12, 'chunkpress'),
    'failed · the index disagrees in 1 place · every chunk intact',
  );
  assert.deepEqual(seekTableCheck(lying), {
    description: 'FAILED · disagrees with the frames in 1 place',
    tooltip: finding.message,
    failed: true,
  });
  assert.equal(archiveVerificationText(lying, 'chunkpress'), 'index disagrees with the frames');
  assert.match(verificationTooltip(lying), /\n\nseek table entry 0, Decompressed_Size \(byte 5012\)/);
  assert.equal(archiveVerificationText(passed, 'chunkpress'), 'verified');

  const bad = check(5, false, 'frame 5 (bytes 5000..5999, content 20480..24575) does not decode: Data corruption');
  const failed: Verification = {
    ...v,
    state: 'failed',
    frames: new Map([...v.frames, [5, bad]]),
    archiveFailures: [{ ...check(-1, false), message: 'the content digest 1 does not match the manifest’s 2' }],
    result: { ...result, failures: [bad] },
  };
  assert.equal(
    verificationDescription(failed, 12, 'chunkpress'),
    'failed · 1 of 12 chunks bad · 1 archive-level error',
  );
  assert.equal(archiveVerificationText(failed, 'bgzf'), '1 bad block');
  assert.match(verificationTooltip(failed), /frame 5 \(bytes 5000\.\.5999, content 20480\.\.24575\) does not decode/);
  assert.deepEqual(frameCheckText(bad), {
    description: 'FAILED',
    tooltip: `Failed: ${bad.message}`,
  });
  assert.equal(frameCheckText(check(1, true)).description, 'verified');
});
