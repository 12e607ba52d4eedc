/**
 * What is inside a .zst, from headers alone. A seekable archive is described by its footer, seek
 * table and manifest (a few KiB, whatever the archive's size); any other file is walked frame by
 * frame (RFC 8878) without decoding.
 */
import { withArchive } from '../io/archiveFile';
import { ChunkpressError } from '../errors';
import { FormatError } from '../format/formatError';
import {
  MANIFEST_MAGIC,
  MAX_CHUNK_SIZE,
  SEEK_TABLE_FOOTER_SIZE,
  SEEK_TABLE_MAGIC,
  SKIPPABLE_HEADER_SIZE,
} from '../format/constants';
import { compareManifest } from './indexCheck';
import { readSkippableHeader } from '../format/skippableFrame';
import { bufferedSource, walkFrames, type ByteSource } from '../format/frameWalker';
import { isGzip, type GzipHeader } from '../format/gzipHeader';
import { TAR_BLOCK } from '../format/tarHeader';
import { walkGzipMembers, type WalkOptions } from './gzipMembers';
import { parseManifest, type Manifest } from '../format/manifest';
import { decompressManifestBody } from '../codec/codec';
import {
  listedManifestOffset,
  parseSeekFooter,
  parseSeekTable,
  withoutManifestEntry,
  type SeekTable,
} from '../format/seekTable';

/** `tar`: an uncompressed tar archive (its content is the file itself). */
export type Layout =
  | 'chunkpress'
  | 'seekable'
  | 'pzstd'
  | 'single-frame'
  | 'multi-frame'
  | 'gzip'
  | 'bgzf'
  | 'tar'
  | 'empty';

/** `member`: a gzip member (a BGZF block in BGZF files). */
export type FrameRole = 'data' | 'manifest' | 'seek-table' | 'pzstd-size' | 'skippable' | 'member';

export interface FrameRow {
  index: number;
  role: FrameRole;
  offset: number;
  compressedSize: number;
  /** Offset of this frame's content in the decompressed stream (data frames with known sizes). */
  contentOffset: number | undefined;
  contentSize: number | undefined;
  /** Low 32 bits of XXH64 (zstd), from the seek table or the frame's trailer; CRC32 for gzip. */
  checksum: number | undefined;
  /** Skippable frames: 0..15. */
  variant?: number;
  /** gzip members: their header. */
  gzip?: GzipHeader;
  /** zstd frames found by the header walk: how many blocks they have. */
  blockCount?: number;
  /** A run of BGZF blocks (decoding/bgzfRuns.ts): each block's content size and CRC-32. */
  blocks?: Array<{ size: number; crc32: number | undefined }>;
}

/** Where a file stopped making sense; everything before it is listed. */
export interface InspectProblem {
  /** The whole sentence, offset and frame included. */
  message: string;
  offset: number;
  frame: number | undefined;
  /** `index`: the seek table or manifest is damaged; the frames were then listed by walking them. */
  part?: 'index';
}

export interface ArchiveInfo {
  file: string;
  fileSize: number;
  layout: Layout;
  seekable: boolean;
  /** Whether the data frames carry content checksums: all, some or none of them. */
  checksums: 'all' | 'some' | 'none';
  dataFrames: number;
  skippableFrames: number;
  /** Undefined when a frame does not declare its size. */
  contentSize: number | undefined;
  frames: FrameRow[];
  manifest: Manifest | undefined;
  seekTable: Omit<SeekTable, 'entries'> | undefined;
  /** How the frame list was obtained. */
  via: 'seek-table' | 'header-walk';
  /** Bytes read from the file to answer. */
  bytesRead: number;
  /** Set when the file is corrupt or truncated: `frames` then holds what precedes the damage. */
  problem: InspectProblem | undefined;
  /**
   * Where the index contradicts itself (the manifest against the seek table, an entry no frame
   * may have): the file is still described as the table says. Verify checks it against the frames.
   */
  warnings: string[];
}

export interface InspectOptions extends WalkOptions {
  /**
   * The caller reads the whole file next (it decodes it): a header walk may then read big pages
   * where block headers are close together, which is faster than a read per header. Otherwise it
   * reads the headers only.
   */
  readAhead?: boolean;
}

