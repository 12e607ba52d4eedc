import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zstd from 'zstd-napi/binding';
import { ChunkCompressor, decompressFrame } from '../../server/src/engine/codec/codec';
import { xxh64 } from '../../server/src/engine/codec/hash';
import { compressBound } from '../../server/src/engine/pool/threadPlan';
import { sampleData } from '../helpers';

/** What zstd itself writes in one call (ZSTD_compress2) with checksum and content size on. */
function zstdReference(src: Buffer, level: number): Buffer {
  const cctx = new zstd.CCtx();
  cctx.setParameter(zstd.CParameter.compressionLevel, level);
  cctx.setParameter(zstd.CParameter.checksumFlag, 1);
  cctx.setParameter(zstd.CParameter.contentSizeFlag, 1);
  const out = Buffer.alloc(compressBound(src.length) + 64);
  return out.subarray(0, cctx.compress2(out, src));
}

const compressor = new ChunkCompressor();

for (const [size, level] of [
  [0, 3],
  [1, 1],
  [1000, -5],
  [200_000, 3],
  [1 << 20, 9],
  [250_000, 19],
] as const) {
  // Sizes within one slice of the level, where the codec makes a single call too.
  test(`a ${size}-byte chunk at level ${level} is byte for byte zstd's own checksummed frame`, () => {
    const src = sampleData(size, size + level);
    const dst = Buffer.alloc(compressBound(size));
    const checksum = parseInt(xxh64(src).slice(8), 16);
    const length = compressor.compressFrame(src, dst, level, checksum, () => false);
    assert.ok(length !== undefined);
    const frame = dst.subarray(0, length);
    const reference = zstdReference(src, level);
    assert.equal(frame.toString('hex'), reference.toString('hex'));
    assert.equal(frame.readUInt32LE(length - 4), checksum);
    assert.ok(decompressFrame(frame, size).equals(src));
  });
}

test('a stop request before the first slice yields no frame', () => {
  const src = sampleData(1 << 16, 1);
  assert.equal(
    compressor.compressFrame(src, Buffer.alloc(compressBound(src.length)), 3, 0, () => true),
    undefined,
  );
});
