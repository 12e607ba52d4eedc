/** Magic numbers and limits of the archive format; see docs/FORMAT.md. */

/** RFC 8878 zstd frame magic, little-endian on disk. */
export const ZSTD_FRAME_MAGIC = 0xfd2fb528;

/** Skippable frames use any magic in 0x184D2A50..0x184D2A5F. */
export const SKIPPABLE_MAGIC_BASE = 0x184d2a50;
export const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
export const SKIPPABLE_HEADER_SIZE = 8;

/** Chunkpress manifest: skippable variant 0xD (pzstd uses 0x0, the seek table 0xE). */
export const MANIFEST_MAGIC = 0x184d2a5d;
/** zstd seekable format v0.1.0 seek table. */
export const SEEK_TABLE_MAGIC = 0x184d2a5e;
export const SEEKABLE_FOOTER_MAGIC = 0x8f92eab1;
export const SEEK_TABLE_FOOTER_SIZE = 9;
export const SEEK_TABLE_CHECKSUM_FLAG = 0x80;
/** Bits 6..2 of the seek table descriptor are reserved and must be zero. */
export const SEEK_TABLE_RESERVED_BITS = 0x7c;

/**
 * The reference seekable library refuses frames over 1 GiB decompressed
 * (ZSTD_SEEKABLE_MAX_FRAME_DECOMPRESSED_SIZE), so chunks stay at or below it.
 */
export const MAX_CHUNK_SIZE = 1 << 30;
/** Below this, per-frame overhead (headers, table entries) dominates. */
export const MIN_CHUNK_SIZE = 4 << 10;
/** Frame_Size of a skippable frame is a u32. */
export const MAX_SKIPPABLE_PAYLOAD = 0xffffffff;
