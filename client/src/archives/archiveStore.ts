import * as path from 'node:path';
import * as vscode from 'vscode';
import { ResponseError, type LanguageClient } from 'vscode-languageclient/node';
import type { FrameDetail } from '../../../server/src/engine/inspection/frameDetail';
import type { FrameRow } from '../../../server/src/engine/inspection/inspect';
import {
  frameDetailRequest,
  framesRequest,
  inspectRequest,
  measureFrameRequest,
  membersRequest,
  type ArchiveSummary,
  type MembersResult,
  type CompressPartial,
  type FrameCheck,
  type FramesResult,
  type JobProgress,
} from '../../../server/src/protocol';
import type { DecodeOutcome } from '../decodeJobs';
import { requestWithProgress } from '../serverProgress';
import { chunkToRow } from './archiveRows';
import { type Verification } from './verificationRows';

/** Files the panel lists: zstd (also tar.zst), gzip and tar. */
export const ARCHIVE_GLOB = '**/*.{zst,tzst,gz,tgz,tar}';
const EXCLUDE_GLOB = '**/{node_modules,.git}/**';
const MAX_LISTED = 2000;
/** Inspecting gzip means inflating it; past this, show a cancellable notification. */
const NOTIFY_ABOVE_BYTES = 64 << 20;

export interface ArchiveEntry {
  readonly path: string;
  readonly uri: vscode.Uri;
  /** Found in the workspace, or opened with Inspect Archive from elsewhere. */
  origin: 'workspace' | 'opened';
  summary: ArchiveSummary | undefined;
  /** Why the last inspection failed (unreadable, not found): shown as an error row. */
  error: string | undefined;
  /** A compression job writing this archive: its chunks so far. */
  live: { chunks: FrameRow[]; progress: JobProgress | undefined } | undefined;
  /** The last Verify Archive of this file as it is now (dropped when the file changes). */
  verification: Verification | undefined;
  /** Bumped on every change, so stale answers are dropped. */
  generation: number;
  /**
   * The helper's answers about this version of the file (frame pages, frame details), so that a
   * redraw of the panel asks nothing again: VS Code redraws the whole tree on every change.
   */
  answers: Map<string, Promise<unknown>>;
}

/** Size and mtime, to tell whether a file is still the one that was looked at. */
async function stampOf(uri: vscode.Uri): Promise<string | undefined> {
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    return `${stat.size}:${stat.mtime}`;
  } catch {
    return undefined;
  }
}

/** The file changed (or was measured): forget what was learnt about it. */
function bump(entry: ArchiveEntry): void {
  entry.generation++;
  entry.answers = new Map();
}

/**
 * The archives the panel knows and what the helper said about them. Inspection is lazy (on
 * expand); file changes drop what was learnt so that the next look reads the file again.
 */
export class ArchiveStore implements vscode.Disposable {
  private readonly entries = new Map<string, ArchiveEntry>();
  /** Inspections under way, each for the generation of its entry it started at. */
  private readonly inspecting = new Map<string, { generation: number; summary: Promise<ArchiveSummary | undefined> }>();
  private readonly changed = new vscode.EventEmitter<ArchiveEntry | undefined>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private readonly openedWatchers = new Map<string, vscode.Disposable>();
  /** Fires with the entry that changed, or undefined when the list itself did. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly client: LanguageClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher(ARCHIVE_GLOB);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => this.add(uri, 'workspace')),
      watcher.onDidChange((uri) => this.invalidate(uri.fsPath)),
      watcher.onDidDelete((uri) => this.fileGone(uri.fsPath)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.scan()),
    );
  }

  all(): ArchiveEntry[] {
    return [...this.entries.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  get(fsPath: string): ArchiveEntry | undefined {
    return this.entries.get(fsPath);
  }

  private scanned: Promise<void> = Promise.resolve();

  /** Resolves once the latest scan of the workspace is in. */
  whenScanned(): Promise<void> {
    return this.scanned;
  }

  /** Lists the workspace's archives (up to MAX_LISTED); keeps opened ones and running jobs. */
  scan(): Promise<void> {
    this.scanned = this.runScan().catch((err: unknown) => this.log.error(`scanning for archives: ${errorText(err)}`));
    return this.scanned;
  }

