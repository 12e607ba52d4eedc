/** `chunkpress inspect` as text: a summary, the manifest, then one row per frame. */
import type { ArchiveInfo } from './engine/inspect';
import { GZIP_OS } from './engine/format/gzipHeader';
import { formatSize } from './engine/sizes';

const LAYOUTS: Record<ArchiveInfo['layout'], string> = {
  chunkpress: 'Chunkpress archive',
  seekable: 'seekable zstd (another tool)',
  pzstd: 'pzstd output',
  'single-frame': 'a single zstd frame',
  'multi-frame': 'plain multi-frame zstd',
  gzip: 'gzip',
  bgzf: 'BGZF (blocked gzip)',
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
