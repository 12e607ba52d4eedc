import {
  SEEK_TABLE_CHECKSUM_FLAG,
  SEEK_TABLE_FOOTER_SIZE,
  SEEK_TABLE_MAGIC,
  SEEK_TABLE_RESERVED_BITS,
  SEEKABLE_FOOTER_MAGIC,
  SKIPPABLE_HEADER_SIZE,
} from './constants';
import { FormatError } from './formatError';

/** One frame as the zstd seekable format v0.1.0 describes it. */
export interface SeekEntry {
  compressedSize: number;
  decompressedSize: number;
  /** Low 32 bits of XXH64(content), as in the frame's own Content_Checksum. */
  checksum?: number;
}

export interface SeekTable {
  entries: SeekEntry[];
  hasChecksums: boolean;
  /** Byte offset of the seek table's skippable frame in the file. */
  tableOffset: number;
  /** Whole skippable frame: header, entries, footer. */
  tableSize: number;
  /** Sum of the entries' compressed sizes: where the data frames end. */
  compressedTotal: number;
  decompressedTotal: number;
  /**
   * Set by a reader that found the table's last entry to be a Chunkpress manifest and took it out
   * of `entries` (and `compressedTotal`), which then describe the data frames alone.
   */
  manifestListed?: boolean;
}

/** Bytes of a seek table frame with `frames` entries. */
export function seekTableSize(frames: number, withChecksums = true): number {
  return SKIPPABLE_HEADER_SIZE + frames * (withChecksums ? 12 : 8) + SEEK_TABLE_FOOTER_SIZE;
}

/** Serialises the seek table as a complete skippable frame, checksums included. */
export function writeSeekTable(entries: readonly SeekEntry[]): Buffer {
  const out = Buffer.alloc(seekTableSize(entries.length));
  out.writeUInt32LE(SEEK_TABLE_MAGIC, 0);
  out.writeUInt32LE(out.length - SKIPPABLE_HEADER_SIZE, 4);
  let pos = SKIPPABLE_HEADER_SIZE;
  for (const entry of entries) {
    if (entry.checksum === undefined) throw new RangeError('every seek table entry needs a checksum');
    out.writeUInt32LE(entry.compressedSize, pos);
    out.writeUInt32LE(entry.decompressedSize, pos + 4);
    out.writeUInt32LE(entry.checksum >>> 0, pos + 8);
    pos += 12;
  }
  out.writeUInt32LE(entries.length, pos);
  out.writeUInt8(SEEK_TABLE_CHECKSUM_FLAG, pos + 4);
  out.writeUInt32LE(SEEKABLE_FOOTER_MAGIC, pos + 5);
  return out;
}

export interface SeekFooter {
  frames: number;
  hasChecksums: boolean;
  tableSize: number;
}

/**
 * Reads the 9-byte footer from the last bytes of a file. Returns undefined when the magic is absent
 * (not a seekable archive); throws when the footer is there but cannot describe this file.
 */
export function parseSeekFooter(footer: Uint8Array, fileSize: number): SeekFooter | undefined {
  if (fileSize < SEEK_TABLE_FOOTER_SIZE || footer.length < SEEK_TABLE_FOOTER_SIZE) return undefined;
  const view = new DataView(footer.buffer, footer.byteOffset + footer.length - SEEK_TABLE_FOOTER_SIZE);
  if (view.getUint32(5, true) !== SEEKABLE_FOOTER_MAGIC) return undefined;
  const footerOffset = fileSize - SEEK_TABLE_FOOTER_SIZE;
  const frames = view.getUint32(0, true);
  const descriptor = view.getUint8(4);
  if (descriptor & SEEK_TABLE_RESERVED_BITS) {
    throw new FormatError(`seek table descriptor 0x${descriptor.toString(16)} has reserved bits set`, footerOffset + 4);
  }
  const hasChecksums = (descriptor & SEEK_TABLE_CHECKSUM_FLAG) !== 0;
  // Checked in floating point before anything is allocated: a hostile count cannot exceed the file.
  const tableSize = seekTableSize(frames, hasChecksums);
  if (tableSize > fileSize) {
    throw new FormatError(
      `seek table claims ${frames} frames (${tableSize} bytes) but the file has only ${fileSize} bytes`,
      footerOffset,
    );
  }
  return { frames, hasChecksums, tableSize };
}

