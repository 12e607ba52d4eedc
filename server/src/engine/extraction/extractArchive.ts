/**
 * Extracts a tar archive's members into a folder: ours in parallel from its member index
 * (parallelExtract.ts), any other tar in one pass (streamExtract.ts), both under the same rules
 * (extraction.ts). A cancel or a failure removes everything the job created and nothing else; a
 * refused member is named and the job goes on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cancelled, ChunkpressError } from '../errors';
import { inspectArchive } from '../inspection/inspect';
import { defaultSystem, type SystemInfo } from '../io/system';
import type { WorkerPool } from '../pool/pool';
import type { ProgressSnapshot } from '../progress';
import { ExtractMeter } from './extractMeter';
import { formatSize } from '../sizes';
import { Extraction, type ExtractOptions, type Refusal } from './extraction';
import { extractFrames } from './parallelExtract';
import { extractStream } from './streamExtract';
import { diskBytes, TargetTree } from './targetTree';

export interface ExtractJob extends ExtractOptions {
  archive: string;
  /** The folder to extract into (made when missing). */
  target: string;
  pool: WorkerPool;
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (snapshot: ProgressSnapshot) => void;
  system?: SystemInfo;
}

export interface ExtractResult {
  archive: string;
  target: string;
  files: number;
  folders: number;
  links: number;
  /** Content bytes written. */
  bytes: number;
  /** Members whose path existed and were left as they were. */
  kept: number;
  /** Members not extracted, each with why (the job's exit status is 1 when there are any). */
  refused: Refusal[];
  warnings: string[];
  elapsedMs: number;
  bytesPerSecond: number;
  /** parallel: frames decoded and written by the workers; streaming: one pass. */
  mode: 'parallel' | 'streaming';
  threads: number;
}

export async function extractArchive(job: ExtractJob): Promise<ExtractResult> {
  const info = await inspectArchive(job.archive);
  const index = info.problem ? undefined : info.manifest?.members;
  if (info.manifest && !info.manifest.members && !info.problem)
    throw new ChunkpressError(
      `"${job.archive}" holds one file, not a tar archive: decompress it instead`,
      'EINVAL',
      job.archive,
    );
  const meter = new ExtractMeter(job.onProgress);
  meter.stage = 'extracting';
  const system = job.system ?? defaultSystem;
  const frames = info.frames.filter((f) => f.role === 'data').length;
  const threads = Math.max(1, Math.min(system.cores, job.pool.size, job.threads ?? job.pool.size, frames));
  // What the members declare must fit before anything is made: known up front from our index, and
  // bounded by the tar's own size for any other archive whose headers give it.
  const free = (await system.freeSpace(existingAncestor(job.target))) ?? Infinity;
  const selected = job.members !== undefined || job.base !== undefined;
  if (index && !selected) {
    const needed = neededBytes(index.column('size') as number[], index.column('type') as string[]);
    if (needed > free) throw noSpace(job, needed, free);
  } else if (!index && !selected && info.contentSize !== undefined && info.contentSize > free) {
    throw noSpace(job, info.contentSize, free);
  }
  const tree = TargetTree.open(job.target, job.overwrite ?? 'stop', job.ask);
  const x = new Extraction(tree, job);
  try {
    if (job.signal?.aborted) throw cancelled();
    if (index) {
      meter.totalChunks = frames;
      await extractFrames(x, info, index, {
        pool: job.pool,
        threads,
        signal: job.signal,
        meter,
        // A selection's needs are known once it is planned, before any content is written.
        checkSpace: (needed) => {
          if (needed > free) throw noSpace(job, needed, free);
        },
      });
    } else {
      meter.totalBytes = info.contentSize;
      await extractStream(x, info, { pool: job.pool, signal: job.signal, meter, freeBytes: free });
    }
    if (job.signal?.aborted) throw cancelled();
    meter.stage = 'finalizing';
    meter.report();
    x.commit();
  } catch (err) {
    tree.rollback();
    throw err;
  }
  meter.stage = 'done';
  meter.report();
  const s = meter.snapshot();
  return {
    archive: job.archive,
    target: tree.root,
    files: x.files,
    folders: x.folders,
    links: x.links,
    bytes: s.bytesOut,
    kept: x.kept,
    refused: x.refused,
    warnings: x.warnings,
    elapsedMs: s.elapsedMs,
    bytesPerSecond: s.elapsedMs > 0 ? (s.bytesOut * 1000) / s.elapsedMs : 0,
    mode: index ? 'parallel' : 'streaming',
    threads: index ? threads : 1,
  };
}

/** Bytes the files take on disk, at least: each rounded up to a 4 KiB block. */
function neededBytes(sizes: readonly number[], types: readonly string[]): number {
  let sum = 0;
  for (let i = 0; i < sizes.length; i++) if (types[i] === 'f') sum += diskBytes(sizes[i]);
  return sum;
}

function noSpace(job: ExtractJob, needed: number, free: number): ChunkpressError {
  return new ChunkpressError(
    `Extracting "${job.archive}" needs ${formatSize(needed)}, and only ${formatSize(free)} is free where "${job.target}" is: nothing was extracted`,
    'ENOSPC',
    job.target,
  );
}

/** `target`, or the nearest folder above it that exists: where its free space is asked. */
function existingAncestor(target: string): string {
  let p = path.resolve(target);
  while (!fs.existsSync(p) && path.dirname(p) !== p) p = path.dirname(p);
  return p;
}
