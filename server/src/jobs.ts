import type { CancellationToken } from 'vscode-languageserver';
import { compress, type CompressResult as EngineResult } from './engine/compression/compress';
import { compressTree, type TreeCompressResult } from './engine/compression/compressTree';
import type { CompressOptions } from './engine/compression/compressOptions';
import { decode } from './engine/decoding/decompress';
import { extractArchive } from './engine/extraction/extractArchive';
import { searchArchive } from './engine/search/searchArchive';
import type { AskOverwrite } from './engine/extraction/targetTree';
import type { WorkerPool } from './engine/pool/pool';
import type { ProgressSnapshot } from './engine/progress';
import { progressMessage } from './progressText';
import type {
  ChunkInfo,
  CompressParams,
  CompressResult,
  DecodeParams,
  DecodeResult,
  ExtractParams,
  ExtractResult,
  FrameCheck,
  JobProgress,
  SearchMatch,
  SearchParams,
  SearchSummary,
} from './protocol';
import { MAX_SEARCH_MATCHES } from './protocol';

/** How often progress and chunk batches go over the wire: enough for a smooth status bar, no flood. */
const REPORT_INTERVAL_MS = 100;

/** Where a job's progress goes: $/progress on its workDoneToken, and batches of records on its partialResultToken. */
export interface JobReporter<Item> {
  begin(title: string, message: string): void;
  report(percentage: number | undefined, message: string): void;
  partial(items: Item[], progress: JobProgress): void;
  log(message: string): void;
}

export function toJobProgress(s: ProgressSnapshot): JobProgress {
  return {
    stage: s.stage,
    bytesIn: s.bytesIn,
    bytesOut: s.bytesOut,
    totalBytes: s.totalBytes ?? null,
    chunksDone: s.chunksDone,
    totalChunks: s.totalChunks ?? null,
    elapsedMs: s.elapsedMs,
    bytesPerSecond: s.bytesPerSecond,
    etaMs: s.etaMs ?? null,
    files: s.files ? { ...s.files, current: s.files.current ?? null } : null,
  };
}

/**
 * Collects a job's per-chunk records and sends them with its progress, at most once per
 * REPORT_INTERVAL_MS (and always on a stage change, so the last chunks are never held back).
 */
class ProgressBatcher<Item> {
  private pending: Item[] = [];
  private lastReport = -Infinity;

  constructor(private readonly reporter: JobReporter<Item>) {}

  add(item: Item): void {
    this.pending.push(item);
  }

  /** Sends now if `force` or the interval has passed. */
  progress(snapshot: ProgressSnapshot, force = false): void {
    if (!force && snapshot.elapsedMs - this.lastReport < REPORT_INTERVAL_MS) return;
    const progress = toJobProgress(snapshot);
    this.reporter.report(
      progress.totalBytes ? (100 * progress.bytesIn) / progress.totalBytes : undefined,
      progressMessage(progress),
    );
    this.reporter.partial(this.pending, progress);
    this.pending = [];
    this.lastReport = snapshot.elapsedMs;
  }
}

/**
 * The running jobs of this server. Each job has an AbortController that both `$/cancelRequest`
 * and `window/workDoneProgress/cancel` (by its progress token) can trigger.
 */
export class JobRegistry {
  private readonly byToken = new Map<string | number, AbortController>();
  private readonly running = new Set<AbortController>();

  constructor(private readonly pool: WorkerPool) {}

  get size(): number {
    return this.running.size;
  }

  cancelByToken(token: string | number): boolean {
    const controller = this.byToken.get(token);
    controller?.abort();
    return controller !== undefined;
  }

  cancelAll(): void {
    for (const controller of this.running) controller.abort();
  }

