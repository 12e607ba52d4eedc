import * as vscode from 'vscode';
import { parseSize } from '../../server/src/engine/sizes';
import { compressFiles, type CompressContext, type JobOutcome } from './compressCommand';
import type { JobTracker } from './jobTracker';

/** Explorer passes (clicked, selection); the palette passes nothing. */
function selection(clicked: vscode.Uri | undefined, selected: vscode.Uri[] | undefined): vscode.Uri[] {
  if (selected && selected.length > 0) return selected;
  return clicked ? [clicked] : [];
}

async function pickFiles(): Promise<vscode.Uri[]> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: false,
    canSelectMany: true,
    openLabel: 'Compress with Chunks',
  });
  return picked ?? [];
}

export function compressCommand(ctx: CompressContext) {
  return async (clicked?: vscode.Uri, selected?: vscode.Uri[]): Promise<JobOutcome[]> => {
    let uris = selection(clicked, selected);
    if (uris.length === 0) uris = await pickFiles();
    return uris.length === 0 ? [] : compressFiles(ctx, uris);
  };
}

const LEVELS: Array<{ label: string; level: number; description: string }> = [
  { label: '-5', level: -5, description: 'fastest, larger output' },
  { label: '1', level: 1, description: 'fast' },
  { label: '3', level: 3, description: 'zstd default: balanced' },
  { label: '9', level: 9, description: 'smaller, slower' },
  { label: '19', level: 19, description: 'much smaller, much slower' },
  { label: '22', level: 22, description: 'ultra: smallest, slowest, most memory' },
];

const CHUNKS = ['1M', '4M', '16M', '64M', '256M'];

/** "Compress with Chunks...": level and chunk size chosen for this run only. */
export function compressWithOptionsCommand(ctx: CompressContext) {
  return async (clicked?: vscode.Uri, selected?: vscode.Uri[]): Promise<JobOutcome[]> => {
    let uris = selection(clicked, selected);
    if (uris.length === 0) uris = await pickFiles();
    if (uris.length === 0) return [];
    const current = ctx.settings();
    const level = await pickLevel(current.level);
    if (level === undefined) return [];
    const chunkSize = await pickChunkSize(current.chunkSize);
    if (chunkSize === undefined) return [];
    return compressFiles(ctx, uris, { level, chunkSize });
  };
}

async function pickLevel(current: number): Promise<number | undefined> {
  const items: Array<vscode.QuickPickItem & { level?: number }> = LEVELS.map((l) => ({
    ...l,
    description: l.level === current ? `${l.description} (current setting)` : l.description,
  }));
  items.push({ label: 'Other level...', description: `-131072 to 22` });
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Compression level',
    placeHolder: `Current setting: ${current}`,
  });
  if (!pick) return undefined;
  if (pick.level !== undefined) return pick.level;
  const text = await vscode.window.showInputBox({
    title: 'Compression level',
    value: String(current),
    validateInput: (v) =>
      /^-?\d+$/.test(v.trim()) && Number(v) !== 0 && Number(v) >= -131072 && Number(v) <= 22
        ? undefined
        : 'A whole number from -131072 to 22, not 0',
  });
  return text === undefined ? undefined : Number(text);
}

async function pickChunkSize(current: number): Promise<number | undefined> {
  const items: Array<vscode.QuickPickItem & { size?: number }> = CHUNKS.map((label) => {
    const size = parseSize(label);
    return { label, size, description: size === current ? 'current setting' : label === '4M' ? 'default' : undefined };
  });
  items.push({ label: 'Other size...', description: '4K to 1G' });
  const pick = await vscode.window.showQuickPick(items, { title: 'Chunk size (uncompressed bytes per frame)' });
  if (!pick) return undefined;
  if (pick.size !== undefined) return pick.size;
  const text = await vscode.window.showInputBox({
    title: 'Chunk size',
    prompt: 'K, M and G mean KiB, MiB and GiB',
    value: '4M',
    validateInput: (v) => {
      try {
        const size = parseSize(v);
        return size >= 4096 && size <= 2 ** 30 ? undefined : 'Between 4K and 1G';
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  return text === undefined ? undefined : parseSize(text);
}

/** Status bar click: the running jobs, pick one to cancel it. */
export function showJobsCommand(tracker: JobTracker) {
  return async (): Promise<void> => {
    const jobs = tracker.all();
    if (jobs.length === 0) {
      void vscode.window.showInformationMessage('No Chunkpress jobs are running.');
      return;
    }
    type Item = vscode.QuickPickItem & { cancel(): void };
    const items: Item[] = jobs.map((job) => ({
      label: `$(close) Cancel ${job.name}`,
      description: job.progress ? `${job.progress.chunksDone}/${job.progress.totalChunks ?? '?'} chunks` : 'starting',
      detail: job.input.fsPath,
      cancel: job.cancel,
    }));
    if (jobs.length > 1) items.push({ label: '$(close-all) Cancel all', cancel: () => tracker.cancelAll() });
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Chunkpress jobs',
      placeHolder: 'Pick a job to cancel it',
    });
    pick?.cancel();
  };
}
