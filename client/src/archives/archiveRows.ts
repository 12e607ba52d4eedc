/**
 * The words and numbers of the Archives panel's rows: labels, descriptions, tooltips and the
 * exact values behind them. Pure (no `vscode`), so the rendered rows are unit-tested as text.
 */
import type { BlockRow, FrameDetail } from '../../../server/src/engine/inspection/frameDetail';
import { GZIP_OS, type GzipHeader } from '../../../server/src/engine/format/gzipHeader';
import type { Manifest } from '../../../server/src/engine/format/manifest';
import type { FrameRow, Layout } from '../../../server/src/engine/inspection/inspect';
import { formatDuration, formatSize } from '../../../server/src/engine/sizes';
import type { ArchiveSummary, ChunkInfo, DecodeResult, FrameCheck, JobProgress } from '../../../server/src/protocol';

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
  empty: 'empty',
};

export const hex = (n: number, width = 8): string => `0x${n.toString(16).toUpperCase().padStart(width, '0')}`;
const checksumText = (n: number | undefined): string => (n === undefined ? 'none' : n.toString(16).padStart(8, '0'));
const exact = (n: number): string => `${formatSize(n)} (${n} B)`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
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
  return fields;
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

// ---- Verify Archive ----

/** The last Verify Archive of an archive, as the panel shows it. */
export interface Verification {
  state: 'running' | 'passed' | 'failed' | 'cancelled' | 'error';
  /** Outcome of each data frame checked so far, by its index. */
  frames: Map<number, FrameCheck>;
  progress: JobProgress | undefined;
  /** Failures that belong to no single frame (damaged structure, whole-content digest, gzip stream). */
  archiveFailures: FrameCheck[];
  result: DecodeResult | undefined;
  /** Why the verification could not run (state 'error'). */
  error: string | undefined;
  /** The file's size and mtime when it started: once they differ, the outcome no longer holds. */
  stamp: Promise<string | undefined>;
}

const badFrames = (v: Verification): number => [...v.frames.values()].filter((f) => !f.ok).length;

/** The Verification row: "passed · 12 chunks · manifest digests match · 0:01". */
export function verificationDescription(v: Verification, total: number, layout: Layout): string {
  const unit = unitName(layout);
  const bad = badFrames(v);
  switch (v.state) {
    case 'running': {
      const p = v.progress;
      const pct = p?.totalBytes ? `${Math.floor((100 * p.bytesIn) / p.totalBytes)}% · ` : '';
      return `verifying · ${pct}${v.frames.size}/${total} ${unit}s`;
    }
    case 'passed': {
      const r = v.result;
      const parts = ['passed', plural(r?.framesDecoded ?? v.frames.size, unit)];
      if (r?.digestsChecked) parts.push('manifest digests match');
      if (r?.indexChecked) parts.push('index matches');
      if (r) parts.push(formatDuration(r.elapsedMs));
      return parts.join(' · ');
    }
    case 'failed': {
      const parts = ['failed'];
      const findings = v.result?.indexFindings.length ?? 0;
      if (bad > 0) parts.push(`${bad} of ${total} ${unit}s bad`);
      if (v.archiveFailures.length > 0) parts.push(plural(v.archiveFailures.length, 'archive-level error'));
      if (findings > 0) parts.push(`the index disagrees in ${plural(findings, 'place')}`);
      if (findings > 0 && bad === 0 && v.archiveFailures.length === 0) parts.push(`every ${unit} intact`);
      return parts.join(' · ');
    }
    case 'cancelled':
      return `cancelled after ${v.frames.size}/${total} ${unit}s`;
    case 'error':
      return `could not run: ${v.error ?? 'unknown error'}`;
  }
}

export function verificationTooltip(v: Verification): string {
  const lines = [`Verify Archive: ${v.state}`];
  const r = v.result;
  if (r) {
    lines.push(
      `${r.framesDecoded} of ${r.frames} frames decoded, ${r.mode}${r.mode === 'parallel' ? ` on ${r.threads} threads` : ''}; ${exact(r.bytesOut)} checked`,
    );
    if (r.digestsChecked) lines.push("Every chunk's XXH64 and the content digest compared with the manifest");
    if (r.indexChecked) lines.push('Every seek table entry compared with its frame, and the manifest with the table');
    if (r.note) lines.push(r.note);
    if (r.indexFindings.length > 0) {
      lines.push('', ...r.indexFindings.slice(0, 20).map((f) => f.message));
      if (r.indexFindings.length > 20) lines.push(`… and ${r.indexFindings.length - 20} more`);
    }
  }
  const failures = [...[...v.frames.values()].filter((f) => !f.ok), ...v.archiveFailures];
  if (failures.length > 0) lines.push('', ...failures.slice(0, 20).map((f) => f.message ?? `frame ${f.index} failed`));
  if (failures.length > 20) lines.push(`… and ${failures.length - 20} more`);
  if (v.error) lines.push('', v.error);
  return lines.join('\n');
}

/** What the archive row adds: "verified", "1 bad chunk", "verifying 45%". */
export function archiveVerificationText(v: Verification, layout: Layout): string | undefined {
  if (v.state === 'passed') return 'verified';
  if (v.state === 'failed') {
    const bad = badFrames(v);
    if (bad > 0) return plural(bad, `bad ${unitName(layout)}`);
    return v.result?.indexFindings.length ? 'index disagrees with the frames' : 'failed verification';
  }
  if (v.state === 'running') {
    const p = v.progress;
    return `verifying${p?.totalBytes ? ` ${Math.floor((100 * p.bytesIn) / p.totalBytes)}%` : '…'}`;
  }
  return undefined;
}

/** What the Seek table row says once verified: whether every entry matched its frame. */
export function seekTableCheck(
  v: Verification | undefined,
): { description: string; tooltip: string; failed: boolean } | undefined {
  const r = v?.state === 'passed' || v?.state === 'failed' ? v.result : undefined;
  if (!r?.indexChecked) return undefined;
  const findings = r.indexFindings;
  if (findings.length === 0)
    return { description: 'matches the frames', tooltip: 'Every entry matches its frame', failed: false };
  return {
    description: `FAILED · disagrees with the frames in ${plural(findings.length, 'place')}`,
    tooltip: findings.map((f) => f.message).join('\n'),
    failed: true,
  };
}

/** A checked frame's row suffix and tooltip line. */
export function frameCheckText(check: FrameCheck): { description: string; tooltip: string } {
  return check.ok
    ? { description: 'verified', tooltip: 'Verified: decodes, and its checksum (and manifest digest) match' }
    : { description: 'FAILED', tooltip: `Failed: ${check.message ?? 'does not decode'}` };
}

function field(label: string, description: string, copy: string, tooltip?: string): Field {
  return tooltip === undefined ? { label, description, copy } : { label, description, copy, tooltip };
}

function sizeField(label: string, bytes: number | undefined): Field {
  return bytes === undefined ? field(label, 'unknown', '') : field(label, exact(bytes), String(bytes));
}
