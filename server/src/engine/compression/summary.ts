import { formatDuration, formatRate, formatSize } from '../sizes';

export interface SummaryFields {
  inputName: string;
  inputSize: number;
  outputSize: number;
  chunks: number;
  elapsedMs: number;
  bytesPerSecond: number;
  /** Chunks a resumed job found made (the time and rate are of the rest). */
  resumedChunks?: number;
}

/** "big.log: 1.2 GiB -> 310 MiB (ratio 3.96, saved 74.7%), 300 chunks in 0:03 at 410 MB/s" */
export function summarize(r: SummaryFields): string {
  const ratio = r.outputSize > 0 ? r.inputSize / r.outputSize : 0;
  const saved = r.inputSize > 0 ? (1 - r.outputSize / r.inputSize) * 100 : 0;
  return (
    `${r.inputName}: ${formatSize(r.inputSize)} -> ${formatSize(r.outputSize)} ` +
    `(ratio ${ratio.toFixed(2)}, saved ${saved.toFixed(1)}%), ${r.chunks} chunk${r.chunks === 1 ? '' : 's'}` +
    `${r.resumedChunks ? ` (resumed after ${r.resumedChunks})` : ''} ` +
    `in ${formatDuration(r.elapsedMs)} at ${formatRate(r.bytesPerSecond)}`
  );
}