/**
 * Describes the archive at `file`. A file that cannot be opened or read rejects with a
 * ChunkpressError naming it; a corrupt or truncated one resolves with what could be listed and
 * a `problem` naming the frame and byte offset where it went wrong.
 */
export async function inspectArchive(file: string, options: InspectOptions = {}): Promise<ArchiveInfo> {
  return withArchive(file, async (archive) => {
    const { size, readAt } = archive;
    const finish = (derived: Derived, via: ArchiveInfo['via']): ArchiveInfo => {
      const info: ArchiveInfo = { file, fileSize: size, ...derived, via, bytesRead: archive.bytesRead, warnings: [] };
      if (via === 'seek-table') info.warnings = indexWarnings(info);
      return info;
    };
    if (size === 0) return finish(emptyArchive(), 'header-walk');
    // One block tells gzip and plain tar apart from zstd.
    const head = await readAt(0, Math.min(size, TAR_BLOCK));
    if (head.length === TAR_BLOCK && isTarHeader(head)) return finish(plainTar(size), 'header-walk');
    if (isGzip(head)) {
      // BGZF members are a few KiB: a small page reads a trailer and the next header together.
      return finish(await fromGzip(bufferedSource(size, readAt, 512), options, file), 'header-walk');
    }
    let tableProblem: InspectProblem | undefined;
    try {
      const footer = parseSeekFooter(
        await readAt(Math.max(0, size - SEEK_TABLE_FOOTER_SIZE), SEEK_TABLE_FOOTER_SIZE),
        size,
      );
      if (footer) {
        const index = await readIndex(
          parseSeekTable(await readAt(size - footer.tableSize, footer.tableSize), size),
          readAt,
        );
        return finish(fromSeekTable(index.table, index.manifest), 'seek-table');
      }
    } catch (err) {
      // A damaged seek table or manifest does not hide the frames: walk them instead.
      tableProblem = { ...toProblem(err, file, 'zstd'), part: 'index' };
    }
    // Small pages: hopping from block header to block header should not read the blocks between
    // them, unless the caller reads them next anyway (pzstd's blocks: every 20-30 KiB).
    const walked = await fromWalk(bufferedSource(size, readAt, 4 << 10, options.readAhead ? 1 << 20 : 4 << 10), file);
    return finish({ ...walked, problem: tableProblem ?? walked.problem }, 'header-walk');
  });
}

/**
 * What the index says that cannot be true, from the index alone: entries larger than any seekable
 * frame may be, and a manifest that disagrees with the table.
 */
function indexWarnings(info: ArchiveInfo): string[] {
  const warnings: string[] = [];
  for (const f of info.frames)
    if (f.role === 'data' && f.contentSize !== undefined && f.contentSize > MAX_CHUNK_SIZE)
      warnings.push(
        `seek table entry ${f.index} says frame ${f.index} holds ${f.contentSize} bytes, more than a seekable frame may (${MAX_CHUNK_SIZE})`,
      );
  return [...warnings, ...compareManifest(info).map((f) => f.message)];
}

/**
 * The data frames as their own headers give them, whatever the seek table says: one walk from
 * header to header over the whole file (reading big pages, for a caller that decodes it next).
 */
export async function walkDataFrames(
  file: string,
): Promise<{ frames: FrameRow[]; problem: InspectProblem | undefined }> {
  return withArchive(file, async (archive) => {
    const walked = await fromWalk(bufferedSource(archive.size, archive.readAt, 4 << 10, 1 << 20), file);
    return { frames: walked.frames.filter((f) => f.role === 'data'), problem: walked.problem };
  });
}

/** A FormatError becomes the archive's problem; anything else (I/O, cancel) propagates. */
export function toProblem(err: unknown, file: string, kind: 'zstd' | 'gzip'): InspectProblem {
  if (!(err instanceof FormatError)) throw err;
  return { message: `"${file}" is not a valid ${kind} file: ${err.message}`, offset: err.offset, frame: err.frame };
}

