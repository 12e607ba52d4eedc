/** `chunkpress inspect` as text: a summary, the manifest, then one row per frame. */
import type { FrameDetail } from './frameDetail';
import type { ArchiveInfo, FrameRow } from './inspect';
import { GZIP_OS } from '../format/gzipHeader';
import { formatSize } from '../sizes';

const LAYOUTS: Record<ArchiveInfo['layout'], string> = {
  chunkpress: 'Chunkpress archive',
  seekable: 'seekable zstd (another tool)',
  pzstd: 'pzstd output',
  'single-frame': 'a single zstd frame',
  'multi-frame': 'plain multi-frame zstd',
  gzip: 'gzip',
  bgzf: 'BGZF (blocked gzip)',
  tar: 'an uncompressed tar archive',
  empty: 'an empty file',
};

const hex = (n: number | undefined, width = 8): string => (n === undefined ? '-' : n.toString(16).padStart(width, '0'));
const num = (n: number | undefined): string => (n === undefined ? 'unknown' : String(n));

export function inspectReport(info: ArchiveInfo): string {
  const lines: string[] = [];
  const isGzip = info.layout === 'gzip' || info.layout === 'bgzf';
  const unit = isGzip ? 'member' : 'frame';
  const content = info.contentSize;
  const ratio = content !== undefined && info.fileSize > 0 ? (content / info.fileSize).toFixed(2) : 'unknown';
  lines.push(
    `${info.file}: ${LAYOUTS[info.layout]}, ${info.seekable ? 'seekable' : 'not seekable'}, checksums on ${info.checksums === 'all' ? 'every' : info.checksums} ${unit}${info.checksums === 'all' ? '' : 's'}`,
  );
  lines.push(
    `  ${content === undefined ? 'unknown size' : `${formatSize(content)} (${content} B)`} in ${info.dataFrames} ${unit}${info.dataFrames === 1 ? '' : 's'} -> ${formatSize(info.fileSize)} (${info.fileSize} B), ratio ${ratio}${isGzip ? '' : `; ${info.skippableFrames} skippable`}`,
  );
  const m = info.manifest;
  if (m) {
    lines.push(
      `  source: ${m.source.name} (${m.source.kind}, ${m.source.size} B${m.source.mtime ? `, modified ${m.source.mtime}` : ''})`,
    );
    lines.push(
      `  options: level ${m.options.level}, chunk ${formatSize(m.options.chunkSize)}; content digest ${m.content.digestAlgorithm} ${m.content.digest}`,
    );
  }
  const g = info.frames[0]?.gzip;
  if (g) {
    const mtime = g.mtime ? new Date(g.mtime * 1000).toISOString() : 'not set';
    lines.push(
      `  first member: name ${g.name ?? '(none)'}, mtime ${mtime}, OS ${GZIP_OS[g.os] ?? g.os}, XFL ${g.xfl}, flags 0x${g.flags.toString(16)}${g.extra.length ? `, extra ${g.extra.map((e) => `${e.id}(${e.length})`).join(' ')}` : ''}`,
    );
  }
  if (info.seekTable) {
    lines.push(
      `  seek table: ${info.seekTable.tableSize} B at ${info.seekTable.tableOffset}, checksum flag ${info.seekTable.hasChecksums ? 'set' : 'clear'}`,
    );
  }
  lines.push(`  read ${info.bytesRead} B via ${info.via}`);
  for (const warning of info.warnings)
    lines.push(`  warning: ${warning} (chunkpress verify compares the index with the frames)`);
  if (info.problem) {
    lines.push(
      `  error: ${info.problem.message.replace(/^".*?" /, '')}; ${info.frames.length} ${unit}s listed before it`,
    );
  }
  lines.push('');
  lines.push(
    `${'frame'.padStart(7)} ${'role'.padEnd(13)} ${'offset'.padStart(12)} ${'compressed'.padStart(11)} ${'content at'.padStart(13)} ${'content'.padStart(11)} ${'ratio'.padStart(6)} ${'checksum'.padStart(8)}`,
  );
  for (const f of info.frames) {
    const r = f.contentSize !== undefined && f.compressedSize > 0 ? (f.contentSize / f.compressedSize).toFixed(2) : '';
    const role =
      f.role === 'data'
        ? 'data'
        : `${f.role}${f.variant !== undefined ? ` ${f.variant.toString(16).toUpperCase()}` : ''}`;
    lines.push(
      `${String(f.index).padStart(7)} ${role.padEnd(13)} ${String(f.offset).padStart(12)} ${String(f.compressedSize).padStart(11)} ${(f.contentOffset === undefined ? '' : String(f.contentOffset)).padStart(13)} ${(f.role === 'data' || f.role === 'member' ? num(f.contentSize) : '').padStart(11)} ${r.padStart(6)} ${(f.role === 'data' || f.role === 'member' ? hex(f.checksum) : '').padStart(8)}`,
    );
  }
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}

