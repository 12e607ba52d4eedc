/** Shared by the test layers: temp folders, reproducible data, and a reader for our archives' trailers. */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspectArchive, problemError, type ArchiveInfo } from '../server/src/engine/inspection/inspect';
import { WorkerPool } from '../server/src/engine/pool/pool';
import { parseManifest, type Manifest } from '../server/src/engine/format/manifest';
import {
  listedManifestOffset,
  parseSeekTable,
  withoutManifestEntry,
  type SeekTable,
} from '../server/src/engine/format/seekTable';
import { MANIFEST_MAGIC } from '../server/src/engine/format/constants';
import { decompressManifestBody } from '../server/src/engine/codec/codec';

export const repoRoot = path.resolve(__dirname, '..', '..');

export function tempDir(prefix = 'chunkpress-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Reproducible, moderately compressible bytes (words from a small vocabulary picked by an LCG),
 * so that sizes and ratios in assertions mean something without shipping fixtures.
 */
export function sampleData(size: number, seed = 1): Buffer {
  const words = ['chunk', 'frame', 'zstd', 'seek', 'table', 'manifest', 'worker', 'pool', '0x184D2A5E', 'level', '\n'];
  const out = Buffer.allocUnsafe(size);
  let state = seed >>> 0;
  let pos = 0;
  while (pos < size) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const word = words[state % words.length];
    pos += out.write(`${word} `, pos);
  }
  return out;
}

/** The compiled worker script the test pools run. */
export const testWorkerPath = path.join(repoRoot, 'out', 'server', 'src', 'engine', 'pool', 'worker.js');

/** A pool running the compiled worker (out/server/src/engine/pool/worker.js). */
export function testPool(size = 4, hostLane = false): WorkerPool {
  return new WorkerPool(size, { workerPath: testWorkerPath, hostLane });
}

export interface ArchiveParts {
  bytes: Buffer;
  /** Of the data frames alone. */
  table: SeekTable;
  manifest: Manifest;
  /** Data frames, each a complete zstd frame. */
  frames: Buffer[];
}

/** Splits one of our archives into frames, manifest and seek table, from the end as a reader would. */
export function readArchive(file: string): ArchiveParts {
  const bytes = fs.readFileSync(file);
  const listed = parseSeekTable(bytes, bytes.length);
  // Version 2 lists the manifest as the last entry; `table` is that of the data frames alone.
  const at = listedManifestOffset(listed);
  const table = at !== undefined && bytes.readUInt32LE(at) === MANIFEST_MAGIC ? withoutManifestEntry(listed) : listed;
  const manifest = parseManifest(
    bytes.subarray(table.compressedTotal, table.tableOffset),
    table.compressedTotal,
    decompressManifestBody,
  );
  const frames: Buffer[] = [];
  let offset = 0;
  for (const entry of table.entries) {
    frames.push(bytes.subarray(offset, offset + entry.compressedSize));
    offset += entry.compressedSize;
  }
  return { bytes, table, manifest, frames };
}

/** inspectArchive, rejecting with the EFORMAT error when the file has a problem. */
export async function inspectStrict(file: string): Promise<ArchiveInfo> {
  const info = await inspectArchive(file);
  const problem = problemError(info);
  if (problem) throw problem;
  return info;
}

/**
 * Runs `use` with a fresh tmpfs of `size` (e.g. "256k") mounted, for real ENOSPC; unmounts after.
 * Without the rights to mount (not root), skips the test with `why`.
 */
export async function withSmallTmpfs(
  t: { skip(message: string): void },
  size: string,
  why: string,
  use: (mount: string) => Promise<void>,
): Promise<void> {
  const mount = tempDir('chunkpress-full-');
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount]).status !== 0) {
    t.skip(why);
    return;
  }
  try {
    await use(mount);
  } finally {
    spawnSync('umount', [mount]);
  }
}

/** Every entry under `root`: path, type, mode, size, mtime (s), and content digest or link target. */
export function treeSnapshot(root: string): string[] {
  const rows: string[] = [];
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const sub = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, sub);
      const s = fs.lstatSync(abs);
      const mode = (s.mode & 0o7777).toString(8);
      const mtime = Math.floor(s.mtimeMs / 1000);
      if (s.isSymbolicLink()) rows.push(`${sub} link -> ${fs.readlinkSync(abs)}`);
      else if (s.isDirectory()) {
        rows.push(`${sub} dir ${mode} ${mtime}`);
        walk(sub);
      } else {
        const digest = createHash('sha256').update(fs.readFileSync(abs)).digest('hex').slice(0, 16);
        rows.push(`${sub} file ${mode} ${s.size} ${mtime} ${digest} links=${s.nlink}`);
      }
    }
  };
  walk('');
  return rows;
}
