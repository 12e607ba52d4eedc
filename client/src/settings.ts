import * as vscode from 'vscode';
import { parseSize } from '../../server/src/engine/sizes';
import { MAX_READ_BYTES } from '../../server/src/protocol';
import type { ArchiveFormat, GzipLayout } from '../../server/src/engine/compression/compressOptions';

export type OverwritePolicy = 'ask' | 'always' | 'never';
export type ProgressLocation = 'statusBar' | 'notification' | 'both';

export interface Settings {
  format: ArchiveFormat;
  gzipLayout: GzipLayout;
  /** BGZF: also write the `.gzi` index that bgzip -b uses. */
  gzi: boolean;
  /** zstd's level. */
  level: number;
  gzipLevel: number;
  chunkSize: number;
  /** Undefined = automatic. */
  threads: number | undefined;
  memoryFactor: number;
  overwrite: OverwritePolicy;
  progressLocation: ProgressLocation;
  /** Open Chunk shows chunks up to this many bytes in an editor; larger ones are offered as a file. */
  openChunkLimit: number;
  /** Folders: leave out what their .gitignore files leave out (and .git). */
  respectGitignore: boolean;
  /** Folders: patterns in .gitignore syntax to leave out. */
  exclude: string[];
  /** Interrupted jobs that stopped longer ago than this are removed when the helper starts. */
  keepInterruptedDays: number;
}

/** Reads `chunkpress.*`; a chunk size that does not parse falls back to the default with a warning. */
export function readSettings(log: (message: string) => void): Settings {
  const config = vscode.workspace.getConfiguration('chunkpress');
  const chunkText = config.get<string>('chunkSize', '4M');
  let chunkSize: number;
  try {
    chunkSize = parseSize(chunkText);
  } catch (err) {
    log(`chunkpress.chunkSize: ${(err as Error).message}; using 4M`);
    chunkSize = 4 << 20;
  }
  const threads = config.get<number>('threads', 0);
  const limitText = config.get<string>('openChunkLimit', '16M');
  let openChunkLimit = 16 << 20;
  try {
    openChunkLimit = Math.min(MAX_READ_BYTES, parseSize(limitText));
  } catch (err) {
    log(`chunkpress.openChunkLimit: ${(err as Error).message}; using 16M`);
  }
  return {
    format: config.get<ArchiveFormat>('format', 'zstd') === 'gzip' ? 'gzip' : 'zstd',
    gzipLayout: config.get<GzipLayout>('gzipLayout', 'single') === 'bgzf' ? 'bgzf' : 'single',
    gzi: config.get<boolean>('gzi', false),
    level: config.get<number>('level', 3),
    gzipLevel: config.get<number>('gzipLevel', 6),
    chunkSize,
    threads: threads > 0 ? threads : undefined,
    memoryFactor: config.get<number>('memoryFactor', 0.75),
    overwrite: config.get<OverwritePolicy>('overwrite', 'ask'),
    progressLocation: config.get<ProgressLocation>('progressLocation', 'both'),
    openChunkLimit,
    respectGitignore: config.get<boolean>('respectGitignore', true),
    exclude: config.get<string[]>('exclude', []).filter((p) => typeof p === 'string' && p.trim() !== ''),
    keepInterruptedDays: Math.max(0, config.get<number>('keepInterruptedDays', 7)),
  };
}

/** The level that applies to the format chosen. */
export const levelOf = (s: Settings): number => (s.format === 'gzip' ? s.gzipLevel : s.level);

/** What an archive of one file is named after it: `.zst`, or `.gz`. */
export const suffixOf = (format: ArchiveFormat): string => (format === 'gzip' ? '.gz' : '.zst');
