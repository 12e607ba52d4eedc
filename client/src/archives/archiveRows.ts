/**
 * The words and numbers of the Archives panel's rows: labels, descriptions, tooltips and the
 * exact values behind them. Pure (no `vscode`), so the rendered rows are unit-tested as text.
 */
import type { BlockRow, FrameDetail } from '../../../server/src/engine/inspection/frameDetail';
import { GZIP_OS, type GzipHeader } from '../../../server/src/engine/format/gzipHeader';
import type { Manifest } from '../../../server/src/engine/format/manifest';
import type { FrameRow, Layout } from '../../../server/src/engine/inspection/inspect';
import { formatSize } from '../../../server/src/engine/sizes';
import type { ArchiveSummary, ChunkInfo, JobProgress } from '../../../server/src/protocol';

/** A name = value row: `description` is what the row shows, `copy` what Copy Value puts on the clipboard. */
export interface Field {
  label: string;
  description: string;
  copy: string;
  tooltip?: string;
}

export const LAYOUT_NAMES: Record<Layout, string> = {
  chunkpress: 'Chunkpress',
  seekable: 'seekable zstd',
  pzstd: 'pzstd',
  'single-frame': 'single zstd frame',
  'multi-frame': 'multi-frame zstd',
  gzip: 'gzip',
  bgzf: 'BGZF',
  tar: 'tar',
  empty: 'empty',
};

export const hex = (n: number, width = 8): string => `0x${n.toString(16).toUpperCase().padStart(width, '0')}`;
const checksumText = (n: number | undefined): string => (n === undefined ? 'none' : n.toString(16).padStart(8, '0'));
export const exact = (n: number): string => `${formatSize(n)} (${n} B)`;
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const ratio = (content: number | undefined, stored: number): string =>
  content === undefined || stored === 0 ? '?' : `${(content / stored).toFixed(2)}×`;

const isGzipLayout = (layout: Layout): boolean => layout === 'gzip' || layout === 'bgzf';

/** What one data frame is called in this layout. */
export function unitName(layout: Layout): string {
  if (layout === 'chunkpress') return 'chunk';
  if (layout === 'bgzf') return 'block';
  return layout === 'gzip' ? 'member' : 'frame';
}

/** "1.27 GiB → 193 MiB · 6.72× · 325 chunks · Chunkpress" */
export function archiveDescription(s: ArchiveSummary): string {
  if (s.layout === 'tar') return `${formatSize(s.fileSize)} · ${s.memberCount ?? 'uncompressed'} · tar`;
  const parts = [
    `${s.contentSize === undefined ? 'size unknown' : formatSize(s.contentSize)} → ${formatSize(s.fileSize)}`,
    ratio(s.contentSize, s.fileSize),
    plural(s.dataFrames, unitName(s.layout)),
    LAYOUT_NAMES[s.layout],
  ];
  if (s.problem) parts.push('damaged');
  return parts.join(' · ');
}

export function summaryFields(s: ArchiveSummary): Field[] {
  const unit = unitName(s.layout);
  const fields: Field[] = [
    field('Layout', describeLayout(s.layout), s.layout),
    sizeField('Original size', s.contentSize),
    sizeField('Compressed size', s.fileSize),
    field(
      'Ratio',
      ratio(s.contentSize, s.fileSize),
      s.contentSize === undefined ? '' : String(s.contentSize / s.fileSize),
    ),
    field(`${unit[0].toUpperCase()}${unit.slice(1)}s`, String(s.dataFrames), String(s.dataFrames)),
  ];
  if (!isGzipLayout(s.layout))
    fields.push(field('Skippable frames', String(s.skippableFrames), String(s.skippableFrames)));
  fields.push(
    field(
      'Seekable',
      s.seekable ? (s.layout === 'bgzf' ? 'yes (BGZF blocks)' : 'yes (seek table)') : 'no',
      String(s.seekable),
    ),
    field(
      'Checksums',
      s.checksums === 'all'
        ? `on every ${unit} (${isGzipLayout(s.layout) ? 'CRC32' : 'XXH64'})`
        : s.checksums === 'some'
          ? `on some ${unit}s`
          : 'none',
      s.checksums,
    ),
    field('Read to answer', `${formatSize(s.bytesRead)} via ${s.via}`, String(s.bytesRead)),
  );
  if (isGzipLayout(s.layout)) fields.push(field('Parallel decoding', gzipParallelism(s), String(s.layout === 'bgzf')));
  return fields;
}

/** Why a gzip file is or is not decoded on all cores. */
function gzipParallelism(s: ArchiveSummary): string {
  if (s.layout === 'bgzf') return 'yes: its blocks are independent, decoded in runs of 4 MiB';
  return s.dataFrames === 1
    ? 'no: one gzip member is one deflate stream, each block referring back to the 32 KiB before it, so it is decoded from the start (the BGZF layout decodes in parallel)'
    : "no: a gzip member's length is known only once it is decoded, so members are decoded in order";
}

