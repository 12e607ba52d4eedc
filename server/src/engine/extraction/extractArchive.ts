/**
 * Extracts a tar archive's members into a folder: ours in parallel from its member index
 * (parallelExtract.ts), any other tar in one pass (streamExtract.ts), both under the same rules
 * (extraction.ts). A cancel or a failure removes everything the job created and nothing else; a
 * refused member is named and the job goes on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cancelled, ChunkpressError, describeFsError } from '../errors';
import { inspectArchive } from '../inspection/inspect';
import { defaultSystem, type SystemInfo } from '../io/system';
import type { WorkerPool } from '../pool/pool';
import type { ProgressSnapshot } from '../progress';
import { ExtractMeter } from './extractMeter';
import { formatSize } from '../sizes';
import { diskFull, Extraction, spaceRefusal, type ExtractOptions, type Refusal } from './extraction';
import { extractFrames, filesBytes } from './parallelExtract';
import { extractStream } from './streamExtract';
import { diskBytes, TargetTree } from './targetTree';
import { ExtractJournal, settleInterruptedExtract } from './extractJournal';

export interface ExtractJob extends ExtractOptions {
  archive: string;
  /** The folder to extract into (made when missing). */
  target: string;
  pool: WorkerPool;
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (snapshot: ProgressSnapshot) => void;
  system?: SystemInfo;
  /**
   * An extraction keeps a journal in its target folder, so that one that did not end can go on.
   * When one of the same archive is found there: `resume` goes on from it (its options, and its
   * files checked against the archive), `discard` removes what it made and starts over; without
   * either the job stops with EINTERRUPTED.
   */
  resume?: 'resume' | 'discard';
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
  /** A resumed job: the files an interrupted one had made that checked out, and were kept. */
  resumedFiles?: number;
}

export async function extractArchive(request: ExtractJob): Promise<ExtractResult> {
  const info = await inspectArchive(request.archive);
  const index = info.problem ? undefined : info.manifest?.members;
  if (info.manifest && !info.manifest.members && !info.problem)
    throw new ChunkpressError(
      `"${request.archive}" holds one file, not a tar archive: decompress it instead`,
      'EINVAL',
      request.archive,
    );
  const meter = new ExtractMeter(request.onProgress);
  meter.stage = 'extracting';
  const system = request.system ?? defaultSystem;
  const frames = info.frames.filter((f) => f.role === 'data').length;
  const threads = Math.max(1, Math.min(system.cores, request.pool.size, request.threads ?? request.pool.size, frames));
  const archive = { path: request.archive, stat: await statOf(request.archive) };
  // An interrupted extraction into the same folder is met before anything is made there (the
  // folder is looked at only if it exists: a missing one holds no journal).
  const existing = fs.existsSync(request.target) ? fs.realpathSync(request.target) : undefined;
  const point = existing === undefined ? undefined : await settleInterruptedExtract(request.resume, existing, archive);
  // A resumed job is the interrupted one: its selection, overwrite policy and permissions.
  const job: ExtractJob = point ? { ...request, ...point.header.options } : request;
  // What the members declare must fit before anything is made: known up front from our index, and
  // bounded by the tar's own size for any other archive whose headers give it. A resumed job's
  // files already there count as room.
  const free =
    ((await system.freeSpace(existingAncestor(job.target))) ?? Infinity) +
    (point ? diskBytesOf(existing!, point.made.files) : 0);
  const selected = job.members !== undefined || job.base !== undefined;
  if (index && !selected) {
    // What the files take on disk, at least: each rounded up to a 4 KiB block.
    const needed = filesBytes(index, diskBytes);
    if (needed > free) throw noSpace(job, needed, free);
  } else if (!index && !selected && info.contentSize !== undefined && info.contentSize > free) {
    throw noSpace(job, info.contentSize, free);
  }
  const tree = TargetTree.open(job.target, job.overwrite ?? 'stop', job.ask);
  if (point) tree.adopt(point.made);
  const journal = await ExtractJournal.start(
    tree.root,
    archive,
    {
      overwrite: job.overwrite ?? 'stop',
      members: job.members,
      base: job.base,
      keepSetuid: job.keepSetuid === true,
      sameOwner: job.sameOwner === true,
    },
    point,
  );
  tree.onCreate = (made) => journal.note(made);
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
        journal,
        // A selection's needs are known once it is planned, and a resumed job's files are checked
        // then, before any content is written; everything else was checked above.
        planFirst:
          selected || point
            ? {
                checkSpace: (needed) => {
                  if (needed > free) throw noSpace(job, needed, free);
                },
              }
            : undefined,
      });
    } else {
      meter.totalBytes = info.contentSize;
      await extractStream(x, info, { pool: job.pool, signal: job.signal, meter, freeBytes: free, journal });
    }
    if (job.signal?.aborted) throw cancelled();
    meter.stage = 'finalizing';
    meter.report();
    journal.flush();
    x.commit();
    await journal.remove();
  } catch (err) {
    // A full disk interrupts: what is extracted stays, to go on from once there is room.
    if (diskFull(err) && (meter.bytesOut > 0 || (meter.files?.done ?? 0) > 0)) {
      await journal.stop('no space left');
      throw new ChunkpressError(
        `${(err as Error).message}; what is extracted is kept, and the job can be resumed once there is room`,
        'ENOSPC',
        (err as ChunkpressError).path,
      );
    }
    // The journal first: a target folder this job made goes with the rest.
    await journal.remove().catch(() => undefined);
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
    ...(point && { resumedFiles: x.resumedFiles }),
  };
}

async function statOf(file: string): Promise<fs.Stats> {
  try {
    return await fs.promises.stat(file);
  } catch (err) {
    throw describeFsError(err, file, 'read');
  }
}

/** What the files at `rels` under `root` take on disk now (an interrupted run's, to be checked). */
function diskBytesOf(root: string, rels: readonly string[]): number {
  let sum = 0;
  for (const rel of rels) {
    const found = fs.lstatSync(path.join(root, rel), { throwIfNoEntry: false });
    if (found?.isFile()) sum += diskBytes(found.size);
  }
  return sum;
}

function noSpace(job: ExtractJob, needed: number, free: number): ChunkpressError {
  return spaceRefusal(
    `Extracting "${job.archive}" needs ${formatSize(needed)}, and only ${formatSize(free)} is free where "${job.target}" is: nothing was extracted`,
    job.target,
  );
}

/** `target`, or the nearest folder above it that exists: where its free space is asked. */
function existingAncestor(target: string): string {
  let p = path.resolve(target);
  while (!fs.existsSync(p) && path.dirname(p) !== p) p = path.dirname(p);
  return p;
}
