/**
 * Compresses folders and files into one seekable .tar.zst with a member index: the trees are
 * walked (tar/collect.ts) and the tar stream cut into frames of whole records (tar/framePlan.ts)
 * as the frames are asked for, and each frame's worker reads its files' pieces into place around
 * the headers, hashes the members it holds whole and compresses the frame. A member bigger than a frame
 * is hashed by a task of its own on the same pool. The main thread writes headers and the frames
 * in order, and touches no content.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import {
  journalOptions,
  openOutput,
  settleInterrupted,
  startJournal,
  stopWriting,
  type CompressOutput,
  type CompressResult,
  type GziSidecar,
} from './compress';
import type { JournalFrame } from '../format/jobJournal';
import { fingerprintOf } from '../io/journalFile';
import type { JournalWriter } from '../io/journalFile';
import { resolveOptions, type CompressOptions } from './compressOptions';
import { runPipeline, type FrameFeed } from './framePipeline';
import { cancelled, ChunkpressError } from '../errors';
import { treeDigest } from '../codec/hash';
import { MANIFEST_VERSION, type Manifest } from '../format/manifest';
import { MemberIndex } from '../format/memberIndex';
import { TAR_BLOCK, tarHeaderSize, writeTarHeader } from '../format/tarHeader';
import { partialName } from '../io/outputNames';
import { defaultSystem, type SystemInfo } from '../io/system';
import type { WorkerPool } from '../pool/pool';
import { planThreads } from '../pool/threadPlan';
import type { FilePiece, PieceReport, TaskReply } from '../pool/workerMessages';
import { ProgressMeter, type ProgressListener } from '../progress';
import { TreeWalk, turn, type CollectedEntry, type TarRoot, type WalkTally } from '../tar/collect';
import { TarFramer } from '../tar/framePlan';
import { MemberTable } from '../tar/memberTable';
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
  /** As for a file (compress.ts): go on with an interrupted job of the same target, or discard it. */
  resume?: 'resume' | 'discard';
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
  let options = resolveOptions(job.options ?? {});
  const system = job.system ?? defaultSystem;
  const { signal, listener } = job;
  if (signal?.aborted) throw cancelled();
  const warnings: string[] = [];
  const meter = new ProgressMeter(undefined, undefined);
  meter.stage = 'scanning';
  listener?.onStage?.(meter.snapshot());

  let writer: ArchiveWriter | undefined;
  let gzi: GziSidecar | undefined;
  let journal: JournalWriter | undefined;
  try {
    const target = job.output.kind === 'file' ? path.resolve(job.output.path) : undefined;
    const roots = job.roots.map((r) => ({ path: path.resolve(r.path), name: r.name }));
    const point = target
      ? await settleInterrupted(
          job.resume,
          target,
          { kind: 'tree', roots },
          job.pool,
          Math.max(1, Math.min(system.cores, job.pool.size)),
          signal,
        )
      : undefined;
    let selection = job.selection;
    if (point) {
      // The interrupted job's options and selection: the same members, in the same frames.
      options = resolveOptions({
        ...point.header.options,
        threads: options.threads,
        memoryFactor: options.memoryFactor,
      });
      if (point.header.tree) selection = { ...point.header.tree };
    }
    // Frames hold whole tar blocks.
    const chunkSize = Math.max(TAR_BLOCK, options.chunkSize - (options.chunkSize % TAR_BLOCK));
    // Opened first: a target that exists is refused before the walk, not after it. A tar.gz has no
    // name or time of its own in its header, as tar -czf makes it.
    ({ writer, gzi } = await openOutput(
      job.output,
      { ...options, chunkSize },
      system,
      undefined,
      warnings,
      undefined,
      undefined,
      point,
    ));
    if (target) {
      const first = await fs.promises.stat(roots[0].path).catch(() => undefined);
      journal = await startJournal(writer, target, point, {
        options: { ...journalOptions(options), chunkSize },
        source: first
          ? fingerprintOf(roots[0].path, first)
          : { path: roots[0].path, size: 0, mtimeMs: 0, ino: 0, dev: 0 },
        tree: { roots, name: job.name, respectGitignore: selection.respectGitignore, exclude: [...selection.exclude] },
        // Known once the tree has been walked (a later line of the journal).
        totalChunks: point ? point.header.totalChunks : 0,
      });
    }
    const tally: WalkTally = { warnings: [], files: 0, folders: 0, bytes: 0 };
    const tree = new TreeSource(
      await TreeWalk.start(
        job.roots,
        {
          ...selection,
          signal,
          onProgress: (found) => listener?.onScan?.(found),
          skip: job.output.kind === 'file' ? isOutput(job.output.path) : undefined,
        },
        tally,
      ),
      new TarFramer(chunkSize),
    );
    // The first frames' worth before planning: a small tree is then known whole, and gets no more
    // workers than it has frames (one lane runs on the CLI's own thread).
    await tree.pull(FRAMES_BEFORE_PLANNING);
    if (tree.ended && tree.table.count === 0) {
      throw new ChunkpressError(`Nothing to pack in ${job.roots.map((r) => `"${r.path}"`).join(', ')}`, 'EINVAL');
    }
    const plan = planThreads({
      cores: system.cores,
      availableMemory: system.availableMemory,
      memoryFactor: options.memoryFactor,
      level: options.level,
      chunkSize,
      inputSize: tree.ended ? tree.framer.offset : undefined,
      requested: options.threads,
    });
    job.pool.warm(plan.threads);
    const packing = new ProgressMeter(undefined, undefined);
    const files = { done: 0, total: tally.files, current: undefined as string | undefined };
    packing.files = files;
    const abortFlag = new SharedArrayBuffer(4);
    const group = { lanes: plan.threads };
    const reports = new MemberReports(tree.table);
    const feed = treeFeed(tree, chunkSize, (task) => job.pool.run({ ...task, abortFlag }, group));
    let planned = false;
    const countTotals = (): void => {
      files.total = tally.files;
      if (tree.ended) {
        packing.totalBytes = tree.framer.offset;
        packing.totalChunks = tree.framer.frames.length;
        if (!planned) journal?.planned(tree.framer.frames.length);
        planned = true;
      }
    };
    // A resumed job: what its partial archive holds counts as done.
    packing.bytesIn = packing.resumedBytes = writer.contentBytes;
    packing.chunksDone = writer.entries.length;
    packing.bytesOut = writer.committedBytes;
    countTotals();
    packing.stage = 'compressing';
    listener?.onStage?.(packing.snapshot());
    await runPipeline(
      {
        pool: job.pool,
        writer,
        level: options.level,
        gzip: options.format === 'gzip' ? options.gzipLayout : undefined,
        plan,
        meter: packing,
        listener,
        signal,
        abortFlag,
        group,
        recheck: point
          ? {
              digests: point.frames.map((f) => f.digest),
              changed: (i) => frameChanged(job.roots, point.frames[i]),
            }
          : undefined,
      },
      {
        ...feed,
        written(index, outcome) {
          feed.members?.(index); // a rechecked frame's span is not journalled again
          reports.add(outcome.pieces);
          const done = feed.completes.get(index) ?? [];
          feed.completes.delete(index);
          files.done += done.length;
          if (done.length > 0) files.current = tree.table.path(done.at(-1)!);
          countTotals();
        },
      },
    );
    const table = tree.table;
    const tarSize = tree.framer.end();
    warnings.push(...tally.warnings);
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
      source: { name: job.name, kind: 'tree', size: tarSize, mtime: null, mode: null },
      content: {
        size: tarSize,
        chunkCount: writer.digests.length,
        digestAlgorithm: 'xxh64-tree',
        digest: treeDigest(writer.digests),
      },
      chunks: { digestAlgorithm: 'xxh64', digests: writer.digests },
      members: MemberIndex.ofColumns(
        table.count,
        (name) => (name === 'sha256' ? reports.columnPieces() : table.columnPieces(name)),
        { contentSize: tarSize, frames: writer.digests.length },
      ),
    };
    warnings.push(...problems);
    const { size: outputSize, warnings: publishWarnings } = await writer.finish(manifest);
    warnings.push(...publishWarnings);
    await gzi?.finish(writer);
    packing.stage = 'done';
    packing.bytesOut = outputSize;
    const snapshot = packing.snapshot();
    listener?.onStage?.(snapshot);
    return {
      inputName: job.name,
      outputPath: writer.path,
      inputSize: tarSize,
      outputSize,
      chunks: writer.digests.length,
      elapsedMs: meter.snapshot().elapsedMs,
      bytesPerSecond: snapshot.bytesPerSecond,
      options: { ...options, chunkSize },
      plan,
      digest: manifest.content.digest,
      warnings,
      files: tally.files,
      folders: tally.folders,
      links: table.count - tally.files - tally.folders,
      problems,
      ...(point && { resumedChunks: point.frames.length }),
    };
  } catch (err) {
    await gzi?.abort().catch(() => undefined);
    throw await stopWriting(writer, err);
  }
}

