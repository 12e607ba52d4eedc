import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatSize, parseSize } from '../../server/src/engine/sizes';
import { inspectRequest } from '../../server/src/protocol';
import { ARCHIVE_FILTERS } from './archives/archiveCommands';
import type { ArchiveNode } from './archives/archiveNodes';
import { compressTargets, type CompressContext, type CompressOutcome } from './compressJobs';
import { targetsFor } from './compressSelection';
import { decompressFiles, extractRange, verifyArchives, type DecodeContext, type DecodeOutcome } from './decodeJobs';
import { ARCHIVE_SCHEME, parseArchiveUri } from './archiveFolders/archiveFileSystem';
import { extractArchive, hereFolder, type ExtractOutcome } from './extractJobs';
import type { JobContext } from './jobRun';
import type { JobTracker } from './jobTracker';
import { parseLength, parseOffset } from './rangeInput';
import { requestWithProgress } from './serverProgress';
import type { Settings } from './settings';
import type { ArchiveFormat } from '../../server/src/engine/compression/compressOptions';

/** Explorer passes (clicked, selection); a row of the Archives panel passes itself; the palette nothing. */
function selection(clicked: vscode.Uri | ArchiveNode | undefined, selected: unknown): vscode.Uri[] {
  if (Array.isArray(selected) && selected.length > 0 && selected.every((s) => s instanceof vscode.Uri))
    return selected as vscode.Uri[];
  if (clicked instanceof vscode.Uri) return [clicked];
  if (clicked && 'entry' in clicked) return [clicked.entry.uri];
  return [];
}

async function pickArchives(title: string, many: boolean): Promise<vscode.Uri[]> {
  const picked = await vscode.window.showOpenDialog({
    title,
    openLabel: title,
    canSelectMany: many,
    filters: ARCHIVE_FILTERS,
  });
  return picked ?? [];
}

async function pickFiles(): Promise<vscode.Uri[]> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: true,
    openLabel: 'Compress with Chunks',
  });
  return picked ?? [];
}

export function compressCommand(ctx: CompressContext) {
  return async (clicked?: vscode.Uri, selected?: vscode.Uri[]): Promise<CompressOutcome[]> => {
    let uris = selection(clicked, selected);
    if (uris.length === 0) uris = await pickFiles();
    const targets = await targetsFor(uris, ctx.settings().format);
    return targets ? compressTargets(ctx, targets) : [];
  };
}

/** "Decompress": each archive beside itself; from the Explorer (multi-select), the panel or the palette. */
export function decompressCommand(ctx: DecodeContext) {
  return async (clicked?: vscode.Uri | ArchiveNode, selected?: unknown): Promise<DecodeOutcome[]> => {
    let uris = selection(clicked, selected);
    if (uris.length === 0) uris = await pickArchives('Decompress', true);
    return uris.length === 0 ? [] : decompressFiles(ctx, uris);
  };
}

/** "Verify Archive": every frame decoded and checked; the panel marks each chunk. */
export function verifyCommand(ctx: DecodeContext) {
  return async (clicked?: vscode.Uri | ArchiveNode, selected?: unknown): Promise<DecodeOutcome[]> => {
    let uris = selection(clicked, selected);
    if (uris.length === 0) uris = await pickArchives('Verify', true);
    return uris.length === 0 ? [] : verifyArchives(ctx, uris);
  };
}

/**
 * "Extract Range...": asks for an offset and a length (suffixes allowed) and writes just those
 * bytes beside the archive. On a chunk of the panel, its own range is offered.
 */
