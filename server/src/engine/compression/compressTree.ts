/**
 * Compresses folders and files into one seekable .tar.zst with a member index: the trees are
 * collected (tar/collect.ts), the tar stream is cut into frames of whole records
 * (tar/framePlan.ts), and each frame's worker reads its files' pieces into place around the
 * headers, hashes the members it holds whole and compresses the frame. A member bigger than a frame
 * is hashed by a task of its own on the same pool. The main thread writes headers and the frames
 * in order, and touches no content.
 */
import * as path from 'node:path';
import { openWriter, type CompressOutput, type CompressResult } from './compress';
import { resolveOptions, type CompressOptions } from './compressOptions';
import { runPipeline, type FrameFeed } from './framePipeline';
import { cancelled, ChunkpressError } from '../errors';
import { treeDigest } from '../codec/hash';
import { MANIFEST_VERSION, type Manifest, type ManifestMember } from '../format/manifest';
import { MemberIndex } from '../format/memberIndex';
import { TAR_BLOCK, tarHeader } from '../format/tarHeader';
import { partialName } from '../io/outputNames';
import { defaultSystem, type SystemInfo } from '../io/system';
import type { WorkerPool } from '../pool/pool';
import { planThreads } from '../pool/threadPlan';
import type { FilePiece, PieceReport, TaskReply } from '../pool/workerMessages';
import { ProgressMeter, type ProgressListener } from '../progress';
import { collectTree, type CollectedEntry, type TarRoot } from '../tar/collect';
import { planTarFrames, type TarPlan } from '../tar/framePlan';
import type { ArchiveWriter } from './archiveWriter';

export interface TreeSelection {
  /** Leave out what the trees' .gitignore files leave out (and .git folders). */
  respectGitignore: boolean;
  /** Patterns in .gitignore syntax, matched against paths inside each root. */
  exclude: readonly string[];
}

export interface TreeCompressJob {
  /** What goes in, each stored under its name: `folder/...`. */
  roots: readonly TarRoot[];
  /** The archive's name for itself (manifest `source.name`): the folder's, or the selection's parent's. */
  name: string;
  output: CompressOutput;
  selection: TreeSelection;
  options?: Partial<CompressOptions>;
  pool: WorkerPool;
  signal?: AbortSignal;
  listener?: TreeProgressListener;
  system?: SystemInfo;
}

export interface TreeProgressListener extends ProgressListener {
  /** While the trees are walked: entries found so far. */
  onScan?(found: number): void;
}

export interface TreeCompressResult extends CompressResult {
  files: number;
  folders: number;
  /** Symlinks and hard links. */
  links: number;
  /**
   * Members whose content in the archive is not what the file holds now (unreadable, changed
   * while packed), each as "path: why"; also in `warnings`. The CLI then exits 1, as tar does.
   */
  problems: string[];
}

