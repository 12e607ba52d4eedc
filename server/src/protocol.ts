/**
 * The helper's custom LSP methods, declared once and imported by both the extension (client/) and
 * the server. Everything here is plain JSON over IPC; no `vscode` import, and engine types only.
 */
import {
  ProgressType,
  ProtocolRequestType,
  RequestType0,
  type PartialResultParams,
  type WorkDoneProgressParams,
} from 'vscode-languageserver-protocol';
// Type-only: the wire shape is the engine's record; nothing of the engine is bundled into the client.
import type { ChunkRecord } from './engine/progress';

/** Where a job is, as the engine's ProgressSnapshot (plain numbers, JSON-safe). */
export interface JobProgress {
  stage: 'preparing' | 'compressing' | 'finalizing' | 'done';
  bytesIn: number;
  bytesOut: number;
  totalBytes: number | null;
  chunksDone: number;
  totalChunks: number | null;
  elapsedMs: number;
  bytesPerSecond: number;
  etaMs: number | null;
}

/** One finished frame (index, offsets, sizes, checksum, digest, time), streamed while the job runs. */
export type ChunkInfo = ChunkRecord;

/** Partial result of `chunkpress/compress`: chunks finished since the last one, and where the job is. */
export interface CompressPartial {
  chunks: ChunkInfo[];
  progress: JobProgress;
}

export interface CompressParams extends WorkDoneProgressParams, PartialResultParams {
  /** File system path of the input file. */
  input: string;
  /** File system path of the archive to create. */
  output: string;
  /** False: fail with code EEXIST when `output` exists. */
  overwrite: boolean;
  level?: number;
  chunkSize?: number;
  /** Upper bound on workers; omitted = automatic. */
  threads?: number;
  memoryFactor?: number;
}

export interface CompressResult {
  input: string;
  output: string;
  inputSize: number;
  outputSize: number;
  chunks: number;
  elapsedMs: number;
  bytesPerSecond: number;
  level: number;
  chunkSize: number;
  threads: number;
  /** Why that many workers (cores, memory, request, input size). */
  threadReason: string;
  digest: string;
  warnings: string[];
}

/** `data` of a failed request's ResponseError: lets the client react (e.g. ask before overwriting). */
export interface JobErrorData {
  code: string;
  path?: string;
}

export const compressRequest = new ProtocolRequestType<
  CompressParams,
  CompressResult,
  CompressPartial,
  JobErrorData,
  void
>('chunkpress/compress');

/** Partial results of `chunkpress/compress` travel as `$/progress` on its partialResultToken. */
export const compressPartialType = new ProgressType<CompressPartial>();

export interface ServerInfo {
  version: string;
  zstdVersion: string;
  cores: number;
  poolSize: number;
  pid: number;
}

export const serverInfoRequest = new RequestType0<ServerInfo, void>('chunkpress/serverInfo');