export function describeLayout(layout: Layout): string {
  switch (layout) {
    case 'chunkpress':
      return 'Chunkpress archive (seek table + manifest)';
    case 'seekable':
      return 'seekable zstd made by another tool';
    case 'pzstd':
      return 'pzstd output (size frames before each frame)';
    case 'single-frame':
      return 'a single zstd frame';
    case 'multi-frame':
      return 'plain multi-frame zstd';
    case 'gzip':
      return 'gzip';
    case 'bgzf':
      return 'BGZF (blocked gzip)';
    case 'tar':
      return 'an uncompressed tar archive';
    case 'empty':
      return 'an empty file';
  }
}

export function archiveTooltip(path: string, s: ArchiveSummary | undefined): string {
  if (!s) return `${path}\n\nExpand to inspect.`;
  const lines = [
    path,
    '',
    `${describeLayout(s.layout)}, ${s.seekable ? 'seekable' : 'not seekable'}`,
    `Original: ${s.contentSize === undefined ? 'unknown' : exact(s.contentSize)}`,
    `Compressed: ${exact(s.fileSize)}`,
    `${plural(s.dataFrames, unitName(s.layout))}, ${plural(s.skippableFrames, 'skippable frame')}`,
  ];
  if (s.problem) lines.push('', `Error: ${s.problem.message}`);
  return lines.join('\n');
}

/** "Chunk 12" */
export function frameLabel(row: FrameRow, layout: Layout): string {
  const unit = unitName(layout);
  return `${unit[0].toUpperCase()}${unit.slice(1)} ${row.index}`;
}

/** "12 MiB–16 MiB · 726 KiB · 5.64× · 1afe023c" */
export function frameDescription(row: FrameRow): string {
  const range =
    row.contentOffset !== undefined && row.contentSize !== undefined
      ? `${formatSize(row.contentOffset)}–${formatSize(row.contentOffset + row.contentSize)}`
      : row.contentSize !== undefined
        ? formatSize(row.contentSize)
        : 'size unknown';
  return [range, formatSize(row.compressedSize), ratio(row.contentSize, row.compressedSize), checksumText(row.checksum)]
    .filter((p) => p !== 'none')
    .join(' · ');
}

export function frameTooltip(row: FrameRow, layout: Layout): string {
  const lines = [
    `${frameLabel(row, layout)} at byte ${row.offset} (${hex(row.offset, 1)})`,
    `Stored: ${row.compressedSize} B, bytes ${row.offset}..${row.offset + row.compressedSize - 1}`,
    row.contentSize === undefined
      ? 'Content: size not declared (Measure decodes it to find out)'
      : `Content: ${row.contentSize} B${row.contentOffset === undefined ? '' : `, bytes ${row.contentOffset}..${row.contentOffset + row.contentSize - 1} of the original`}`,
  ];
  if (row.checksum !== undefined)
    lines.push(`${isGzipLayout(layout) ? 'CRC32' : 'Checksum (XXH64 low 32 bits)'}: ${hex(row.checksum)}`);
  if (row.blockCount !== undefined) lines.push(`Blocks: ${row.blockCount}`);
  return lines.join('\n');
}

/** Frame_Header_Descriptor and what follows it (RFC 8878 §3.1.1.1). */
export function frameHeaderFields(detail: Extract<FrameDetail, { kind: 'zstd' }>): Field[] {
  const h = detail.header;
  const d = h.descriptor;
  const bits = d.toString(2).padStart(8, '0');
  return [
    field('Magic', hex(0xfd2fb528), hex(0xfd2fb528), `bytes ${detail.offset}..${detail.offset + 3}`),
    field(
      'Descriptor',
      `${hex(d, 2)} (${bits.slice(0, 2)} ${bits[2]} ${bits[3]} ${bits[4]} ${bits[5]} ${bits.slice(6)})`,
      hex(d, 2),
      `At byte ${detail.offset + 4}. Frame_Content_Size_flag ${d >> 6}, Single_Segment_flag ${(d >> 5) & 1}, unused ${(d >> 4) & 1}, reserved ${(d >> 3) & 1}, Content_Checksum_flag ${(d >> 2) & 1}, Dictionary_ID_flag ${d & 3}`,
    ),
    field(
      'Window size',
      h.singleSegment ? `${exact(h.windowSize)}, the content size` : exact(h.windowSize),
      String(h.windowSize),
      h.windowDescriptor === undefined
        ? 'Single segment: no Window_Descriptor; the window is the whole content'
        : `Window_Descriptor ${hex(h.windowDescriptor, 2)}: exponent ${h.windowDescriptor >> 3}, mantissa ${h.windowDescriptor & 7}`,
    ),
    field('Single segment', h.singleSegment ? 'yes' : 'no', String(h.singleSegment)),
    field('Dictionary ID', h.dictionaryIdFlag === 0 ? 'none' : String(h.dictionaryId), String(h.dictionaryId)),
    field(
      'Content size',
      h.contentSize === undefined ? 'not declared' : exact(h.contentSize),
      h.contentSize === undefined ? '' : String(h.contentSize),
      `Frame_Content_Size field of ${[h.singleSegment ? 1 : 0, 2, 4, 8][h.contentSizeFlag]} bytes${h.contentSizeFlag === 1 ? ' (stored minus 256)' : ''}`,
    ),
    field(
      'Checksum',
      h.hasChecksum ? (detail.checksum === undefined ? 'flag set, missing' : hex(detail.checksum)) : 'no',
      detail.checksum === undefined ? '' : hex(detail.checksum),
      'Content_Checksum: the low 32 bits of XXH64 of the content, after the last block',
    ),
    field('Header size', `${h.headerSize} B`, String(h.headerSize)),
  ];
}