const SKIPPABLE_ROLES: Partial<Record<FrameRow['role'], string>> = {
  manifest: 'Chunkpress manifest',
  'seek-table': 'seek table',
  'pzstd-size': 'pzstd size frame',
};

/** `chunkpress inspect FILE --frame N`: one frame's header fields and all its block headers. */
export function frameReport(file: string, row: FrameRow, detail: FrameDetail | FrameRow): string {
  const lines = [`${file}: frame ${row.index} at byte ${row.offset}, ${row.compressedSize} B`];
  if ('gzip' in detail && detail.gzip) {
    const g = detail.gzip;
    lines.push(
      `  gzip member: header ${g.headerSize} B, flags 0x${g.flags.toString(16).padStart(2, '0')}, MTIME ${g.mtime}, XFL ${g.xfl}, OS ${GZIP_OS[g.os] ?? g.os} (${g.os})`,
    );
    if (g.name !== undefined) lines.push(`  FNAME ${g.name}`);
    if (g.comment !== undefined) lines.push(`  FCOMMENT ${g.comment}`);
    for (const sub of g.extra) lines.push(`  FEXTRA ${sub.id} ${sub.length} B`);
    if (g.bgzfBlockSize !== undefined) lines.push(`  BSIZE ${g.bgzfBlockSize} B`);
    lines.push(`  CRC32 ${hex(row.checksum)}, ISIZE ${num(row.contentSize)} B`);
  } else if ('kind' in detail && detail.kind === 'skippable') {
    lines.push(
      `  skippable frame: magic 0x${detail.magic.toString(16).toUpperCase()} (variant ${detail.variant.toString(16).toUpperCase()}), Frame_Size ${detail.payloadSize} B; ${SKIPPABLE_ROLES[row.role] ?? 'unknown to Chunkpress'}`,
    );
    if (detail.pzstdNextFrameSize !== undefined) lines.push(`  next frame: ${detail.pzstdNextFrameSize} B`);
  } else if ('kind' in detail && detail.kind === 'zstd') {
    const h = detail.header;
    lines.push(
      `  zstd frame header: ${h.headerSize} B, descriptor 0x${h.descriptor.toString(16).padStart(2, '0')} (content size flag ${h.contentSizeFlag}, single segment ${h.singleSegment ? 1 : 0}, checksum ${h.hasChecksum ? 1 : 0}, dictionary id flag ${h.dictionaryIdFlag})`,
    );
    lines.push(
      `  window ${h.windowSize} B${h.windowDescriptor === undefined ? ' (single segment)' : ` (descriptor 0x${h.windowDescriptor.toString(16).padStart(2, '0')})`}, dictionary ${h.dictionaryIdFlag === 0 ? 'none' : h.dictionaryId}, content size ${num(h.contentSize)}, checksum ${h.hasChecksum ? hex(detail.checksum) : 'none'}`,
    );
    lines.push(`  ${detail.blockCount} blocks`, '');
    lines.push(`${'block'.padStart(7)} ${'offset'.padStart(12)} ${'type'.padEnd(10)} ${'size'.padStart(7)}  last`);
    for (const b of detail.blocks) {
      lines.push(
        `${String(b.index).padStart(7)} ${String(b.offset).padStart(12)} ${b.type.padEnd(10)} ${String(b.size).padStart(7)}  ${b.last ? 'yes' : ''}`,
      );
    }
    if (detail.problem) lines.push(`  error: ${detail.problem.message.replace(/^".*?" /, '')}`);
  }
  return `${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}
