import { ChunkpressError } from '../errors';
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from '../format/constants';
import { formatSize } from '../sizes';
import { MAX_LEVEL, MIN_LEVEL } from '../codec/zstdParams';
import { DEFAULT_GZIP_LEVEL, MAX_GZIP_LEVEL, MIN_GZIP_LEVEL } from '../codec/deflate';
import { BGZF_BLOCK_INPUT } from '../format/bgzfBlock';

export const DEFAULT_LEVEL = 3;
/** Chosen from `npm run bench`: see docs/PERFORMANCE.md. */
export const DEFAULT_CHUNK_SIZE = 4 << 20;
export const DEFAULT_MEMORY_FACTOR = 0.75;
/** 64 BGZF blocks (just under 4 MiB). */
export const BGZF_CHUNK_SIZE = 64 * BGZF_BLOCK_INPUT;

/** zstd: the seekable archive; gzip: one member (pigz's way) or BGZF blocks, for readers without zstd. */
export type ArchiveFormat = 'zstd' | 'gzip';
/** `single`: one gzip member, as gzip and pigz write it; `bgzf`: htslib's independent blocks. */
export type GzipLayout = 'single' | 'bgzf';

export interface CompressOptions {
  format: ArchiveFormat;
  gzipLayout: GzipLayout;
  /** BGZF: also write the `.gzi` index beside the archive, as `bgzip -i` does. */
  gzi: boolean;
  level: number;
  chunkSize: number;
  /** Upper bound on workers; undefined = automatic. */
  threads: number | undefined;
  memoryFactor: number;
}

export function resolveOptions(partial: Partial<CompressOptions>): CompressOptions {
  const format = partial.format ?? 'zstd';
  const gzipLayout = partial.gzipLayout ?? 'single';
  const gzip = format === 'gzip';
  const options: CompressOptions = {
    format,
    gzipLayout,
    gzi: partial.gzi ?? false,
    level: partial.level ?? (gzip ? DEFAULT_GZIP_LEVEL : DEFAULT_LEVEL),
    // BGZF blocks take 0xff00 bytes each, as bgzip's do: a chunk holds whole ones.
    chunkSize: partial.chunkSize ?? (gzip && gzipLayout === 'bgzf' ? BGZF_CHUNK_SIZE : DEFAULT_CHUNK_SIZE),
    threads: partial.threads,
    memoryFactor: partial.memoryFactor ?? DEFAULT_MEMORY_FACTOR,
  };
  const bad = (message: string): never => {
    throw new ChunkpressError(message, 'EINVAL');
  };
  if (format !== 'zstd' && format !== 'gzip') bad(`Format must be zstd or gzip (got ${String(format)})`);
  if (gzipLayout !== 'single' && gzipLayout !== 'bgzf')
    bad(`The gzip layout must be single or bgzf (got ${String(gzipLayout)})`);
  if (options.gzi && !(gzip && gzipLayout === 'bgzf')) bad('A .gzi index is made for the bgzf layout of gzip only');
  if (gzip) {
    if (!Number.isInteger(options.level) || options.level < MIN_GZIP_LEVEL || options.level > MAX_GZIP_LEVEL)
      bad(`A gzip level must be a whole number from ${MIN_GZIP_LEVEL} to ${MAX_GZIP_LEVEL} (got ${options.level})`);
  } else if (
    !Number.isInteger(options.level) ||
    options.level < MIN_LEVEL ||
    options.level > MAX_LEVEL ||
    options.level === 0
  ) {
    // Level 0 means "default" to zstd; we ask for an explicit level so the manifest says what was used.
    bad(`Level must be a whole number from ${MIN_LEVEL} to ${MAX_LEVEL}, not 0 (got ${options.level})`);
  }
  if (
    !Number.isInteger(options.chunkSize) ||
    options.chunkSize < MIN_CHUNK_SIZE ||
    options.chunkSize > MAX_CHUNK_SIZE
  ) {
    bad(
      `Chunk size must be between ${formatSize(MIN_CHUNK_SIZE)} and ${formatSize(MAX_CHUNK_SIZE)} (got ${options.chunkSize} bytes)`,
    );
  }
  // A file's BGZF chunks hold whole blocks, as bgzip cuts them.
  if (gzip && gzipLayout === 'bgzf')
    options.chunkSize = Math.max(BGZF_BLOCK_INPUT, options.chunkSize - (options.chunkSize % BGZF_BLOCK_INPUT));
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    bad(`Threads must be a whole number of at least 1 (got ${options.threads})`);
  }
  if (!(options.memoryFactor > 0 && options.memoryFactor <= 1)) {
    bad(`Memory factor must be greater than 0 and at most 1 (got ${options.memoryFactor})`);
  }
  return options;
}