/**
 * Parses a whole seek table frame, `table` being the last `footer.tableSize` bytes of a file of
 * `fileSize` bytes. Every size is checked against the file before it is trusted; `lenient` lets
 * entries run past the table (for a verifier that compares each with the frames found instead).
 */
export function parseSeekTable(table: Uint8Array, fileSize: number, options: { lenient?: boolean } = {}): SeekTable {
  const footer = parseSeekFooter(table, fileSize);
  if (!footer) throw new FormatError('no seekable-format footer (magic 0x8F92EAB1)', Math.max(0, fileSize - 4));
  const tableOffset = fileSize - footer.tableSize;
  if (table.length < footer.tableSize) {
    throw new FormatError(`seek table needs ${footer.tableSize} bytes, got ${table.length}`, tableOffset);
  }
  const start = table.length - footer.tableSize;
  const view = new DataView(table.buffer, table.byteOffset + start, footer.tableSize);
  const magic = view.getUint32(0, true);
  if (magic !== SEEK_TABLE_MAGIC) {
    throw new FormatError(
      `expected seek table magic 0x184D2A5E, found 0x${magic.toString(16).toUpperCase()}`,
      tableOffset,
    );
  }
  const frameSize = view.getUint32(4, true);
  if (frameSize !== footer.tableSize - SKIPPABLE_HEADER_SIZE) {
    throw new FormatError(
      `seek table frame size ${frameSize} does not match ${footer.frames} entries (${footer.tableSize - SKIPPABLE_HEADER_SIZE})`,
      tableOffset + 4,
    );
  }
  const entrySize = footer.hasChecksums ? 12 : 8;
  const entries: SeekEntry[] = new Array<SeekEntry>(footer.frames);
  let compressedTotal = 0;
  let decompressedTotal = 0;
  for (let i = 0, pos = SKIPPABLE_HEADER_SIZE; i < footer.frames; i++, pos += entrySize) {
    const compressedSize = view.getUint32(pos, true);
    const decompressedSize = view.getUint32(pos + 4, true);
    compressedTotal += compressedSize;
    decompressedTotal += decompressedSize;
    if (compressedTotal > tableOffset && !options.lenient) {
      throw new FormatError(
        `seek table entry ${i} runs the data frames to byte ${compressedTotal}, past the seek table at ${tableOffset}`,
        tableOffset + pos,
        i,
      );
    }
    entries[i] = footer.hasChecksums
      ? { compressedSize, decompressedSize, checksum: view.getUint32(pos + 8, true) }
      : { compressedSize, decompressedSize };
  }
  return {
    entries,
    hasChecksums: footer.hasChecksums,
    tableOffset,
    tableSize: footer.tableSize,
    compressedTotal,
    decompressedTotal,
  };
}

/**
 * Where the frame of the table's last entry starts, when that entry may list a manifest: it
 * decodes to nothing and the entries reach the table, as version 2 archives write them. The
 * caller checks the frame's magic there before it calls `withoutManifestEntry`.
 */
export function listedManifestOffset(table: SeekTable): number | undefined {
  const last = table.entries.at(-1);
  if (!last || last.decompressedSize !== 0 || table.compressedTotal !== table.tableOffset) return undefined;
  return table.tableOffset - last.compressedSize;
}

/** The table of the data frames alone, its last entry (the manifest's) taken out. */
export function withoutManifestEntry(table: SeekTable): SeekTable {
  const last = table.entries.at(-1)!;
  return {
    ...table,
    entries: table.entries.slice(0, -1),
    compressedTotal: table.compressedTotal - last.compressedSize,
    manifestListed: true,
  };
}