  /** `progressToken` is the request's workDoneToken (vscode-languageserver removes it from params once attached). */
  compress(
    params: CompressParams,
    progressToken: string | number | undefined,
    cancel: CancellationToken,
    reporter: JobReporter<ChunkInfo>,
  ): Promise<CompressResult> {
    return this.track(progressToken, cancel, async (signal) => {
      const batcher = new ProgressBatcher(reporter);
      reporter.begin(`Compressing ${params.input}`, 'preparing');
      const options = {
        format: params.format,
        gzipLayout: params.gzipLayout,
        gzi: params.gzi,
        level: params.level,
        chunkSize: params.chunkSize,
        threads: params.threads,
        memoryFactor: params.memoryFactor,
      };
      const listener = {
        onStage: (snapshot: ProgressSnapshot) => batcher.progress(snapshot, true),
        onScan: (found: number) => reporter.report(undefined, `scanning · ${found} found`),
        onChunk: (chunk: ChunkInfo, snapshot: ProgressSnapshot) => {
          batcher.add(chunk);
          batcher.progress(snapshot);
        },
      };
      const output = { kind: 'file', path: params.output, overwrite: params.overwrite } as const;
      const tree = params.tree;
      const result: EngineResult | TreeCompressResult = tree
        ? await compressTree({
            roots: tree.roots,
            name: tree.name,
            selection: { respectGitignore: tree.respectGitignore, exclude: tree.exclude },
            output,
            options,
            pool: this.pool,
            signal,
            listener,
            resume: params.resume,
          })
        : await compress({
            input: { kind: 'file', path: params.input },
            output,
            options,
            pool: this.pool,
            signal,
            listener,
            resume: params.resume,
          });
      reporter.log(
        `${params.input}: ${result.plan.reason}; ${formatLabel(result.options)} level ${result.options.level}, chunk ${result.options.chunkSize} bytes`,
      );
      return {
        input: params.input,
        output: result.outputPath ?? params.output,
        inputSize: result.inputSize,
        outputSize: result.outputSize,
        chunks: result.chunks,
        elapsedMs: result.elapsedMs,
        bytesPerSecond: result.bytesPerSecond,
        format: result.options.format,
        gzipLayout: result.options.format === 'gzip' ? result.options.gzipLayout : undefined,
        level: result.options.level,
        chunkSize: result.options.chunkSize,
        threads: result.plan.threads,
        threadReason: result.plan.reason,
        digest: result.digest,
        warnings: result.warnings,
        resumedChunks: result.resumedChunks,
        ...(tree && {
          tree: {
            files: (result as TreeCompressResult).files,
            folders: (result as TreeCompressResult).folders,
            links: (result as TreeCompressResult).links,
            problems: (result as TreeCompressResult).problems,
          },
        }),
      };
    });
  }

  /** Decompress, verify or extract; every frame's outcome is streamed as it is known. */
  decode(
    params: DecodeParams,
    progressToken: string | number | undefined,
    cancel: CancellationToken,
    reporter: JobReporter<FrameCheck>,
  ): Promise<DecodeResult> {
    return this.track(progressToken, cancel, async (signal) => {
      const batcher = new ProgressBatcher(reporter);
      const verb = { decompress: 'Decompressing', verify: 'Verifying', extract: 'Extracting from' }[params.kind];
      reporter.begin(`${verb} ${params.input}`, 'preparing');
      const result = await decode({
        input: params.input,
        output:
          params.kind === 'verify' || params.output === undefined
            ? { kind: 'none' }
            : { kind: 'file', path: params.output, overwrite: params.overwrite },
        verify: params.kind === 'verify',
        range: params.kind === 'extract' ? params.range : undefined,
        threads: params.threads,
        pool: this.pool,
        signal,
        resume: params.resume,
        onFrame: (frame) => batcher.add(frame),
        onProgress: (snapshot) =>
          batcher.progress(snapshot, snapshot.stage === 'finalizing' || snapshot.stage === 'done'),
      });
      reporter.log(
        `${params.kind} ${params.input}: ${result.framesDecoded}/${result.frames} frames, ${result.mode} on ${result.threads} thread(s)${result.note ? `; ${result.note}` : ''}; ${result.failures.length} failure(s)`,
      );
      return result;
    });
  }

