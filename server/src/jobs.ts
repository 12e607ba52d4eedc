import type { CancellationToken } from 'vscode-languageserver';
import { compress, type CompressResult as EngineResult } from './engine/compress';
import type { WorkerPool } from './engine/pool';
import type { ProgressSnapshot } from './engine/progress';
import { progressMessage } from './progressText';
import type { ChunkInfo, CompressParams, CompressPartial, CompressResult, JobProgress } from './protocol';

/** How often progress and chunk batches go over the wire: enough for a smooth status bar, no flood. */
const REPORT_INTERVAL_MS = 100;

export interface JobReporter {
  begin(title: string, message: string): void;
  report(percentage: number | undefined, message: string): void;
  partial(partial: CompressPartial): void;
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
  };
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
  async compress(
    params: CompressParams,
    progressToken: string | number | undefined,
    cancel: CancellationToken,
    reporter: JobReporter,
  ): Promise<CompressResult> {
    const controller = new AbortController();
    const subscription = cancel.onCancellationRequested(() => controller.abort());
    const token = progressToken;
    if (token !== undefined) this.byToken.set(token, controller);
    this.running.add(controller);

    let pending: ChunkInfo[] = [];
    let lastReport = -Infinity;
    const flush = (snapshot: ProgressSnapshot): void => {
      const progress = toJobProgress(snapshot);
      reporter.report(
        progress.totalBytes ? (100 * progress.bytesIn) / progress.totalBytes : undefined,
        progressMessage(progress),
      );
      reporter.partial({ chunks: pending, progress });
      pending = [];
      lastReport = snapshot.elapsedMs;
    };
    reporter.begin(`Compressing ${params.input}`, 'preparing');
    try {
      const result: EngineResult = await compress({
        input: { kind: 'file', path: params.input },
        output: { kind: 'file', path: params.output, overwrite: params.overwrite },
        options: {
          level: params.level,
          chunkSize: params.chunkSize,
          threads: params.threads,
          memoryFactor: params.memoryFactor,
        },
        pool: this.pool,
        signal: controller.signal,
        listener: {
          onStage: (snapshot) => flush(snapshot),
          onChunk: (chunk, snapshot) => {
            pending.push(chunk);
            if (snapshot.elapsedMs - lastReport >= REPORT_INTERVAL_MS) flush(snapshot);
          },
        },
      });
      reporter.log(
        `${params.input}: ${result.plan.reason}; level ${result.options.level}, chunk ${result.options.chunkSize} bytes`,
      );
      return {
        input: params.input,
        output: result.outputPath ?? params.output,
        inputSize: result.inputSize,
        outputSize: result.outputSize,
        chunks: result.chunks,
        elapsedMs: result.elapsedMs,
        bytesPerSecond: result.bytesPerSecond,
        level: result.options.level,
        chunkSize: result.options.chunkSize,
        threads: result.plan.threads,
        threadReason: result.plan.reason,
        digest: result.digest,
        warnings: result.warnings,
      };
    } finally {
      subscription.dispose();
      if (token !== undefined) this.byToken.delete(token);
      this.running.delete(controller);
    }
  }
}