  private async runScan(): Promise<void> {
    // An entry that a job or a watcher touched while the search ran is newer than its answer.
    const before = new Map([...this.entries].map(([key, entry]) => [key, entry.generation]));
    const found = await vscode.workspace.findFiles(ARCHIVE_GLOB, EXCLUDE_GLOB, MAX_LISTED);
    const present = new Set(found.map((uri) => uri.fsPath));
    for (const [key, entry] of this.entries) {
      const untouched = before.get(key) === entry.generation;
      if (entry.origin === 'workspace' && !entry.live && untouched && !present.has(key)) this.entries.delete(key);
    }
    for (const uri of found) this.add(uri, 'workspace', false);
    this.changed.fire(undefined);
  }

  /** Adds an archive (Inspect Archive, a finished job); files outside the workspace get their own watcher. */
  add(uri: vscode.Uri, origin: ArchiveEntry['origin'], notify = true): ArchiveEntry {
    let entry = this.entries.get(uri.fsPath);
    if (!entry) {
      entry = {
        path: uri.fsPath,
        uri,
        origin,
        summary: undefined,
        error: undefined,
        live: undefined,
        verification: undefined,
        generation: 0,
        answers: new Map(),
      };
      this.entries.set(uri.fsPath, entry);
      if (origin === 'opened' && !vscode.workspace.getWorkspaceFolder(uri)) this.watchOpened(uri);
      if (notify) this.changed.fire(undefined);
    }
    return entry;
  }

  remove(fsPath: string): void {
    this.entries.delete(fsPath);
    this.openedWatchers.get(fsPath)?.dispose();
    this.openedWatchers.delete(fsPath);
    this.changed.fire(undefined);
  }

  /** Forgets what was learnt about `fsPath` and redraws it (the file changed, or Refresh). */
  invalidate(fsPath: string): void {
    const entry = this.entries.get(fsPath);
    if (!entry || entry.live) return;
    // A row that showed what the file holds reads it again at once, rather than falling back to
    // its folder until someone expands it.
    const shown = entry.summary !== undefined || entry.error !== undefined;
    entry.summary = undefined;
    entry.error = undefined;
    // Watchers report late: a write from before the verification must not wipe it.
    if (entry.verification) void this.dropIfChanged(entry, entry.verification);
    bump(entry);
    this.inspecting.delete(fsPath);
    this.changed.fire(entry);
    if (shown) void this.inspect(entry);
  }

  /**
   * The summary, inspecting the file if needed (shared by concurrent callers of the same
   * generation; an inspection begun before the file changed or its job ended is not reused).
   */
  inspect(entry: ArchiveEntry): Promise<ArchiveSummary | undefined> {
    if (entry.summary) return Promise.resolve(entry.summary);
    const known = this.inspecting.get(entry.path);
    if (known?.generation === entry.generation) return known.summary;
    const pending = { generation: entry.generation, summary: this.runInspect(entry) };
    this.inspecting.set(entry.path, pending);
    void pending.summary.finally(() => {
      if (this.inspecting.get(entry.path) === pending) this.inspecting.delete(entry.path);
    });
    return pending.summary;
  }

  private async runInspect(entry: ArchiveEntry): Promise<ArchiveSummary | undefined> {
    const generation = entry.generation;
    const name = path.basename(entry.path);
    let size = 0;
    try {
      size = (await vscode.workspace.fs.stat(entry.uri)).size;
    } catch {
      // The helper names the problem below.
    }
    let answer: { summary: ArchiveSummary } | { error: string };
    try {
      answer = {
        summary: await requestWithProgress(
          this.client,
          inspectRequest,
          { path: entry.path },
          {
            title: `Inspecting ${name}`,
            location: size > NOTIFY_ABOVE_BYTES ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
            cancellable: true,
          },
        ),
      };
    } catch (err) {
      answer = { error: errorText(err) };
    }
    // The file changed or its job ended meanwhile: this answer, good or bad, is about an older file.
    if (entry.generation !== generation) return this.inspect(entry);
    if ('summary' in answer) {
      const { summary } = answer;
      entry.summary = summary;
      entry.error = undefined;
      this.log.appendLine(
        `inspect ${entry.path}: ${summary.layout}, ${summary.frameCount} frames, read ${summary.bytesRead} B via ${summary.via} in ${summary.elapsedMs.toFixed(1)} ms${summary.problem ? `; ${summary.problem.message}` : ''}`,
      );
    } else {
      entry.summary = undefined;
      entry.error = answer.error;
      this.log.appendLine(`inspect ${entry.path}: ${entry.error}`);
    }
    this.changed.fire(entry);
    return entry.summary;
  }