  /** Members into a folder; `ask` puts each existing path to the user while the policy is `ask`. */
  extract(
    params: ExtractParams,
    progressToken: string | number | undefined,
    cancel: CancellationToken,
    reporter: JobReporter<never>,
    ask: AskOverwrite,
  ): Promise<ExtractResult> {
    return this.track(progressToken, cancel, async (signal) => {
      const batcher = new ProgressBatcher(reporter);
      reporter.begin(`Extracting ${params.archive}`, 'preparing');
      const result = await extractArchive({
        archive: params.archive,
        target: params.target,
        members: params.members,
        base: params.base,
        overwrite: params.overwrite,
        ask,
        threads: params.threads,
        pool: this.pool,
        signal,
        resume: params.resume,
        onProgress: (snapshot) =>
          batcher.progress(snapshot, snapshot.stage === 'finalizing' || snapshot.stage === 'done'),
      });
      reporter.log(
        `extract ${params.archive} -> ${result.target}: ${result.files} files${result.resumedFiles === undefined ? '' : ` (${result.resumedFiles} kept from the interrupted run)`}, ${result.folders} folders, ${result.links} links, ${result.kept} kept, ${result.refused.length} refused; ${result.mode} on ${result.threads} thread(s)`,
      );
      for (const r of result.refused) reporter.log(`  ${r.member}: not extracted: ${r.reason}`);
      return result;
    });
  }

  /** Searches an archive's files; matches go out with the progress, in batches. */
  search(
    params: SearchParams,
    progressToken: string | number | undefined,
    cancel: CancellationToken,
    reporter: JobReporter<SearchMatch>,
  ): Promise<SearchSummary> {
    return this.track(progressToken, cancel, async (signal) => {
      const batcher = new ProgressBatcher(reporter);
      reporter.begin(`Searching ${params.archive}`, 'preparing');
      // Enough matches stop the search: nobody reads past them, and the rest would cost the whole archive.
      const enough = new AbortController();
      const stop = AbortSignal.any([signal, enough.signal]);
      let sent = 0;
      let last: ProgressSnapshot | undefined;
      const result = await searchArchive({
        archive: params.archive,
        pattern: {
          pattern: params.pattern,
          regex: params.regex,
          ignoreCase: params.ignoreCase,
          countOnly: false,
          preview: 400,
        },
        members: params.members,
        pool: this.pool,
        signal: stop,
        onMember: (path, found) => {
          for (const m of found.matches) {
            if (sent >= MAX_SEARCH_MATCHES) break;
            batcher.add({ path, line: m.line, text: found.binary ? '(binary file)' : m.text });
            sent++;
          }
          if (sent >= MAX_SEARCH_MATCHES) enough.abort();
        },
        onProgress: (snapshot) => {
          last = snapshot;
          batcher.progress(snapshot);
        },
      }).catch((err: unknown) => {
        if (enough.signal.aborted && !signal.aborted) return undefined;
        throw err;
      });
      if (last) batcher.progress(last, true);
      return {
        files: result?.files ?? 0,
        matchedFiles: result?.matchedFiles ?? 0,
        lines: result?.lines ?? sent,
        truncated: result === undefined,
        elapsedMs: result?.elapsedMs ?? last?.elapsedMs ?? 0,
      };
    });
  }

  private async track<T>(
    progressToken: string | number | undefined,
    cancel: CancellationToken,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const subscription = cancel.onCancellationRequested(() => controller.abort());
    if (progressToken !== undefined) this.byToken.set(progressToken, controller);
    this.running.add(controller);
    try {
      return await run(controller.signal);
    } finally {
      subscription.dispose();
      if (progressToken !== undefined) this.byToken.delete(progressToken);
      this.running.delete(controller);
    }
  }
}

/** "zstd", "gzip", "gzip (bgzf)": what a compression wrote. */
const formatLabel = (o: CompressOptions): string =>
  o.format === 'zstd' ? 'zstd' : o.gzipLayout === 'bgzf' ? 'gzip (bgzf)' : 'gzip';