/** The error a caller that wants all or nothing (the CLI's exit status, tests) raises for a problem. */
export function problemError(info: ArchiveInfo): ChunkpressError | undefined {
  return info.problem && new ChunkpressError(info.problem.message, 'EFORMAT', info.file);
}

/** A ustar or GNU tar header at byte 0 ("ustar" at 257): nothing to decode, the file is the content. */
function isTarHeader(block: Uint8Array): boolean {
  return String.fromCharCode(...block.subarray(257, 262)) === 'ustar';
}

function plainTar(size: number): Derived {
  return { ...emptyArchive(), layout: 'tar', contentSize: size };
}

function emptyArchive(): Derived {
  return {
    layout: 'empty',
    seekable: false,
    checksums: 'none',
    dataFrames: 0,
    skippableFrames: 0,
    contentSize: 0,
    frames: [],
    manifest: undefined,
    seekTable: undefined,
    problem: undefined,
  };
}

/**
 * The manifest sits between the data frames and the seek table; anything else there is not ours.
 * Version 2 archives list it as the table's last entry (Decompressed_Size 0), as the seekable
 * format asks, so that the entries sum to the table's offset; version 1 did not list it. Returns
 * the table of the data frames alone either way.
 */
async function readIndex(
  table: SeekTable,
  readAt: (offset: number, length: number) => Promise<Uint8Array>,
): Promise<{ table: SeekTable; manifest: Manifest | undefined }> {
  const listed = listedManifestOffset(table);
  let head = listed === undefined ? undefined : readSkippableHeader(await readAt(listed, SKIPPABLE_HEADER_SIZE));
  if (head?.magic === MANIFEST_MAGIC) table = withoutManifestEntry(table);
  const span = table.tableOffset - table.compressedTotal;
  if (span < SKIPPABLE_HEADER_SIZE) return { table, manifest: undefined };
  // Check the skippable header before reading the span: a foreign frame there is not ours, and
  // its claimed size must fill the span exactly.
  if (!table.manifestListed) head = readSkippableHeader(await readAt(table.compressedTotal, SKIPPABLE_HEADER_SIZE));
  if (head?.magic !== MANIFEST_MAGIC) return { table, manifest: undefined };
  if (SKIPPABLE_HEADER_SIZE + head.payloadSize !== span) {
    throw new FormatError(
      `manifest frame claims ${head.payloadSize} payload bytes but ${span - SKIPPABLE_HEADER_SIZE} lie before the seek table`,
      table.compressedTotal + 4,
    );
  }
  const manifest = parseManifest(
    await readAt(table.compressedTotal, span),
    table.compressedTotal,
    decompressManifestBody,
  );
  return { table, manifest };
}

type Derived = Omit<ArchiveInfo, 'file' | 'fileSize' | 'via' | 'bytesRead' | 'warnings'>;

function fromSeekTable(table: SeekTable, manifest: Manifest | undefined): Derived {
  const frames: FrameRow[] = [];
  let offset = 0;
  let contentOffset = 0;
  table.entries.forEach((entry, index) => {
    frames.push({
      index,
      role: 'data',
      offset,
      compressedSize: entry.compressedSize,
      contentOffset,
      contentSize: entry.decompressedSize,
      checksum: entry.checksum,
    });
    offset += entry.compressedSize;
    contentOffset += entry.decompressedSize;
  });
  const trailer: FrameRow[] = [];
  if (manifest) {
    trailer.push({
      index: frames.length,
      role: 'manifest',
      offset,
      compressedSize: table.tableOffset - offset,
      contentOffset: undefined,
      contentSize: undefined,
      checksum: undefined,
      variant: MANIFEST_MAGIC & 0xf,
    });
  }
  trailer.push({
    index: frames.length + trailer.length,
    role: 'seek-table',
    offset: table.tableOffset,
    compressedSize: table.tableSize,
    contentOffset: undefined,
    contentSize: undefined,
    checksum: undefined,
    variant: SEEK_TABLE_MAGIC & 0xf,
  });
  const { entries: _, ...seekTable } = table;
  return {
    layout: manifest ? 'chunkpress' : 'seekable',
    seekable: true,
    checksums: table.hasChecksums ? 'all' : 'none',
    dataFrames: frames.length,
    skippableFrames: trailer.length,
    contentSize: table.decompressedTotal,
    frames: [...frames, ...trailer],
    manifest,
    seekTable,
    problem: undefined,
  };
}