export function blockLabel(block: BlockRow): string {
  return `Block ${block.index}`;
}

/** "compressed · 20.2 KiB · last" */
export function blockDescription(block: BlockRow): string {
  const size = block.type === 'rle' ? `${formatSize(block.size)} of one byte` : formatSize(block.size);
  return [block.type, size, block.last ? 'last' : ''].filter(Boolean).join(' · ');
}

export function blockTooltip(block: BlockRow): string {
  const stored = block.type === 'rle' ? 1 : block.size;
  return [
    `Block header at byte ${block.offset} (${hex(block.offset, 1)}): Last_Block ${block.last ? 1 : 0}, Block_Type ${block.type}, Block_Size ${block.size}`,
    `Content: bytes ${block.offset + 3}..${block.offset + 2 + stored} (${stored} B stored${block.type === 'compressed' ? '' : `, ${block.size} B decoded`})`,
  ].join('\n');
}

export function gzipFields(row: FrameRow): Field[] {
  const g: GzipHeader | undefined = row.gzip;
  if (!g) return [];
  const flags = [
    g.text && 'FTEXT',
    g.hasHeaderCrc && 'FHCRC',
    g.extra.length && 'FEXTRA',
    g.name !== undefined && 'FNAME',
    g.comment !== undefined && 'FCOMMENT',
  ]
    .filter(Boolean)
    .join(' ');
  const fields: Field[] = [
    field('Flags', `${hex(g.flags, 2)}${flags ? ` (${flags})` : ''}`, hex(g.flags, 2)),
    field(
      'MTIME',
      g.mtime === 0 ? 'not set' : `${new Date(g.mtime * 1000).toISOString()} (${g.mtime})`,
      String(g.mtime),
    ),
    field('XFL', `${g.xfl}${g.xfl === 2 ? ' (best compression)' : g.xfl === 4 ? ' (fastest)' : ''}`, String(g.xfl)),
    field('OS', `${GZIP_OS[g.os] ?? 'unknown'} (${g.os})`, String(g.os)),
  ];
  if (g.name !== undefined) fields.push(field('FNAME', g.name, g.name));
  if (g.comment !== undefined) fields.push(field('FCOMMENT', g.comment, g.comment));
  for (const sub of g.extra) fields.push(field(`FEXTRA ${sub.id}`, `${sub.length} B`, sub.id));
  if (g.bgzfBlockSize !== undefined)
    fields.push(
      field(
        'BSIZE',
        `${g.bgzfBlockSize} B (block size)`,
        String(g.bgzfBlockSize),
        'BGZF BC subfield: total block size minus 1, plus 1',
      ),
    );
  fields.push(field('Header size', `${g.headerSize} B`, String(g.headerSize)));
  if (row.checksum !== undefined) fields.push(field('CRC32', hex(row.checksum), hex(row.checksum)));
  if (row.contentSize !== undefined) fields.push(field('ISIZE', exact(row.contentSize), String(row.contentSize)));
  return fields;
}

export function manifestFields(m: Manifest): Field[] {
  return [
    field('Source', m.source.name, m.source.name),
    field('Source kind', m.source.kind, m.source.kind),
    sizeField('Source size', m.source.size),
    field('Modified', m.source.mtime ?? 'unknown', m.source.mtime ?? ''),
    field('Mode', m.source.mode === null ? 'unknown' : `0${m.source.mode.toString(8)}`, String(m.source.mode ?? '')),
    field('Level', String(m.options.level), String(m.options.level)),
    sizeField('Chunk size', m.options.chunkSize),
    field('Chunks', String(m.content.chunkCount), String(m.content.chunkCount)),
    field(`Digest (${m.content.digestAlgorithm})`, m.content.digest, m.content.digest),
    field('Format', `${m.format} manifest v${m.version}`, String(m.version)),
  ];
}