/** A resumed folder's frame that is not what the interrupted job made of it. */
function frameChanged(roots: readonly TarRoot[], frame: JournalFrame): ChunkpressError {
  const what = frame.members ? `${frame.members[0]} .. ${frame.members[1]}` : 'its members';
  const last = frame.contentOffset + frame.decompressedSize - 1;
  return new ChunkpressError(
    `${roots.map((r) => `"${r.path}"`).join(', ')} changed since the job was interrupted: frame ${frame.index} (tar bytes ${frame.contentOffset}..${last}, ${what}) is not what was compressed then (--discard starts over)`,
    'ECHANGED',
    roots[0]?.path,
  );
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

/** Frames walked before the threads are planned. */
const FRAMES_BEFORE_PLANNING = 8;
const HEADER_ROOM = 16 << 10;

/** Members in a piece of the sha256 column's text. */
const DIGEST_PIECE = 4096;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** What the workers said of each member: its SHA-256 (kept in the table), or why its content is not the file's. */
class MemberReports {
  private readonly trouble = new Map<number, string>();

  constructor(private readonly table: MemberTable) {}

  add(reports: readonly PieceReport[] | undefined): void {
    for (const r of reports ?? []) {
      if (r.problem) {
        if (!this.trouble.has(r.member)) this.trouble.set(r.member, r.problem.message);
      } else if (r.sha256) this.table.setSha256(r.member, r.sha256);
    }
  }

  /** A file's digest, unless its content is not the file's; an empty file has no piece to hash. */
  sha256Of(member: number): string | null {
    const { table } = this;
    if (table.type(member) !== 'file' || this.trouble.has(member)) return null;
    return table.size(member) === 0 ? EMPTY_SHA256 : (table.sha256(member) ?? null);
  }

  /** The manifest's sha256 column (memberIndex.ts) in pieces: "" where there is none. */
  *columnPieces(): Generator<string> {
    const n = this.table.count;
    yield '"';
    for (let at = 0; at < n; at += DIGEST_PIECE) {
      const digests = Array.from({ length: Math.min(DIGEST_PIECE, n - at) }, (_, k) => this.sha256Of(at + k) ?? '');
      yield `${at > 0 ? '\\u0000' : ''}${digests.join('\\u0000')}`;
    }
    yield '"';
  }

  /** "path: why", in archive order. */
  problems(): string[] {
    return [...this.trouble.entries()].sort(([a], [b]) => a - b).map(([m, why]) => `${this.table.path(m)}: ${why}`);
  }
}

/**
 * The walk and the frame plan, advanced together as frames are asked for: the walk stays ahead of
 * compression by the frames in flight, not by the whole tree. Members are kept in the compact
 * table; their entries only while a frame to fill still needs them.
 */
class TreeSource {
  readonly table = new MemberTable();
  ended = false;
  /** Entries walked ahead, or whose content goes on into frames not yet filled. */
  private readonly pending = new Map<number, CollectedEntry>();

  constructor(
    private readonly walk: TreeWalk,
    readonly framer: TarFramer,
  ) {}

  /** Walks until frame `index` is final, or the walk has ended. */
  async pull(index: number): Promise<void> {
    let first = true;
    while (!this.ended && this.framer.ready <= index) {
      if (!first) await turn();
      first = false;
      if (this.walk.ended) {
        this.ended = true;
        this.framer.end();
        break;
      }
      for (const entry of this.walk.step()) {
        const placed = this.framer.add({ header: tarHeaderSize(entry), content: entry.size });
        this.pending.set(this.table.add(entry, placed), entry);
      }
    }
  }

  /** Member `member`'s entry, while its frames are being filled. */
  entry(member: number): CollectedEntry {
    return this.pending.get(member)!;
  }

  /** Member `member`'s last bytes are in a frame: its entry is not needed again. */
  filled(member: number): void {
    this.pending.delete(member);
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
 * Frame after frame of the plan, as the walk makes it final: the headers and zeros written into the
 * slot here, the files' pieces left to the worker. A member that spans frames also gets a hash
 * task (`hashes`). `completes`: the files each frame in flight finishes, for the progress.
 */
function treeFeed(
  tree: TreeSource,
  chunkSize: number,
  runHash: (task: HashRequest) => Promise<TaskReply>,
): Omit<FrameFeed, 'written'> & { hashes: Promise<TaskReply>[]; completes: Map<number, number[]> } {
  const hashes: Promise<TaskReply>[] = [];
  const completes = new Map<number, number[]>();
  /** Each frame in flight's first and last members, for the journal. */
  const spans = new Map<number, [string, string]>();
  // Room for the biggest frame: a chunk, or a member's headers (a pax path of PATH_MAX and a link
  // target as long) with the start of its content.
  const frameCapacity = chunkSize + HEADER_ROOM;
  return {
    frameCapacity,
    hashes,
    completes,
    async next(index, input) {
      await tree.pull(index);
      const frame = tree.framer.frames[index];
      if (!frame) return undefined;
      if (frame.size > frameCapacity)
        throw new ChunkpressError(
          `Frame ${index} would hold ${frame.size} bytes of tar headers and content, more than ${frameCapacity}`,
          'EINVAL',
        );
      const pieces: FilePiece[] = [];
      const done: number[] = [];
      let at = 0;
      for (const segment of frame.segments) {
        if (segment.kind === 'zeros') {
          input.fill(0, at, at + segment.length);
          at += segment.length;
          continue;
        }
        const e = tree.entry(segment.member);
        if (segment.kind === 'header') {
          if (writeTarHeader(e, input, at) !== segment.length)
            throw new ChunkpressError(`${e.path}: its header is not the size it was planned at`, 'EINTERNAL');
          if (e.size === 0) {
            if (e.type === 'file') done.push(segment.member);
            tree.filled(segment.member);
          }
        } else {
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
            const hash = runHash({ kind: 'hash', member: segment.member, path: e.source, size: e.size, mtimeNs });
            // Awaited after the frames; a job that fails first leaves it to end on its own.
            hash.catch(() => undefined);
            hashes.push(hash);
          }
          if (segment.offset + segment.length === e.size) {
            done.push(segment.member);
            tree.filled(segment.member);
          }
        }
        at += segment.length;
      }
      completes.set(index, done);
      const held = frame.segments.filter((g) => g.kind !== 'zeros') as Array<{ member: number }>;
      if (held.length > 0) spans.set(index, [tree.table.path(held[0].member), tree.table.path(held.at(-1)!.member)]);
      // Planned and handed over: its segments are not needed again.
      frame.segments = [];
      return { size: frame.size, offset: frame.tarOffset, read: { pieces } };
    },
    members(index) {
      const span = spans.get(index);
      spans.delete(index);
      return span;
    },
    failure(index, outcome) {
      return new ChunkpressError(
        `Frame ${index}: ${outcome.message}`,
        outcome.code === 'ENOSPC' ? 'ENOSPC' : 'EINTERNAL',
      );
    },
  };
}

/** The mtime in nanoseconds, as BigInt's toString writes it (without its arithmetic, for most). */
function mtimeNsOf({ mtime: { seconds, nanoseconds } }: CollectedEntry): string {
  if (seconds > 0) return `${seconds}${String(nanoseconds).padStart(9, '0')}`;
  return (BigInt(seconds) * 1_000_000_000n + BigInt(nanoseconds)).toString();
}