export function extractRangeCommand(ctx: DecodeContext) {
  return async (clicked?: vscode.Uri | ArchiveNode): Promise<DecodeOutcome | undefined> => {
    const given = selection(clicked, undefined);
    const [uri] = given.length > 0 ? given : await pickArchives('Extract', false);
    if (!uri) return undefined;
    const name = path.basename(uri.fsPath);
    let total: number | undefined;
    try {
      total = (
        await requestWithProgress(
          ctx.client,
          inspectRequest,
          { path: uri.fsPath },
          { title: `Inspecting ${name}`, location: vscode.ProgressLocation.Window, cancellable: true },
        )
      ).contentSize;
    } catch (err) {
      void vscode.window.showErrorMessage(`Chunkpress: ${(err as Error).message}`);
      return undefined;
    }
    const row = clicked && !(clicked instanceof vscode.Uri) && clicked.kind === 'frame' ? clicked.row : undefined;
    const size = total === undefined ? 'of unknown size' : `${formatSize(total)} (${total} B)`;
    const offsetText = await vscode.window.showInputBox({
      title: `Extract Range from ${name} (1/2)`,
      prompt: `Offset in the decompressed content, ${size}. K, M and G mean KiB, MiB and GiB.`,
      value: String(row?.contentOffset ?? 0),
      validateInput: (text) => {
        const parsed = parseOffset(text, total);
        return typeof parsed === 'string' ? parsed : undefined;
      },
    });
    if (offsetText === undefined) return undefined;
    const offset = parseOffset(offsetText, total) as number;
    const rest = total === undefined ? undefined : total - offset;
    const suggested = row?.contentOffset === offset && row.contentSize !== undefined ? row.contentSize : undefined;
    const lengthText = await vscode.window.showInputBox({
      title: `Extract Range from ${name} (2/2)`,
      prompt: `Length from byte ${offset}${rest === undefined ? '' : `; ${formatSize(rest)} (${rest} B) follow`}. Empty means to the end.`,
      value: suggested !== undefined ? String(suggested) : rest === undefined ? '1M' : String(Math.min(rest, 1 << 20)),
      validateInput: (text) => {
        const parsed = parseLength(text, offset, total);
        return typeof parsed === 'string' ? parsed : undefined;
      },
    });
    if (lengthText === undefined) return undefined;
    return extractRange(ctx, uri, { offset, length: parseLength(lengthText, offset, total) as number });
  };
}

/** "Compress with Chunks...": format, level, chunk size and (for folders) exclusions, for this run only. */
export function compressWithOptionsCommand(ctx: CompressContext) {
  return async (clicked?: vscode.Uri, selected?: vscode.Uri[]): Promise<CompressOutcome[]> => {
    let uris = selection(clicked, selected);
    if (uris.length === 0) uris = await pickFiles();
    if (uris.length === 0) return [];
    const current = ctx.settings();
    const format = await pickFormat(current);
    if (!format) return [];
    const targets = await targetsFor(uris, format.format);
    if (!targets || targets.length === 0) return [];
    const level = await pickLevel(format.format, format.format === 'gzip' ? current.gzipLevel : current.level);
    if (level === undefined) return [];
    const chunkSize = await pickChunkSize(current.chunkSize);
    if (chunkSize === undefined) return [];
    const chosen: Partial<Settings> = {
      ...format,
      ...(format.format === 'gzip' ? { gzipLevel: level } : { level }),
      chunkSize,
    };
    if (!targets.some((t) => t.kind === 'tree')) return compressTargets(ctx, targets, chosen);
    const exclude = await vscode.window.showInputBox({
      title: 'Leave out (optional)',
      prompt: `Patterns in .gitignore syntax, separated by commas, on top of ${current.respectGitignore ? 'the .gitignore files and ' : ''}chunkpress.exclude`,
      value: current.exclude.join(', '),
      placeHolder: 'node_modules/, *.log',
    });
    if (exclude === undefined) return [];
    const patterns = exclude
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    return compressTargets(ctx, targets, { ...chosen, exclude: patterns });
  };
}

type FormatChoice = Pick<Settings, 'format' | 'gzipLayout'>;

