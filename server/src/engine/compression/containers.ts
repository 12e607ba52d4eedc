/**
 * What surrounds an archive's frames: for zstd the manifest and the seek table after them; for a
 * gzip member its header before them and its trailer after (the CRC-32 combined from the chunks');
 * for BGZF the end-of-file block, and the block offsets a `.gzi` lists.
 */
import * as zlib from 'node:zlib';
import { manifestDeflater } from '../codec/codec';
import { crc32Combine } from '../codec/crc32Combine';
import { BGZF_BLOCK_INPUT, BGZF_EOF, writeGzi, type GziEntry } from '../format/bgzfBlock';
import { FINAL_EMPTY_BLOCK, writeGzipHeader, writeGzipTrailer, type GzipHeaderFields } from '../format/gzipHeader';
import { manifestFramePieces, type Manifest } from '../format/manifest';
import { writeSeekTable, type SeekEntry } from '../format/seekTable';

/** What a frame's worker said of it besides its bytes (gzip layouts). */
export interface FrameFacts {
  crc32?: number;
  /** BGZF: the sizes of the blocks the frame is made of. */
  blocks?: readonly number[];
  /** A folder's frame: its first and last members' paths (for the journal). */
  members?: [string, string];
}

export interface Container {
  /** Bytes before the first frame. */
  readonly head: Uint8Array;
  /** A frame was appended (in order). */
  frame(entry: SeekEntry, facts: FrameFacts): void;
  /** Bytes after the last frame, in pieces written one after another. */
  tail(manifest: Manifest): Uint8Array[];
}

/**
 * The manifest and the seek table. The manifest frame has its own entry, as the seekable format
 * asks of every frame (Decompressed_Size 0, checksum 0).
 */
export function seekableZstd(): Container {
  const entries: SeekEntry[] = [];
  return {
    head: new Uint8Array(0),
    frame: (entry) => void entries.push(entry),
    tail(manifest) {
      const manifestFrame = manifestFramePieces(manifest, manifestDeflater());
      const compressedSize = manifestFrame.reduce((n, piece) => n + piece.length, 0);
      const all = [...entries, { compressedSize, decompressedSize: 0, checksum: 0 }];
      return [...manifestFrame, writeSeekTable(all)];
    },
  };
}

/** One gzip member, its deflate stream made of the frames (codec/deflate.ts's deflateChunk). */
export function gzipMember(fields: GzipHeaderFields): Container {
  let crc = zlib.crc32(new Uint8Array(0));
  let length = 0;
  return {
    head: writeGzipHeader(fields),
    frame(entry, facts) {
      if (facts.crc32 === undefined) throw new RangeError('a gzip frame came without its CRC-32');
      crc = crc32Combine(crc, facts.crc32, entry.decompressedSize);
      length += entry.decompressedSize;
    },
    tail: () => [FINAL_EMPTY_BLOCK, writeGzipTrailer(crc, length)],
  };
}

export interface BgzfContainer extends Container {
  /** The `.gzi` index of what was written: every block's start but the first. */
  gzi(): Uint8Array;
}

/** BGZF blocks, then the end-of-file block. */
export function bgzf(): BgzfContainer {
  const starts: GziEntry[] = [];
  let compressedOffset = 0;
  let uncompressedOffset = 0;
  return {
    head: new Uint8Array(0),
    frame(entry, facts) {
      let left = entry.decompressedSize;
      for (const size of facts.blocks ?? []) {
        if (compressedOffset > 0) starts.push({ compressedOffset, uncompressedOffset });
        compressedOffset += size;
        const content = Math.min(left, BGZF_BLOCK_INPUT);
        uncompressedOffset += content;
        left -= content;
      }
    },
    tail: () => [BGZF_EOF],
    gzi: () => writeGzi(starts),
  };
}
