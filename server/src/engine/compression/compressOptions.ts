import { ChunkpressError } from '../errors';
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from '../format/constants';
import { formatSize } from '../sizes';
import { MAX_LEVEL, MIN_LEVEL } from '../codec/zstdParams';

export const DEFAULT_LEVEL = 3;
/** Chosen from `npm run bench`: see docs/PERFORMANCE.md. */
export const DEFAULT_CHUNK_SIZE = 4 << 20;
export const DEFAULT_MEMORY_FACTOR = 0.75;

export interface CompressOptions {
  level: number;
  chunkSize: number;
  /** Upper bound on workers; undefined = automatic. */
  threads: number | undefined;
  memoryFactor: number;
}

export function resolveOptions(partial: Partial<CompressOptions>): CompressOptions {
  const options: CompressOptions = {
    level: partial.level ?? DEFAULT_LEVEL,
    chunkSize: partial.chunkSize ?? DEFAULT_CHUNK_SIZE,
    threads: partial.threads,
    memoryFactor: partial.memoryFactor ?? DEFAULT_MEMORY_FACTOR,
  };
  const bad = (message: string): never => {
    throw new ChunkpressError(message, 'EINVAL');
  };
  if (
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
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    bad(`Threads must be a whole number of at least 1 (got ${options.threads})`);
  }
  if (!(options.memoryFactor > 0 && options.memoryFactor <= 1)) {
    bad(`Memory factor must be greater than 0 and at most 1 (got ${options.memoryFactor})`);
  }
  return options;
}
