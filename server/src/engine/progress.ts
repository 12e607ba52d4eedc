/** Progress of one job, as the engine reports it; the server and CLI decide how often to show it. */
import { clock } from './clock';

export type Stage =
  | 'preparing'
  | 'scanning'
  | 'compressing'
  | 'decompressing'
  | 'verifying'
  | 'extracting'
  | 'searching'
  | 'finalizing'
  | 'done';

/** The stages where chunks are being worked on. */
export const WORKING_STAGES: readonly Stage[] = [
  'compressing',
  'decompressing',
  'verifying',
  'extracting',
  'searching',
];

export interface ChunkRecord {
  index: number;
  inputOffset: number;
  inputSize: number;
  outputOffset: number;
  compressedSize: number;
  /** Low 32 bits of XXH64, as stored in the frame and the seek table. */
  checksum: number;
  /** Full XXH64 of the chunk, hex, as in the manifest. */
  digest: string;
  /** Time the worker spent on it, in ms. */
  elapsedMs: number;
}

export interface ProgressSnapshot {
  stage: Stage;
  bytesIn: number;
  bytesOut: number;
  /** Undefined for streams of unknown length. */
  totalBytes: number | undefined;
  chunksDone: number;
  totalChunks: number | undefined;
  elapsedMs: number;
  bytesPerSecond: number;
  etaMs: number | undefined;
  /** A tree's files: those packed so far, of how many, and the one being packed. */
  files?: { done: number; total: number; current: string | undefined };
}

export interface ProgressListener {
  onStage?(snapshot: ProgressSnapshot): void;
  onChunk?(chunk: ChunkRecord, snapshot: ProgressSnapshot): void;
}

/** Keeps the counters and derives rate and ETA from them. */
export class ProgressMeter {
  private readonly started = clock();
  stage: Stage = 'preparing';
  bytesIn = 0;
  /** Of `bytesIn`, those a resumed job found done: they count for the progress, not the rate. */
  resumedBytes = 0;
  bytesOut = 0;
  chunksDone = 0;
  files: ProgressSnapshot['files'];

  /** Set later when they become known (a tree's, once it has been walked). */
  constructor(
    public totalBytes: number | undefined,
    public totalChunks: number | undefined,
  ) {}

  snapshot(): ProgressSnapshot {
    const elapsedMs = clock() - this.started;
    const bytesPerSecond = elapsedMs > 0 ? ((this.bytesIn - this.resumedBytes) * 1000) / elapsedMs : 0;
    const etaMs =
      this.totalBytes !== undefined && bytesPerSecond > 0
        ? ((this.totalBytes - this.bytesIn) * 1000) / bytesPerSecond
        : undefined;
    return {
      stage: this.stage,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      totalBytes: this.totalBytes,
      chunksDone: this.chunksDone,
      totalChunks: this.totalChunks,
      elapsedMs,
      bytesPerSecond,
      etaMs,
      ...(this.files && { files: { ...this.files } }),
    };
  }
}
