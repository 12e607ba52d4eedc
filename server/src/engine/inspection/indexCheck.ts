/**
 * Whether a seekable archive's index tells the truth: each seek table entry against the frame it
 * describes, and the manifest against the table. An index that lies sends readers to the wrong
 * bytes (the reference seekable library fails on such a file at its first range read), while every
 * frame may still decode and pass its own checksum; so disagreements are findings of their own,
 * apart from damaged frames. Pure: the caller reads the frames.
 */
import type { SeekTable } from '../format/seekTable';
import type { ArchiveInfo, FrameRow } from './inspect';

export type IndexField =
  | 'Compressed_Size'
  | 'Decompressed_Size'
  | 'Checksum'
  | 'Number_Of_Frames'
  | 'manifest'
  /** The table or manifest cannot be read at all. */
  | 'structure';

export interface IndexFinding {
  /** The seek table entry, or undefined for the table or the manifest as a whole. */
  entry: number | undefined;
  field: IndexField;
  stored: number | string;
  actual: number | string;
  /** Byte offset of the stored value in the archive. */
  offset: number;
  /** The whole sentence: where, which field, what it says and what is there. */
  message: string;
}

type TableShape = Pick<SeekTable, 'tableOffset' | 'hasChecksums'>;

const FIELD_AT: Record<'Compressed_Size' | 'Decompressed_Size' | 'Checksum', number> = {
  Compressed_Size: 0,
  Decompressed_Size: 4,
  Checksum: 8,
};

/** Byte offset of `field` of entry `entry` (after the 8-byte skippable header). */
export function entryFieldOffset(table: TableShape, entry: number, field: keyof typeof FIELD_AT): number {
  return table.tableOffset + 8 + entry * (table.hasChecksums ? 12 : 8) + FIELD_AT[field];
}

/** Number_Of_Frames, in the footer's first four bytes. */
const footerOffset = (table: TableShape & { tableSize: number }): number => table.tableOffset + table.tableSize - 9;

const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** The low 32 bits of an XXH64 given as 16 hex digits: what Content_Checksum and the table store. */
export const low32 = (digest: string): number => Number.parseInt(digest.slice(8), 16);

function entryFinding(
  table: TableShape,
  entry: number,
  field: keyof typeof FIELD_AT,
  stored: number,
  actual: number,
  what: string,
): IndexFinding {
  const offset = entryFieldOffset(table, entry, field);
  const show = field === 'Checksum' ? hex32 : String;
  return {
    entry,
    field,
    stored,
    actual,
    offset,
    message: `seek table entry ${entry}, ${field} (byte ${offset}): says ${show(stored)}, but ${what} ${show(actual)}`,
  };
}

/**
 * Each entry of the table (`listed`: the data frames as the table gives them) against the frames
 * found by walking the file's headers (`found`, data frames in order). Checksums are compared when
 * both sides have one (the walk reads them from each frame's trailer).
 */
export function compareWithFrames(
  table: TableShape & { tableSize: number },
  listed: readonly FrameRow[],
  found: readonly FrameRow[],
): IndexFinding[] {
  const findings: IndexFinding[] = [];
  if (listed.length !== found.length) {
    const offset = footerOffset(table);
    findings.push({
      entry: undefined,
      field: 'Number_Of_Frames',
      stored: listed.length,
      actual: found.length,
      offset,
      message: `seek table, Number_Of_Frames (byte ${offset}): says ${listed.length} frames, but the file holds ${found.length} data frames before it`,
    });
  }
  for (let i = 0; i < Math.min(listed.length, found.length); i++) {
    const entry = listed[i];
    const frame = found[i];
    const at = `frame ${i} at byte ${frame.offset}`;
    if (entry.compressedSize !== frame.compressedSize)
      findings.push(entryFinding(table, i, 'Compressed_Size', entry.compressedSize, frame.compressedSize, `${at} is`));
    if (frame.contentSize !== undefined && entry.contentSize !== frame.contentSize)
      findings.push(
        entryFinding(table, i, 'Decompressed_Size', entry.contentSize ?? 0, frame.contentSize, `${at} declares`),
      );
    if (entry.checksum !== undefined && frame.checksum !== undefined && entry.checksum !== frame.checksum)
      findings.push(entryFinding(table, i, 'Checksum', entry.checksum, frame.checksum, `${at} carries`));
  }
  return findings;
}

/** One entry's Checksum against the content its frame decoded to (its XXH64). */
export function compareChecksum(table: TableShape, entry: FrameRow, digest: string): IndexFinding | undefined {
  if (entry.checksum === undefined || entry.checksum === low32(digest)) return undefined;
  return entryFinding(
    table,
    entry.index,
    'Checksum',
    entry.checksum,
    low32(digest),
    `frame ${entry.index} decodes to content whose XXH64 ends in`,
  );
}

/**
 * The manifest against the table it sits before: the chunk count, the content size, and each
 * chunk digest against its entry's Checksum (both are XXH64 of the same chunk). Needs no frame.
 */
export function compareManifest(info: ArchiveInfo): IndexFinding[] {
  const { manifest, seekTable } = info;
  if (!manifest || !seekTable) return [];
  const data = info.frames.filter((f) => f.role === 'data');
  const at = info.frames.find((f) => f.role === 'manifest')?.offset ?? seekTable.compressedTotal;
  const finding = (field: string, stored: number | string, actual: number | string, detail: string): IndexFinding => ({
    entry: undefined,
    field: 'manifest',
    stored,
    actual,
    offset: at,
    message: `the manifest (byte ${at}), ${field}: ${detail}`,
  });
  const findings: IndexFinding[] = [];
  if (manifest.content.chunkCount !== data.length)
    findings.push(
      finding(
        'content.chunkCount',
        manifest.content.chunkCount,
        data.length,
        `says ${manifest.content.chunkCount} chunks, but the seek table lists ${data.length} frames`,
      ),
    );
  if (manifest.content.size !== seekTable.decompressedTotal)
    findings.push(
      finding(
        'content.size',
        manifest.content.size,
        seekTable.decompressedTotal,
        `says ${manifest.content.size} bytes, but the seek table's entries add up to ${seekTable.decompressedTotal}`,
      ),
    );
  const digests = manifest.chunks.digests;
  for (let i = 0; i < Math.min(digests.length, data.length); i++) {
    const checksum = data[i].checksum;
    if (checksum !== undefined && low32(digests[i]) !== checksum)
      findings.push(
        finding(
          `chunks.digests[${i}]`,
          digests[i],
          hex32(checksum),
          `XXH64 ${digests[i]} ends in ${hex32(low32(digests[i]))}, but seek table entry ${i} says ${hex32(checksum)}`,
        ),
      );
  }
  return findings;
}