/** The three kinds of archive, each said with what it is for; the current setting first. */
async function pickFormat(current: Settings): Promise<FormatChoice | undefined> {
  const items: Array<vscode.QuickPickItem & { choice: FormatChoice }> = [
    {
      label: 'zstd',
      description: '.zst, .tar.zst',
      detail: 'Smaller and faster. Seekable: any part is read without the rest.',
      choice: { format: 'zstd', gzipLayout: current.gzipLayout },
    },
    {
      label: 'gzip',
      description: '.gz, .tar.gz',
      detail: 'Opens everywhere: every OS, archive manager, browser, Python, Java.',
      choice: { format: 'gzip', gzipLayout: 'single' },
    },
    {
      label: 'gzip, BGZF blocks',
      description: '.gz, .tar.gz',
      detail: 'Opens everywhere, and bgzip, samtools and Chunkpress read it at random.',
      choice: { format: 'gzip', gzipLayout: 'bgzf' },
    },
  ];
  const isCurrent = (c: FormatChoice): boolean =>
    c.format === current.format && (c.format === 'zstd' || c.gzipLayout === current.gzipLayout);
  for (const item of items) if (isCurrent(item.choice)) item.description = `${item.description} (current setting)`;
  const pick = await vscode.window.showQuickPick(
    [...items.filter((i) => isCurrent(i.choice)), ...items.filter((i) => !isCurrent(i.choice))],
    { title: 'Archive format', placeHolder: 'zstd for yourself, gzip for anyone' },
  );
  return pick?.choice;
}

const LEVELS: Record<ArchiveFormat, Array<{ label: string; level: number; description: string }>> = {
  zstd: [
    { label: '-5', level: -5, description: 'fastest, larger output' },
    { label: '1', level: 1, description: 'fast' },
    { label: '3', level: 3, description: 'zstd default: balanced' },
    { label: '9', level: 9, description: 'smaller, slower' },
    { label: '19', level: 19, description: 'much smaller, much slower' },
    { label: '22', level: 22, description: 'ultra: smallest, slowest, most memory' },
  ],
  gzip: [
    { label: '1', level: 1, description: 'fastest, larger output' },
    { label: '4', level: 4, description: 'fast' },
    { label: '6', level: 6, description: 'gzip default: balanced' },
    { label: '9', level: 9, description: 'smallest, slowest' },
  ],
};

const LEVEL_RANGE: Record<ArchiveFormat, { min: number; max: number }> = {
  zstd: { min: -131072, max: 22 },
  gzip: { min: 1, max: 9 },
};

const CHUNKS = ['1M', '4M', '16M', '64M', '256M'];

