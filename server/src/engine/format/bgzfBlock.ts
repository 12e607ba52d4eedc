/**
 * BGZF (SAM/BAM specification §4.1, htslib's bgzf.c): a gzip file made of independent members of
 * at most 64 KiB, each with a BC extra subfield giving its size, ended by a fixed empty member. And
 * the `.gzi` index that `bgzip -r` writes and `bgzip -b` reads. Pure: bytes in, bytes out.
 */

/** Input bytes per block, as bgzip takes them: the compressed block then always fits in 64 KiB. */
export const BGZF_BLOCK_INPUT = 0xff00;
/** The most a block may be, header and trailer included (BSIZE is a u16 of size - 1). */
export const BGZF_MAX_BLOCK = 0x10000;
/** The header of every block: gzip's 10 bytes, XLEN 6, and the BC subfield. */
export const BGZF_HEADER_SIZE = 18;
export const BGZF_TRAILER_SIZE = 8;

/** The end-of-file marker htslib writes and checks for: an empty block. */
export const BGZF_EOF = Uint8Array.of(
  0x1f,
  0x8b,
  0x08,
  0x04,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0xff,
  0x06,
  0x00,
  0x42,
  0x43,
  0x02,
  0x00,
  0x1b,
  0x00,
  0x03,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
);

/**
 * Writes the header of a block whose deflate data is `deflatedSize` bytes at `at` in `out`, as
 * htslib does (MTIME 0, XFL 0, OS 255); the data follows it, then writeBgzfTrailer. Returns the
 * block's total size.
 */
export function writeBgzfHeader(out: Uint8Array, at: number, deflatedSize: number): number {
  const total = BGZF_HEADER_SIZE + deflatedSize + BGZF_TRAILER_SIZE;
  if (total > BGZF_MAX_BLOCK) throw new RangeError(`a BGZF block of ${total} bytes exceeds ${BGZF_MAX_BLOCK}`);
  out.set(BGZF_EOF.subarray(0, 16), at);
  out[at + 16] = (total - 1) & 0xff;
  out[at + 17] = (total - 1) >>> 8;
  return total;
}

export function writeBgzfTrailer(out: Uint8Array, at: number, crc32: number, length: number): void {
  const view = new DataView(out.buffer, out.byteOffset + at, BGZF_TRAILER_SIZE);
  view.setUint32(0, crc32 >>> 0, true);
  view.setUint32(4, length, true);
}

/** One block start: where it is in the file and where its content is in the decoded stream. */
export interface GziEntry {
  compressedOffset: number;
  uncompressedOffset: number;
}

/**
 * The `.gzi` index: a u64 count, then (compressed, uncompressed) u64 offset pairs for every block
 * after the first (htslib leaves out the block at 0, 0).
 */
export function writeGzi(entries: readonly GziEntry[]): Uint8Array {
  const out = Buffer.alloc(8 + 16 * entries.length);
  out.writeBigUInt64LE(BigInt(entries.length), 0);
  entries.forEach((e, i) => {
    out.writeBigUInt64LE(BigInt(e.compressedOffset), 8 + 16 * i);
    out.writeBigUInt64LE(BigInt(e.uncompressedOffset), 16 + 16 * i);
  });
  return out;
}
