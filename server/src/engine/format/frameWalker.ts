/**
 * Walks any .zst file frame by frame from its headers alone (RFC 8878): zstd frames are hopped
 * over block by block, skippable frames by their size. Nothing is decompressed, and every size
 * is checked against the file before it is used.
 */
import { SKIPPABLE_HEADER_SIZE } from './constants';
import {
  BLOCK_HEADER_SIZE,
  MAX_BLOCK_SIZE,
  MAX_FRAME_HEADER_SIZE,
  parseBlockHeader,
  parseFrameHeader,
  type BlockHeader,
  type FrameHeader,
} from './frameHeader';
import { FormatError } from './formatError';
import { readSkippableHeader, type SkippableHeader } from './skippableFrame';

/** Random access to a file's bytes; `read` may return fewer bytes only at the end of the file. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface BlockInfo extends BlockHeader {
  index: number;
  /** Absolute offset of the block header. */
  offset: number;
}

export type FrameInfo =
  | {
      kind: 'zstd';
      index: number;
      offset: number;
      compressedSize: number;
      header: FrameHeader;
      blockCount: number;
      /** Content_Checksum as stored (low 32 bits of XXH64), when the frame has one. */
      checksum: number | undefined;
    }
  | { kind: 'skippable'; index: number; offset: number; compressedSize: number; skippable: SkippableHeader };

/** Visits the blocks of the zstd frame whose blocks start at `offset`; returns where the frame's blocks end. */
export async function walkBlocks(
  source: ByteSource,
  offset: number,
  frame: number | undefined,
  visit?: (block: BlockInfo) => boolean | void,
): Promise<{ end: number; blockCount: number }> {
  let pos = offset;
  for (let index = 0; ; index++) {
    const bytes = await source.read(pos, BLOCK_HEADER_SIZE);
    const block = parseBlockHeader(bytes, pos, frame);
    const end = pos + BLOCK_HEADER_SIZE + block.contentBytes;
    if (end > source.size) {
      throw new FormatError(
        `block ${index} needs ${block.contentBytes} bytes but the file ends ${source.size - pos - BLOCK_HEADER_SIZE} bytes later`,
        pos,
        frame,
      );
    }
    if (visit?.({ ...block, index, offset: pos }) === false) return { end, blockCount: index + 1 };
    pos = end;
    if (block.last) return { end: pos, blockCount: index + 1 };
  }
}

/** Parses the frame starting at `offset` (frame number `index`) and finds where it ends. */
export async function readFrame(source: ByteSource, offset: number, index: number): Promise<FrameInfo> {
  const head = await source.read(offset, MAX_FRAME_HEADER_SIZE);
  const skippable = readSkippableHeader(head);
  if (skippable) {
    const compressedSize = SKIPPABLE_HEADER_SIZE + skippable.payloadSize;
    if (offset + compressedSize > source.size) {
      throw new FormatError(
        `skippable frame claims ${skippable.payloadSize} bytes but the file ends ${source.size - offset - SKIPPABLE_HEADER_SIZE} bytes later`,
        offset + 4,
        index,
      );
    }
    return { kind: 'skippable', index, offset, compressedSize, skippable };
  }
  const header = parseFrameHeader(head, offset, index);
  const { end, blockCount } = await walkBlocks(source, offset + header.headerSize, index);
  let checksum: number | undefined;
  let frameEnd = end;
  if (header.hasChecksum) {
    if (end + 4 > source.size) throw new FormatError('truncated content checksum', end, index);
    const bytes = await source.read(end, 4);
    checksum = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
    frameEnd += 4;
  }
  return { kind: 'zstd', index, offset, compressedSize: frameEnd - offset, header, blockCount, checksum };
}

/** Every frame of the file in order, from offset 0 to its end. */
export async function* walkFrames(source: ByteSource, from = 0): AsyncGenerator<FrameInfo> {
  let offset = from;
  for (let index = 0; offset < source.size; index++) {
    const frame = await readFrame(source, offset, index);
    yield frame;
    offset += frame.compressedSize;
  }
}

/**
 * A ByteSource over a read function that serves small reads from a cached page, so that hopping
 * over blocks costs one read per page rather than one per block header. Pages are `pageSize`, and
 * with a larger `maxPageSize` they double up to it while each miss lands at most a block's size
 * past the page (headers close together), then start again after a jump. That reads the bytes
 * between headers, so it is for callers that read the whole file next anyway (decoding): there one
 * read per header costs more than the bytes. Inspecting a pzstd archive of the kernel tar (200 MB,
 * 10,600 blocks) took 0.31 s in 4 KiB pages, one read per block header, and 0.15 s growing to 1 MiB.
 */
export function bufferedSource(
  size: number,
  readAt: (offset: number, length: number) => Promise<Uint8Array>,
  pageSize = 64 << 10,
  maxPageSize = pageSize,
): ByteSource {
  let pageOffset = -1;
  let page: Uint8Array = new Uint8Array(0);
  let current = pageSize;
  return {
    size,
    async read(offset, length) {
      const want = Math.max(0, Math.min(length, size - offset));
      const pageEnd = pageOffset + page.length;
      if (offset >= pageOffset && offset + want <= pageEnd) {
        return page.subarray(offset - pageOffset, offset - pageOffset + want);
      }
      const close = pageOffset >= 0 && offset >= pageEnd && offset - pageEnd <= MAX_BLOCK_SIZE;
      current = close ? Math.min(current * 2, Math.max(pageSize, maxPageSize)) : pageSize;
      if (want > current) return readAt(offset, want);
      page = await readAt(offset, Math.min(current, size - offset));
      pageOffset = offset;
      return page.subarray(0, want);
    },
  };
}
