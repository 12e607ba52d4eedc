/**
 * RFC 8878 §3.1.1 frame headers and §3.1.1.2 block headers, parsed from bytes alone: nothing is
 * decoded, and every field is checked before it is trusted.
 */
import { ZSTD_FRAME_MAGIC } from './constants';
import { FormatError } from './formatError';

/** Longest possible frame header: magic 4, descriptor 1, window 1, dictionary 4, content size 8. */
export const MAX_FRAME_HEADER_SIZE = 18;
export const BLOCK_HEADER_SIZE = 3;
/** Block_Maximum_Size: no block may decompress to, or (if compressed) occupy, more than this. */
export const MAX_BLOCK_SIZE = 128 << 10;
/** zstd's decoder refuses windows over 2^31 (ZSTD_WINDOWLOG_MAX_64); larger claims are corrupt. */
export const MAX_WINDOW_LOG = 31;

export interface FrameHeader {
  /** Header length in bytes, magic included. */
  headerSize: number;
  descriptor: number;
  /** 0..3, the Frame_Content_Size_flag bits. */
  contentSizeFlag: number;
  singleSegment: boolean;
  hasChecksum: boolean;
  /** 0..3, the Dictionary_ID_flag bits. */
  dictionaryIdFlag: number;
  /** Undefined when Single_Segment (the window is then the content size). */
  windowDescriptor: number | undefined;
  /** Bytes, exact (Window_Descriptor: 2^(10+Exponent) + Mantissa/8 of it). */
  windowSize: number;
  /** 0 when absent. */
  dictionaryId: number;
  /** Undefined when the header does not carry it. */
  contentSize: number | undefined;
}

/**
 * Parses a frame header from `bytes` (at least MAX_FRAME_HEADER_SIZE bytes unless the file ends
 * sooner) found at absolute `offset` of frame number `frame`.
 */
export function parseFrameHeader(bytes: Uint8Array, offset: number, frame?: number): FrameHeader {
  const fail = (message: string, at: number): never => {
    throw new FormatError(message, offset + at, frame);
  };
  if (bytes.length < 6) fail(`truncated frame header: ${bytes.length} of at least 6 bytes`, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const magic = view.getUint32(0, true);
  if (magic !== ZSTD_FRAME_MAGIC)
    fail(`not a zstd frame: magic 0x${magic.toString(16).toUpperCase().padStart(8, '0')}`, 0);
  const descriptor = view.getUint8(4);
  const contentSizeFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  if (descriptor & 0x08) fail('frame header descriptor has its reserved bit (3) set', 4);
  const hasChecksum = (descriptor & 0x04) !== 0;
  const dictionaryIdFlag = descriptor & 0x03;
  const dictionaryIdSize = [0, 1, 2, 4][dictionaryIdFlag];
  const contentSizeSize = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag];
  const headerSize = 5 + (singleSegment ? 0 : 1) + dictionaryIdSize + contentSizeSize;
  if (bytes.length < headerSize) fail(`truncated frame header: ${bytes.length} of ${headerSize} bytes`, 0);

  let pos = 5;
  let windowDescriptor: number | undefined;
  let windowSize = 0;
  if (!singleSegment) {
    windowDescriptor = view.getUint8(pos);
    const exponent = windowDescriptor >> 3;
    const mantissa = windowDescriptor & 7;
    const windowLog = 10 + exponent;
    if (windowLog > MAX_WINDOW_LOG) fail(`window of 2^${windowLog} bytes exceeds the 2^${MAX_WINDOW_LOG} maximum`, pos);
    const base = 2 ** windowLog;
    windowSize = base + (base / 8) * mantissa;
    pos++;
  }
  let dictionaryId = 0;
  if (dictionaryIdSize === 1) dictionaryId = view.getUint8(pos);
  else if (dictionaryIdSize === 2) dictionaryId = view.getUint16(pos, true);
  else if (dictionaryIdSize === 4) dictionaryId = view.getUint32(pos, true);
  pos += dictionaryIdSize;

  let contentSize: number | undefined;
  if (contentSizeSize === 1) contentSize = view.getUint8(pos);
  else if (contentSizeSize === 2) contentSize = view.getUint16(pos, true) + 256;
  else if (contentSizeSize === 4) contentSize = view.getUint32(pos, true);
  else if (contentSizeSize === 8) {
    const big = view.getBigUint64(pos, true);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) fail(`content size ${big} is beyond what any file can hold`, pos);
    contentSize = Number(big);
  }
  if (singleSegment) windowSize = contentSize ?? 0;
  return {
    headerSize,
    descriptor,
    contentSizeFlag,
    singleSegment,
    hasChecksum,
    dictionaryIdFlag,
    windowDescriptor,
    windowSize,
    dictionaryId,
    contentSize,
  };
}

export type BlockType = 'raw' | 'rle' | 'compressed' | 'reserved';
const BLOCK_TYPES: readonly BlockType[] = ['raw', 'rle', 'compressed', 'reserved'];

export interface BlockHeader {
  last: boolean;
  type: BlockType;
  /** Block_Size field: the content size for raw and RLE blocks, the compressed size otherwise. */
  size: number;
  /** Bytes the block occupies after its header: 1 for RLE. */
  contentBytes: number;
}

/** Parses the 3-byte block header at the start of `bytes`; `offset` is its absolute position. */
export function parseBlockHeader(bytes: Uint8Array, offset: number, frame?: number): BlockHeader {
  if (bytes.length < BLOCK_HEADER_SIZE) {
    throw new FormatError(`truncated block header: ${bytes.length} of 3 bytes`, offset, frame);
  }
  const raw = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16);
  const type = BLOCK_TYPES[(raw >> 1) & 3];
  const size = raw >>> 3;
  if (type === 'reserved') throw new FormatError('block type 3 is reserved', offset, frame);
  if (size > MAX_BLOCK_SIZE) {
    throw new FormatError(`block size ${size} exceeds the 128 KiB maximum`, offset, frame);
  }
  return { last: (raw & 1) === 1, type, size, contentBytes: type === 'rle' ? 1 : size };
}