export async function compressTree(job: TreeCompressJob): Promise<TreeCompressResult> {
  const options = resolveOptions(job.options ?? {});
  // Frames hold whole tar blocks.
  const chunkSize = Math.max(TAR_BLOCK, options.chunkSize - (options.chunkSize % TAR_BLOCK));
  const system = job.system ?? defaultSystem;
  const { signal, listener } = job;
  if (signal?.aborted) throw cancelled();
  const warnings: string[] = [];
  const meter = new ProgressMeter(undefined, undefined);
  meter.stage = 'scanning';
  listener?.onStage?.(meter.snapshot());

  let writer: ArchiveWriter | undefined;
  try {
    // Opened first: a target that exists is refused before the walk, not after it.
    writer = await openWriter(job.output, system, undefined, warnings);
    const collection = await collectTree(job.roots, {
      ...job.selection,
      signal,
      onProgress: (found) => listener?.onScan?.(found),
      skip: job.output.kind === 'file' ? isOutput(job.output.path) : undefined,
    });
    warnings.push(...collection.warnings);
    const entries = collection.entries;
    if (entries.length === 0) {
      throw new ChunkpressError(`Nothing to pack in ${job.roots.map((r) => `"${r.path}"`).join(', ')}`, 'EINVAL');
    }
    const tar = planTarFrames(
      entries.map((e) => ({ header: tarHeader(e).length, content: e.size })),
      chunkSize,
    );

    const plan = planThreads({
      cores: system.cores,
      availableMemory: system.availableMemory,
      memoryFactor: options.memoryFactor,
      level: options.level,
      chunkSize,
      inputSize: tar.tarSize,
      requested: options.threads,
    });
    job.pool.warm(plan.threads);
    const packing = new ProgressMeter(tar.tarSize, tar.frames.length);
    packing.files = { done: 0, total: collection.files, current: undefined };
    const abortFlag = new SharedArrayBuffer(4);
    const group = { lanes: plan.threads };
    const reports = new MemberReports(entries);
    const feed = treeFeed(entries, tar, (task) => job.pool.run({ ...task, abortFlag }, group));
    // The files each frame completes, for the count of files done and the current one.
    const completes: number[][] = tar.frames.map(() => []);
    entries.forEach((e, i) => e.type === 'file' && completes[tar.members[i].lastFrame].push(i));
    packing.stage = 'compressing';
    listener?.onStage?.(packing.snapshot());
    await runPipeline(
      { pool: job.pool, writer, level: options.level, plan, meter: packing, listener, signal, abortFlag, group },
      {
        ...feed,
        written(index, outcome) {
          reports.add(outcome.pieces);
          const files = packing.files!;
          files.done += completes[index].length;
          files.current = entries[completes[index].at(-1) ?? -1]?.path ?? files.current;
        },
      },
    );
    for (const reply of await Promise.all(feed.hashes)) {
      if (reply.outcome.kind === 'hashed') reports.add([reply.outcome.report]);
      else if (reply.outcome.kind === 'failed') throw new ChunkpressError(reply.outcome.message, 'EINTERNAL');
    }
    if (signal?.aborted) throw cancelled();

    packing.stage = 'finalizing';
    listener?.onStage?.(packing.snapshot());
    // Before the index: a member whose content is not the file's gets no digest.
    const problems = reports.problems();
    const manifest: Manifest = {
      format: 'chunkpress',
      version: MANIFEST_VERSION,
      options: { level: options.level, chunkSize },
      source: { name: job.name, kind: 'tree', size: tar.tarSize, mtime: null, mode: null },
      content: {
        size: tar.tarSize,
        chunkCount: writer.digests.length,
        digestAlgorithm: 'xxh64-tree',
        digest: treeDigest(writer.digests),
      },
      chunks: { digestAlgorithm: 'xxh64', digests: writer.digests },
      members: MemberIndex.of(
        entries.map((e, i) => memberOf(e, tar, i, reports.sha256[i])),
        { contentSize: tar.tarSize, frames: writer.digests.length },
      ),
    };
    warnings.push(...problems);
    const { size: outputSize, warnings: publishWarnings } = await writer.finish(manifest);
    warnings.push(...publishWarnings);
    packing.stage = 'done';
    packing.bytesOut = outputSize;
    const snapshot = packing.snapshot();
    listener?.onStage?.(snapshot);
    return {
      inputName: job.name,
      outputPath: writer.path,
      inputSize: tar.tarSize,
      outputSize,
      chunks: writer.digests.length,
      elapsedMs: meter.snapshot().elapsedMs,
      bytesPerSecond: snapshot.bytesPerSecond,
      options: { ...options, chunkSize },
      plan,
      digest: manifest.content.digest,
      warnings,
      files: collection.files,
      folders: collection.folders,
      links: entries.length - collection.files - collection.folders,
      problems,
    };
  } catch (err) {
    await writer?.abort().catch(() => undefined);
    throw err;
  }
}