export function seekTableFields(s: ArchiveSummary): Field[] {
  const t = s.seekTable;
  if (!t) return [];
  const entrySize = t.hasChecksums ? 12 : 8;
  return [
    field('Offset', `byte ${t.tableOffset}`, String(t.tableOffset)),
    field(
      'Size',
      `${t.tableSize} B`,
      String(t.tableSize),
      `8-byte skippable header, ${s.dataFrames} entries of ${entrySize} B, 9-byte footer`,
    ),
    field('Skippable magic', hex(0x184d2a5e), hex(0x184d2a5e)),
    field('Entries', String(s.dataFrames), String(s.dataFrames)),
    field(
      'Descriptor',
      `${hex(t.hasChecksums ? 0x80 : 0, 2)} (checksum flag ${t.hasChecksums ? 'set' : 'clear'})`,
      hex(t.hasChecksums ? 0x80 : 0, 2),
    ),
    field('Footer magic', hex(0x8f92eab1), hex(0x8f92eab1), `Seekable_Magic_Number, the file's last 4 bytes`),
  ];
}

/** A seek table entry is a data frame seen from the table. */
export function seekEntryDescription(row: FrameRow): string {
  return `compressed ${row.compressedSize} B · decompressed ${row.contentSize ?? '?'} B${row.checksum === undefined ? '' : ` · ${checksumText(row.checksum)}`}`;
}

const SKIPPABLE_NAMES: Partial<Record<FrameRow['role'], string>> = {
  manifest: 'Chunkpress manifest',
  'seek-table': 'Seek table',
  'pzstd-size': 'pzstd size frame',
  skippable: 'Skippable frame',
};

export function skippableLabel(row: FrameRow): string {
  return `${SKIPPABLE_NAMES[row.role] ?? row.role} ${row.index}`;
}

/** "0x184D2A5D · 12.3 KiB at byte 202623575" */
export function skippableDescription(row: FrameRow): string {
  return `${hex(0x184d2a50 + (row.variant ?? 0))} · ${formatSize(row.compressedSize)} at byte ${row.offset}`;
}

export function skippableFields(
  row: FrameRow,
  detail: Extract<FrameDetail, { kind: 'skippable' }> | undefined,
): Field[] {
  const magic = 0x184d2a50 + (row.variant ?? 0);
  const fields = [
    field('Magic', `${hex(magic)} (variant ${(row.variant ?? 0).toString(16).toUpperCase()})`, hex(magic)),
    field(
      'Frame_Size',
      `${row.compressedSize - 8} B`,
      String(row.compressedSize - 8),
      'User_Data bytes after the 8-byte header',
    ),
    field('Offset', `byte ${row.offset}`, String(row.offset)),
    field('What it is', skippableMeaning(row), row.role),
  ];
  if (detail?.pzstdNextFrameSize !== undefined)
    fields.push(field('Next frame size', `${detail.pzstdNextFrameSize} B`, String(detail.pzstdNextFrameSize)));
  return fields;
}

function skippableMeaning(row: FrameRow): string {
  switch (row.role) {
    case 'manifest':
      return 'Chunkpress manifest (source, options, digests)';
    case 'seek-table':
      return 'zstd seekable format seek table';
    case 'pzstd-size':
      return "pzstd's size of the next frame";
    default:
      return 'unknown to Chunkpress; zstd skips it';
  }
}

/** A chunk of a job still running, as a frame row. */
export function chunkToRow(chunk: ChunkInfo): FrameRow {
  return {
    index: chunk.index,
    role: 'data',
    offset: chunk.outputOffset,
    compressedSize: chunk.compressedSize,
    contentOffset: chunk.inputOffset,
    contentSize: chunk.inputSize,
    checksum: chunk.checksum,
  };
}

/** "compressing 45% · 12/27 chunks" */
export function liveDescription(progress: JobProgress | undefined): string {
  if (!progress) return 'compressing…';
  const pct = progress.totalBytes ? ` ${Math.floor((100 * progress.bytesIn) / progress.totalBytes)}%` : '';
  return `compressing${pct} · ${progress.chunksDone}/${progress.totalChunks ?? '?'} chunks`;
}

function field(label: string, description: string, copy: string, tooltip?: string): Field {
  return tooltip === undefined ? { label, description, copy } : { label, description, copy, tooltip };
}

function sizeField(label: string, bytes: number | undefined): Field {
  return bytes === undefined ? field(label, 'unknown', '') : field(label, exact(bytes), String(bytes));
}