async function fromWalk(source: ByteSource, file: string): Promise<Derived> {
  const frames: FrameRow[] = [];
  let contentOffset: number | undefined = 0;
  let withChecksum = 0;
  let problem: InspectProblem | undefined;
  try {
    await walk();
  } catch (err) {
    problem = toProblem(err, file, 'zstd');
  }
  async function walk(): Promise<void> {
    for await (const frame of walkFrames(source)) {
      if (frame.kind === 'skippable') {
        const pzstdSize = frame.skippable.variant === 0 && frame.skippable.payloadSize === 4;
        frames.push({
          index: frame.index,
          role: pzstdSize ? 'pzstd-size' : 'skippable',
          offset: frame.offset,
          compressedSize: frame.compressedSize,
          contentOffset: undefined,
          contentSize: undefined,
          checksum: undefined,
          variant: frame.skippable.variant,
        });
        continue;
      }
      const size = frame.header.contentSize;
      frames.push({
        index: frame.index,
        role: 'data',
        offset: frame.offset,
        compressedSize: frame.compressedSize,
        contentOffset,
        contentSize: size,
        checksum: frame.checksum,
        blockCount: frame.blockCount,
      });
      contentOffset = contentOffset === undefined || size === undefined ? undefined : contentOffset + size;
      if (frame.header.hasChecksum) withChecksum++;
    }
  }
  const data = frames.filter((f) => f.role === 'data');
  const skippable = frames.length - data.length;
  const pzstd = data.length > 0 && frames.every((f, i) => (i % 2 === 0 ? f.role === 'pzstd-size' : f.role === 'data'));
  return {
    layout: pzstd ? 'pzstd' : data.length === 1 ? 'single-frame' : 'multi-frame',
    seekable: false,
    checksums: withChecksum === 0 ? 'none' : withChecksum === data.length ? 'all' : 'some',
    dataFrames: data.length,
    skippableFrames: skippable,
    contentSize: contentOffset,
    frames,
    manifest: undefined,
    seekTable: undefined,
    problem,
  };
}

async function fromGzip(source: ByteSource, options: WalkOptions, file: string): Promise<Derived> {
  const frames: FrameRow[] = [];
  let contentSize = 0;
  let problem: InspectProblem | undefined;
  try {
    await walk();
  } catch (err) {
    problem = toProblem(err, file, 'gzip');
  }
  async function walk(): Promise<void> {
    for await (const m of walkGzipMembers(source, options)) {
      frames.push({
        index: m.index,
        role: 'member',
        offset: m.offset,
        compressedSize: m.compressedSize,
        contentOffset: m.contentOffset,
        contentSize: m.contentSize,
        checksum: m.crc32,
        gzip: m.header,
      });
      contentSize = m.contentOffset + m.contentSize;
    }
  }
  const bgzf = frames.length > 0 && frames.every((f) => f.gzip?.bgzfBlockSize !== undefined);
  return {
    layout: bgzf ? 'bgzf' : 'gzip',
    seekable: bgzf,
    checksums: frames.length > 0 ? 'all' : 'none',
    dataFrames: frames.length,
    skippableFrames: 0,
    contentSize,
    frames,
    manifest: undefined,
    seekTable: undefined,
    problem,
  };
}

/**
 * Records the size of data frame `index`, measured by decoding it, and recomputes the content
 * offsets after it and the total (still unknown while any other frame is).
 */
export function applyMeasuredSize(info: ArchiveInfo, index: number, size: number): void {
  const row = info.frames.find((f) => f.index === index && f.role === 'data');
  if (!row) throw new RangeError(`frame ${index} is not a data frame`);
  row.contentSize = size;
  let contentOffset: number | undefined = 0;
  for (const f of info.frames) {
    if (f.role !== 'data') continue;
    f.contentOffset = contentOffset;
    contentOffset =
      contentOffset === undefined || f.contentSize === undefined ? undefined : contentOffset + f.contentSize;
  }
  info.contentSize = contentOffset;
}