/** The archive itself and its partial file, which a tree that holds it must not take in. */
function isOutput(output: string): (abs: string) => boolean {
  const final = path.resolve(output);
  const dir = path.dirname(final);
  const partial = path.basename(partialName(final, 'x')).split('.x.partial')[0];
  return (abs) =>
    abs === final ||
    (path.dirname(abs) === dir && path.basename(abs).startsWith(`${partial}.`) && abs.endsWith('.partial'));
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** What the workers said of each member: its SHA-256, or why its content is not the file's. */
class MemberReports {
  readonly sha256: (string | null)[];
  private readonly trouble = new Map<number, string>();

  constructor(private readonly entries: readonly CollectedEntry[]) {
    // An empty file has no piece to hash.
    this.sha256 = entries.map((e) => (e.type === 'file' && e.size === 0 ? EMPTY_SHA256 : null));
  }

  add(reports: readonly PieceReport[] | undefined): void {
    for (const r of reports ?? []) {
      if (r.problem) {
        if (!this.trouble.has(r.member)) this.trouble.set(r.member, r.problem.message);
      } else if (r.sha256) this.sha256[r.member] = r.sha256;
    }
  }

  /** "path: why", in archive order; their digests are dropped (the content is not the file's). */
  problems(): string[] {
    return [...this.trouble.entries()]
      .sort(([a], [b]) => a - b)
      .map(([member, why]) => {
        this.sha256[member] = null;
        return `${this.entries[member].path}: ${why}`;
      });
  }
}

interface HashRequest {
  kind: 'hash';
  member: number;
  path: string;
  size: number;
  mtimeNs: string;
}

/**
 * Frame after frame of the plan: the headers and zeros written into the slot here, the files'
 * pieces left to the worker. A member that spans frames also gets a hash task (`hashes`).
 */
function treeFeed(
  entries: readonly CollectedEntry[],
  tar: TarPlan,
  runHash: (task: HashRequest) => Promise<TaskReply>,
): Omit<FrameFeed, 'written'> & { hashes: Promise<TaskReply>[] } {
  const hashes: Promise<TaskReply>[] = [];
  const frameCapacity = Math.max(...tar.frames.map((f) => f.size));
  return {
    frameCapacity,
    hashes,
    next(index, input) {
      const frame = tar.frames[index];
      if (!frame) return undefined;
      const pieces: FilePiece[] = [];
      let at = 0;
      for (const segment of frame.segments) {
        if (segment.kind === 'header') input.set(tarHeader(entries[segment.member]), at);
        else if (segment.kind === 'zeros') input.fill(0, at, at + segment.length);
        else {
          const e = entries[segment.member];
          const whole = segment.offset === 0 && segment.length === e.size;
          const mtimeNs = mtimeNsOf(e);
          pieces.push({
            member: segment.member,
            path: e.source,
            at,
            offset: segment.offset,
            length: segment.length,
            size: e.size,
            mtimeNs,
            sha256: whole,
          });
          if (!whole && segment.offset === 0) {
            hashes.push(runHash({ kind: 'hash', member: segment.member, path: e.source, size: e.size, mtimeNs }));
          }
        }
        at += segment.length;
      }
      return { size: frame.size, offset: frame.tarOffset, read: { pieces } };
    },
    failure(index, outcome) {
      return new ChunkpressError(
        `Frame ${index}: ${outcome.message}`,
        outcome.code === 'ENOSPC' ? 'ENOSPC' : 'EINTERNAL',
      );
    },
  };
}

const mtimeNsOf = (e: CollectedEntry): string =>
  (BigInt(e.mtime.seconds) * 1_000_000_000n + BigInt(e.mtime.nanoseconds)).toString();

function memberOf(e: CollectedEntry, tar: TarPlan, i: number, sha256: string | null): ManifestMember {
  const placed = tar.members[i];
  return {
    path: e.path,
    type: e.type,
    mode: e.mode,
    size: e.size,
    mtime: e.mtime.seconds,
    mtimeNs: e.mtime.nanoseconds,
    uid: e.uid,
    gid: e.gid,
    uname: e.uname,
    gname: e.gname,
    link: e.linkTarget ?? null,
    headerOffset: placed.headerOffset,
    dataOffset: placed.dataOffset,
    frame: placed.firstFrame,
    sha256: e.type === 'file' ? sha256 : null,
  };
}