async function pickLevel(format: ArchiveFormat, current: number): Promise<number | undefined> {
  const { min, max } = LEVEL_RANGE[format];
  const items: Array<vscode.QuickPickItem & { level?: number }> = LEVELS[format].map((l) => ({
    ...l,
    description: l.level === current ? `${l.description} (current setting)` : l.description,
  }));
  items.push({ label: 'Other level...', description: `${min} to ${max}` });
  const pick = await vscode.window.showQuickPick(items, {
    title: `${format} level`,
    placeHolder: `Current setting: ${current}`,
  });
  if (!pick) return undefined;
  if (pick.level !== undefined) return pick.level;
  const text = await vscode.window.showInputBox({
    title: `${format} level`,
    value: String(current),
    validateInput: (v) =>
      /^-?\d+$/.test(v.trim()) && Number(v) !== 0 && Number(v) >= min && Number(v) <= max
        ? undefined
        : `A whole number from ${min} to ${max}${min < 0 ? ', not 0' : ''}`,
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
      label: `$(close) Cancel ${job.verb.toLowerCase()} ${job.name}`,
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

/** Tar archives chosen in the Explorer (multi-select), a row of the panel, or the palette's picker. */
async function tarArchives(clicked: vscode.Uri | ArchiveNode | undefined, selected: unknown, title: string) {
  const uris = selection(clicked, selected);
  return uris.length > 0 ? uris : pickArchives(title, true);
}

/**
 * "Extract Here": each archive beside itself, into a folder of its own name unless all its
 * members already lie under one top-level folder (extractJobs.ts).
 */
export function extractHereCommand(ctx: JobContext) {
  return async (clicked?: vscode.Uri | ArchiveNode, selected?: unknown): Promise<ExtractOutcome[]> => {
    const outcomes: ExtractOutcome[] = [];
    for (const archive of await tarArchives(clicked, selected, 'Extract Here')) {
      let folder: vscode.Uri | undefined;
      try {
        folder = await hereFolder(ctx.client, archive);
      } catch (err) {
        void vscode.window.showErrorMessage(`Chunkpress: ${(err as Error).message}`);
        outcomes.push({ kind: 'failed', message: (err as Error).message });
        continue;
      }
      if (folder) outcomes.push(await extractArchive(ctx, { archive, folder }));
    }
    return outcomes;
  };
}

/** "Extract to...": asks for the folder (the archive's own by default), then extracts into it. */
export function extractToCommand(ctx: JobContext) {
  return async (clicked?: vscode.Uri | ArchiveNode, selected?: unknown): Promise<ExtractOutcome[]> => {
    const archives = await tarArchives(clicked, selected, 'Extract');
    if (archives.length === 0) return [];
    const folder = await pickFolder(
      archives[0],
      archives.length === 1 ? path.basename(archives[0].fsPath) : `${archives.length} archives`,
    );
    if (!folder) return [];
    const outcomes: ExtractOutcome[] = [];
    for (const archive of archives) outcomes.push(await extractArchive(ctx, { archive, folder }));
    return outcomes;
  };
}

/**
 * "Extract..." on members and folders of the Members tree: asks for a folder, and places each one
 * there under its own name (a folder with what it holds), as dragging it out of an archive would.
 */
export function extractMembersCommand(ctx: JobContext) {
  return async (
    clicked?: ArchiveNode | vscode.Uri,
    selected?: ReadonlyArray<ArchiveNode | vscode.Uri>,
  ): Promise<ExtractOutcome | undefined> => {
    const chosen = (selected && selected.length > 0 ? selected : clicked ? [clicked] : [])
      .map((n) => memberOf(n))
      .filter((m) => m !== undefined);
    if (chosen.length === 0) return undefined;
    const { archive } = chosen[0];
    const picked = chosen.filter((m) => m.archive.fsPath === archive.fsPath).map((m) => m.path);
    const all = picked.includes('');
    const base = all ? '' : commonParent(picked);
    const what = all
      ? path.basename(archive.fsPath)
      : picked.length === 1
        ? path.posix.basename(picked[0])
        : `${picked.length} members`;
    const folder = await pickFolder(archive, what);
    if (!folder) return undefined;
    return extractArchive(ctx, { archive, folder, members: all ? undefined : picked, base: base || undefined });
  };
}

/** The archive and member path of a row of the Members tree, or of a file in a mounted archive. */
function memberOf(node: ArchiveNode | vscode.Uri): { archive: vscode.Uri; path: string } | undefined {
  if (node instanceof vscode.Uri) {
    const parsed = node.scheme === ARCHIVE_SCHEME ? parseArchiveUri(node) : undefined;
    return parsed && { archive: vscode.Uri.file(parsed.archive), path: parsed.member };
  }
  return node.kind === 'member' ? { archive: node.entry.uri, path: node.row.path } : undefined;
}

async function pickFolder(near: vscode.Uri, what: string): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: `Extract ${what} to`,
    openLabel: 'Extract Here',
    canSelectFiles: false,
    canSelectFolders: true,
    defaultUri: vscode.Uri.file(path.dirname(near.fsPath)),
  });
  return picked?.[0];
}

/** The folder that holds every one of `paths` ('' for the top). */
export function commonParent(paths: readonly string[]): string {
  const parents = paths.map((p) => p.split('/').slice(0, -1));
  const shared: string[] = [];
  for (let i = 0; parents.every((p) => i < p.length && p[i] === parents[0][i]); i++) shared.push(parents[0][i]);
  return shared.join('/');
}
