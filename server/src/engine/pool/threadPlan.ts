import { estimateContextBytes } from '../codec/zstdParams';

export const MAX_THREADS = 16;
/** Per worker: its V8 isolate, wasm hasher and bookkeeping, beyond zstd itself. */
const WORKER_OVERHEAD = 12 << 20;

export interface ThreadPlanInput {
  cores: number;
  availableMemory: number;
  memoryFactor: number;
  level: number;
  chunkSize: number;
  /** Known input size, or undefined for streams. */
  inputSize: number | undefined;
  /** User's upper bound; undefined means automatic. */
  requested: number | undefined;
}

export interface ThreadPlan {
  threads: number;
  /** Chunks read but not yet written: the memory bound of the pipeline. */
  window: number;
  perWorkerBytes: number;
  reason: string;
}

/** Compressed output of one chunk can exceed its input slightly (ZSTD_COMPRESSBOUND). */
export function compressBound(size: number): number {
  const margin = size < 128 << 10 ? ((128 << 10) - size) >> 11 : 0;
  return size + (size >> 8) + margin;
}

/** Chunks in flight per worker: the one it compresses, the next one queued, one read ahead. */
const CHUNKS_PER_WORKER = 3;

/**
 * Workers = min(cores, what fits in availableMemory x memoryFactor, 16, the user's bound);
 * one worker when the input is a single chunk. Each worker accounts for its zstd context, the
 * chunks it keeps in flight (each slot holds a chunk, then its frame) and the space it makes a
 * frame in.
 */
export function planThreads(input: ThreadPlanInput): ThreadPlan {
  const perWorkerBytes =
    estimateContextBytes(input.level, input.chunkSize) +
    (CHUNKS_PER_WORKER + 1) * compressBound(input.chunkSize) +
    WORKER_OVERHEAD;
  const budget = Math.max(0, input.availableMemory * input.memoryFactor);
  const byMemory = Math.max(1, Math.floor(budget / perWorkerBytes));
  const limits: Array<[number, string]> = [
    [Math.max(1, input.cores), `${input.cores} cores`],
    [byMemory, `memory: ${mib(budget)} MiB available x factor fits ${byMemory} workers of ${mib(perWorkerBytes)} MiB`],
    [MAX_THREADS, `cap of ${MAX_THREADS}`],
  ];
  if (input.requested !== undefined) limits.push([Math.max(1, input.requested), `requested -T ${input.requested}`]);
  if (input.inputSize !== undefined && input.inputSize <= input.chunkSize) {
    limits.push([1, 'input fits in one chunk']);
  }
  let [threads, reason] = limits[0];
  for (const [value, why] of limits) {
    if (value < threads) [threads, reason] = [value, why];
  }
  return {
    threads,
    window: CHUNKS_PER_WORKER * threads,
    perWorkerBytes,
    reason: `${threads} worker${threads === 1 ? '' : 's'}: limited by ${reason}`,
  };
}

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);
