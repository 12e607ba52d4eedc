/** Progress as one line of text, shared by the server's $/progress messages and the status bar. */
import { formatDuration, formatRate } from './engine/sizes';
import { WORKING_STAGES } from './engine/progress';
import type { JobProgress } from './protocol';

/** "45% · 12/27 chunks · 410 MB/s · ETA 0:04"; a tree's also "· 120/300 files" after the percentage. */
export function progressMessage(p: JobProgress): string {
  const parts: string[] = [];
  if (p.totalBytes) parts.push(`${Math.floor((100 * p.bytesIn) / p.totalBytes)}%`);
  else if (!WORKING_STAGES.includes(p.stage)) parts.push(p.stage);
  if (p.files) parts.push(`${p.files.done}/${p.files.total} files`);
  parts.push(p.totalChunks !== null ? `${p.chunksDone}/${p.totalChunks} chunks` : `${p.chunksDone} chunks`);
  if (p.bytesPerSecond > 0 && p.chunksDone > 0) parts.push(formatRate(p.bytesPerSecond));
  if (p.etaMs !== null && p.chunksDone > 0) parts.push(`ETA ${formatDuration(p.etaMs)}`);
  return parts.join(' · ');
}

/** Sums several jobs into one progress, as the status bar shows them together. */
export function combineProgress(all: readonly JobProgress[]): JobProgress {
  const known = all.every((p) => p.totalBytes !== null);
  const sum = (f: (p: JobProgress) => number): number => all.reduce((acc, p) => acc + f(p), 0);
  const bytesIn = sum((p) => p.bytesIn);
  const totalBytes = known ? sum((p) => p.totalBytes ?? 0) : null;
  const bytesPerSecond = sum((p) => p.bytesPerSecond);
  return {
    stage: all.find((p) => WORKING_STAGES.includes(p.stage))?.stage ?? all[0]?.stage ?? 'preparing',
    bytesIn,
    bytesOut: sum((p) => p.bytesOut),
    totalBytes,
    chunksDone: sum((p) => p.chunksDone),
    totalChunks: all.every((p) => p.totalChunks !== null) ? sum((p) => p.totalChunks ?? 0) : null,
    elapsedMs: Math.max(0, ...all.map((p) => p.elapsedMs)),
    bytesPerSecond,
    etaMs: totalBytes !== null && bytesPerSecond > 0 ? ((totalBytes - bytesIn) * 1000) / bytesPerSecond : null,
  };
}