  async frames(entry: ArchiveEntry, kind: 'data' | 'skippable', start: number, count: number): Promise<FramesResult> {
    if (entry.live && kind === 'data') {
      return { frames: entry.live.chunks.slice(start, start + count), frameCount: entry.live.chunks.length };
    }
    return this.remembered(entry, `frames:${kind}:${start}:${count}`, () =>
      this.client.sendRequest(framesRequest, { path: entry.path, kind, start, count }),
    );
  }

  /**
   * A folder's children among the archive's members. An archive without an index of its own is
   * read once, by the helper, behind a cancellable notification; the rest comes from its memory.
   */
  members(entry: ArchiveEntry, folder: string): Promise<MembersResult> {
    return this.remembered(entry, `members:${folder}`, () =>
      entry.summary?.memberCount === null && folder === ''
        ? requestWithProgress(
            this.client,
            membersRequest,
            { path: entry.path, folder },
            {
              title: `Reading the members of ${path.basename(entry.path)}`,
              location: vscode.ProgressLocation.Notification,
              cancellable: true,
            },
          )
        : this.client.sendRequest(membersRequest, { path: entry.path, folder }),
    );
  }

  frameDetail(entry: ArchiveEntry, row: FrameRow, blockStart: number, blockCount: number): Promise<FrameDetail> {
    return this.remembered(entry, `detail:${row.index}:${row.offset}:${blockStart}:${blockCount}`, () =>
      this.client.sendRequest(frameDetailRequest, {
        path: entry.path,
        index: row.index,
        offset: row.offset,
        blockStart,
        blockCount,
      }),
    );
  }

  /** One request per question and version of the file; a failed answer is asked again next time. */
  private remembered<T>(entry: ArchiveEntry, key: string, ask: () => Promise<T>): Promise<T> {
    const known = entry.answers.get(key) as Promise<T> | undefined;
    if (known) return known;
    const answers = entry.answers;
    const pending = ask();
    answers.set(key, pending);
    pending.catch(() => answers.delete(key));
    return pending;
  }

  /** Decodes a frame of unknown size to tell it; the archive's rows are then redrawn with it. */
  async measure(entry: ArchiveEntry, row: FrameRow): Promise<number> {
    const { contentSize } = await requestWithProgress(
      this.client,
      measureFrameRequest,
      { path: entry.path, index: row.index, offset: row.offset, compressedSize: row.compressedSize },
      {
        title: `Measuring frame ${row.index} of ${path.basename(entry.path)}`,
        location: vscode.ProgressLocation.Notification,
        cancellable: true,
      },
    );
    // The helper updated its copy; fetch the summary and pages again.
    entry.summary = undefined;
    bump(entry);
    this.changed.fire(entry);
    return contentSize;
  }

  // ---- compression jobs: the archive shows while it is written ----

  jobStarted(output: string): void {
    const uri = vscode.Uri.file(output);
    const entry = this.add(uri, vscode.workspace.getWorkspaceFolder(uri) ? 'workspace' : 'opened', false);
    entry.live = { chunks: [], progress: undefined };
    entry.summary = undefined;
    bump(entry);
    this.changed.fire(undefined);
  }

  jobProgress(output: string, partial: CompressPartial): void {
    const entry = this.entries.get(output);
    if (!entry?.live) return;
    entry.live.chunks.push(...partial.chunks.map(chunkToRow));
    entry.live.progress = partial.progress;
    this.changed.fire(entry);
  }

