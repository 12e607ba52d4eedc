/**
 * One frame in full: its header fields and a page of its blocks, read from headers alone. Pages
 * keep a frame with thousands of blocks cheap to show: every block header is hopped over (3 bytes
 * read per block, from small cached pages), only the asked-for ones are returned.
 */
import { withArchive } from '../io/archiveFile';
import { ChunkpressError } from '../errors';
import { SKIPPABLE_HEADER_SIZE } from '../format/constants';
import { FormatError } from '../format/formatError';
import { bufferedSource, walkBlocks } from '../format/frameWalker';
import { MAX_FRAME_HEADER_SIZE, parseFrameHeader, type BlockType, type FrameHeader } from '../format/frameHeader';
import { readSkippableHeader } from '../format/skippableFrame';
import { toProblem, type InspectProblem } from './inspect';

export interface BlockRow {
  index: number;
  /** Absolute offset of the 3-byte block header. */
  offset: number;
  type: BlockType;
  /** The Block_Size field: decoded size for raw and RLE blocks, stored size for compressed ones. */
  size: number;
  last: boolean;
}

export type FrameDetail =
  | {
      kind: 'zstd';
      index: number;
      offset: number;
      header: FrameHeader;
      /** Blocks `blockStart`.. of the page asked for. */
      blocks: BlockRow[];
      blockStart: number;
      /** Blocks in the frame (counted up to the damage when there is a problem). */
      blockCount: number;
      /** Content_Checksum as stored, when the frame has one. */
      checksum: number | undefined;
      problem: InspectProblem | undefined;
    }
  | {
      kind: 'skippable';
      index: number;
      offset: number;
      magic: number;
      variant: number;
      payloadSize: number;
      /** pzstd's size frames hold the compressed size of the frame that follows (u32 LE). */
      pzstdNextFrameSize: number | undefined;
    };

export interface FrameDetailRequest {
  index: number;
  offset: number;
  blockStart?: number;
  blockCount?: number;
}

export const DEFAULT_BLOCK_PAGE = 200;

export async function describeFrame(file: string, request: FrameDetailRequest): Promise<FrameDetail> {
  const { index, offset } = request;
  const blockStart = Math.max(0, request.blockStart ?? 0);
  const blockEnd = blockStart + Math.max(0, request.blockCount ?? DEFAULT_BLOCK_PAGE);
  return withArchive(file, async (archive) => {
    const source = bufferedSource(archive.size, archive.readAt, 4 << 10);
    try {
      const head = await source.read(offset, MAX_FRAME_HEADER_SIZE);
      const skippable = readSkippableHeader(head);
      if (skippable) {
        const pzstd = skippable.variant === 0 && skippable.payloadSize === 4 && head.length >= 12;
        return {
          kind: 'skippable',
          index,
          offset,
          magic: skippable.magic,
          variant: skippable.variant,
          payloadSize: skippable.payloadSize,
          pzstdNextFrameSize: pzstd
            ? new DataView(head.buffer, head.byteOffset + SKIPPABLE_HEADER_SIZE, 4).getUint32(0, true)
            : undefined,
        };
      }
      const header = parseFrameHeader(head, offset, index);
      const blocks: BlockRow[] = [];
      let blockCount = 0;
      let checksum: number | undefined;
      let problem: InspectProblem | undefined;
      try {
        const walked = await walkBlocks(source, offset + header.headerSize, index, (block) => {
          blockCount = block.index + 1;
          if (block.index >= blockStart && block.index < blockEnd) {
            blocks.push({
              index: block.index,
              offset: block.offset,
              type: block.type,
              size: block.size,
              last: block.last,
            });
          }
        });
        if (header.hasChecksum) {
          const bytes = await source.read(walked.end, 4);
          if (bytes.length < 4) throw new FormatError('truncated content checksum', walked.end, index);
          checksum = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
        }
      } catch (err) {
        problem = toProblem(err, file, 'zstd');
      }
      return { kind: 'zstd', index, offset, header, blocks, blockStart, blockCount, checksum, problem };
    } catch (err) {
      // The frame's own header is unreadable: nothing of it can be shown.
      throw new ChunkpressError(toProblem(err, file, 'zstd').message, 'EFORMAT', file);
    }
  });
}
