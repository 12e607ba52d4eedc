/**
 * The server's memory of inspected archives, so that paging through frames or opening a report
 * does not re-read a file that has not changed. Keyed by path and checked against size, mtime
 * and inode on every use; concurrent requests for one file share one inspection.
 */
import type { Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { describeFsError } from './engine/errors';
import type { WalkOptions } from './engine/inspection/gzipMembers';
import { inspectArchive, type ArchiveInfo } from './engine/inspection/inspect';

/** Enough for a workspace's worth of open archives; each is a few hundred bytes per frame. */
const MAX_ENTRIES = 64;

interface Entry {
  key: string;
  info: Promise<ArchiveInfo>;
  mtimeMs: number;
}

export interface Inspection {
  info: ArchiveInfo;
  mtimeMs: number;
  /** True when the answer came from the cache. */
  cached: boolean;
}

/** A file's stat, and what tells this version of it from the next: size, mtime and inode. */
export async function versionOf(path: string): Promise<{ stat: Stats; key: string }> {
  let stat: Stats;
  try {
    stat = await fsp.stat(path);
  } catch (err) {
    throw describeFsError(err, path, 'read');
  }
  return { stat, key: `${stat.size}:${stat.mtimeMs}:${stat.ino}` };
}

export class InspectionCache {
  private readonly entries = new Map<string, Entry>();

  /** `onProgress` gets the compressed bytes walked and the file size (gzip members are inflated to be found). */
  async get(
    path: string,
    options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<Inspection> {
    const { stat, key } = await versionOf(path);
    const hit = this.entries.get(path);
    if (hit?.key === key) {
      // Most recently used last, so eviction drops the oldest.
      this.entries.delete(path);
      this.entries.set(path, hit);
      return { info: await hit.info, mtimeMs: hit.mtimeMs, cached: true };
    }
    const size = stat.size;
    const walk: WalkOptions = {
      signal: options.signal,
      onProgress: options.onProgress && ((done) => options.onProgress?.(done, size)),
    };
    const entry: Entry = { key, info: inspectArchive(path, walk), mtimeMs: stat.mtimeMs };
    this.entries.set(path, entry);
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    try {
      return { info: await entry.info, mtimeMs: stat.mtimeMs, cached: false };
    } catch (err) {
      // Failures (cancelled, unreadable) are not remembered.
      if (this.entries.get(path) === entry) this.entries.delete(path);
      throw err;
    }
  }

  forget(path: string): void {
    this.entries.delete(path);
  }
}