  /** After success the archive is inspected like any other; after failure it is gone. */
  jobEnded(output: string, succeeded: boolean): ArchiveEntry | undefined {
    const entry = this.entries.get(output);
    if (!entry) return undefined;
    entry.live = undefined;
    entry.error = undefined;
    bump(entry);
    if (!succeeded) {
      void vscode.workspace.fs.stat(entry.uri).then(
        () => this.changed.fire(entry), // an older archive of that name is still there
        () => this.fileGone(output),
      );
      return undefined;
    }
    this.changed.fire(entry);
    // Its row shows the finished archive (sizes, ratio, chunks) whether or not anyone expands it:
    // the reveal that expands it is skipped when the panel is hidden, and can lose to a refresh.
    void this.inspect(entry);
    return entry;
  }

  // ---- Verify Archive: chunks are marked as their outcomes arrive ----

  verifyStarted(fsPath: string): void {
    const entry = this.add(vscode.Uri.file(fsPath), this.originOf(fsPath));
    entry.verification = {
      state: 'running',
      frames: new Map(),
      progress: undefined,
      archiveFailures: [],
      result: undefined,
      error: undefined,
      stamp: stampOf(entry.uri),
    };
    this.changed.fire(entry);
  }

  verifyProgress(fsPath: string, frames: FrameCheck[], progress: JobProgress): void {
    const v = this.entries.get(fsPath)?.verification;
    if (v?.state !== 'running') return;
    for (const frame of frames) v.frames.set(frame.index, frame);
    v.progress = progress;
    this.changed.fire(this.entries.get(fsPath));
  }

  verifyEnded(fsPath: string, outcome: DecodeOutcome): void {
    const entry = this.entries.get(fsPath);
    const v = entry?.verification;
    if (!entry || v?.state !== 'running') return;
    if (outcome.kind === 'done') {
      const { result } = outcome;
      for (const failure of result.failures) {
        if (failure.index >= 0 && failure.index < result.frames) v.frames.set(failure.index, failure);
        else v.archiveFailures.push(failure);
      }
      v.result = result;
      v.state = result.failures.length === 0 && result.indexFindings.length === 0 ? 'passed' : 'failed';
    } else if (outcome.kind === 'cancelled' || outcome.kind === 'skipped') v.state = 'cancelled';
    else {
      v.state = 'error';
      v.error = outcome.message;
    }
    this.changed.fire(entry);
    void this.dropIfChanged(entry, v);
  }

  /** Forgets a verification once the file is no longer the one that was verified. */
  private async dropIfChanged(entry: ArchiveEntry, v: Verification): Promise<void> {
    const [then, now] = await Promise.all([v.stamp, stampOf(entry.uri)]);
    if (then === now || entry.verification !== v || v.state === 'running') return;
    entry.verification = undefined;
    this.changed.fire(entry);
  }

  private originOf(fsPath: string): ArchiveEntry['origin'] {
    return (
      this.entries.get(fsPath)?.origin ??
      (vscode.workspace.getWorkspaceFolder(vscode.Uri.file(fsPath)) ? 'workspace' : 'opened')
    );
  }

  private fileGone(fsPath: string): void {
    const entry = this.entries.get(fsPath);
    if (!entry || entry.live) return;
    if (entry.origin === 'workspace') this.remove(fsPath);
    else {
      entry.summary = undefined;
      entry.error = `"${fsPath}" no longer exists`;
      bump(entry);
      this.changed.fire(entry);
    }
  }

  private watchOpened(uri: vscode.Uri): void {
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(path.dirname(uri.fsPath)), path.basename(uri.fsPath)),
    );
    watcher.onDidChange(() => this.invalidate(uri.fsPath));
    watcher.onDidCreate(() => this.invalidate(uri.fsPath));
    watcher.onDidDelete(() => this.fileGone(uri.fsPath));
    this.openedWatchers.set(uri.fsPath, watcher);
  }

  dispose(): void {
    for (const d of [...this.disposables, ...this.openedWatchers.values()]) d.dispose();
  }
}

/** The helper's message (it names the file, frame and offset), or the connection's. */
export function errorText(err: unknown): string {
  if (err instanceof ResponseError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
