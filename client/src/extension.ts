import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { serverInfoRequest, type InterruptedJobInfo, type ServerInfo } from '../../server/src/protocol';
import {
  ARCHIVES_VIEW,
  copyValueCommand,
  inspectArchiveCommand,
  measureFrameCommand,
  openChunkCommand,
  openMemberCommand,
  openReportCommand,
  revealArchive,
  refreshCommand,
  removeArchiveCommand,
  revealInExplorerCommand,
  type ArchivesUi,
} from './archives/archiveCommands';
import { ArchivesTree } from './archives/archivesTree';
import { findNode, renderPath, type RenderedRow } from './archives/treeQuery';
import { ArchiveStore } from './archives/archiveStore';
import { CHUNK_SCHEME, ChunkFileSystem } from './archives/chunkDocument';
import { REPORT_SCHEME, ReportProvider } from './archives/reportDocument';
import { ARCHIVE_SCHEME, ArchiveFileSystem } from './archiveFolders/archiveFileSystem';
import { closeArchiveFolderCommand, openAsFolderCommand } from './archiveFolders/folderCommands';
import { findInArchiveCommand } from './search/findInArchive';
import {
  compressCommand,
  compressWithOptionsCommand,
  decompressCommand,
  extractHereCommand,
  extractMembersCommand,
  extractRangeCommand,
  extractToCommand,
  showJobsCommand,
  verifyCommand,
} from './commands';
import {
  compressFiles,
  compressTargets,
  treeTarget,
  type CompressContext,
  type CompressOutcome,
  type CompressTarget,
} from './compressJobs';
import { decompressTo, type DecodeContext } from './decodeJobs';
import { extractArchive, registerOverwriteQuestions } from './extractJobs';
import { JobTracker } from './jobTracker';
import { createServerClient } from './serverClient';
import { readSettings, type Settings } from './settings';
import { InterruptedJobs } from './resume/interruptedJobs';
import { discardJobCommand, resumeJobCommand } from './resume/resumeCommands';
import { StatusBar } from './statusBar';

/** What the extension exports, for its own tests and for other extensions. */
export interface ChunkpressApi {
  compressFiles(uris: vscode.Uri[], overrides?: Partial<Settings>): Promise<CompressOutcome[]>;
  /** A folder into `folder.tar.zst` (`.tar.gz`) beside it, as the Explorer's command does. */
  compressFolder(folder: vscode.Uri, overrides?: Partial<Settings>): Promise<CompressOutcome>;
  statusBarText(): string;
  serverInfo(): Promise<ServerInfo>;
  cancelAll(): void;
  /** The Archives panel's rows under the row reached by following `labels` from the top. */
  archiveRows(labels: string[]): Promise<RenderedRow[]>;
  /** Runs a panel command on the row reached by `labels`, as its context menu would. */
  archiveCommand(command: string, labels: string[]): Promise<unknown>;
  /** The interrupted jobs the panel lists, once the latest look for them is in. */
  interruptedJobs(): Promise<readonly InterruptedJobInfo[]>;
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ChunkpressApi> {
  const log = vscode.window.createOutputChannel('Chunkpress', { log: true });
  client = createServerClient(context, log);
  const tracker = new JobTracker();
  const statusBar = new StatusBar(tracker);
  const store = new ArchiveStore(client, log);
  const interrupted = new InterruptedJobs(
    client,
    log,
    context.workspaceState,
    () => readSettings((message) => log.appendLine(message)).keepInterruptedDays,
  );
  const tree = new ArchivesTree(store, interrupted);
  const view = vscode.window.createTreeView(ARCHIVES_VIEW, { treeDataProvider: tree, showCollapseAll: true });
  const ui: ArchivesUi = { store, tree, view };
  const jobContext = {
    client,
    tracker,
    log,
    settings: () => {
      const settings = readSettings((message) => log.appendLine(message));
      statusBar.enabled = settings.progressLocation !== 'notification';
      return settings;
    },
  };
  const decodeCtx: DecodeContext = {
    ...jobContext,
    verifyObserver: {
      started: (archive) => store.verifyStarted(archive),
      progress: (archive, frames, progress) => store.verifyProgress(archive, frames, progress),
      ended: (archive, outcome) => store.verifyEnded(archive, outcome),
    },
    showInPanel: (uri) => revealArchive(ui, uri, vscode.workspace.getWorkspaceFolder(uri) ? 'workspace' : 'opened'),
  };
  const ctx: CompressContext = {
    ...jobContext,
    observer: {
      started: (output) => store.jobStarted(output),
      progress: (output, partial) => store.jobProgress(output, partial),
      ended: (output, succeeded) => {
        const entry = store.jobEnded(output, succeeded);
        // Show the new archive where the user is looking, without pulling them into the panel.
        if (entry && view.visible) void view.reveal(tree.rootFor(entry), { select: true, focus: false, expand: true });
      },
    },
  };
  const resumeJob = async (job: InterruptedJobInfo): Promise<unknown> => {
    if (!job.source || !job.target) return [];
    const rescan = (): void => void interrupted.scan();
    if (job.job === 'decompress')
      return decompressTo(
        decodeCtx,
        vscode.Uri.file(job.source),
        vscode.Uri.file(job.target),
        decodeCtx.settings(),
        'resume',
      ).finally(rescan);
    if (job.job === 'extract')
      return extractArchive(
        jobContext,
        { archive: vscode.Uri.file(job.source), folder: vscode.Uri.file(job.target) },
        {},
        'resume',
      ).finally(rescan);
    const output = vscode.Uri.file(job.target);
    const target: CompressTarget = job.tree
      ? { kind: 'tree', roots: job.tree.roots.map((r) => vscode.Uri.file(r)), name: job.tree.name, output }
      : { kind: 'file', input: vscode.Uri.file(job.source), output };
    return compressTargets(ctx, [target], {}, 'resume').finally(rescan);
  };
  context.subscriptions.push(
    log,
    tracker,
    statusBar,
    client,
    interrupted,
    vscode.commands.registerCommand('chunkpress.resumeJob', resumeJobCommand(interrupted, resumeJob)),
    vscode.commands.registerCommand('chunkpress.discardJob', discardJobCommand(interrupted)),
    vscode.commands.registerCommand('chunkpress.compress', compressCommand(ctx)),
    vscode.commands.registerCommand('chunkpress.compressWithOptions', compressWithOptionsCommand(ctx)),
    vscode.commands.registerCommand('chunkpress.showJobs', showJobsCommand(tracker)),
    vscode.commands.registerCommand('chunkpress.showLog', () => log.show()),
    vscode.commands.registerCommand('chunkpress.restartHelper', async () => {
      tracker.cancelAll();
      await client?.restart();
    }),
    store,
    tree,
    view,
    vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, new ReportProvider(client, store)),
    vscode.commands.registerCommand('chunkpress.inspectArchive', inspectArchiveCommand(ui)),
    vscode.commands.registerCommand('chunkpress.openReport', openReportCommand(ui)),
    vscode.commands.registerCommand('chunkpress.archives.refresh', refreshCommand(ui)),
    vscode.commands.registerCommand('chunkpress.copyValue', copyValueCommand()),
    vscode.commands.registerCommand('chunkpress.measureFrame', measureFrameCommand(ui)),
    vscode.commands.registerCommand('chunkpress.removeArchive', removeArchiveCommand(ui)),
    vscode.commands.registerCommand('chunkpress.revealArchiveInExplorer', revealInExplorerCommand()),
    vscode.commands.registerCommand('chunkpress.decompress', decompressCommand(decodeCtx)),
    vscode.commands.registerCommand('chunkpress.verifyArchive', verifyCommand(decodeCtx)),
    vscode.commands.registerCommand('chunkpress.extractRange', extractRangeCommand(decodeCtx)),
    vscode.commands.registerCommand('chunkpress.openChunk', openChunkCommand(decodeCtx)),
    vscode.commands.registerCommand('chunkpress.openMember', openMemberCommand(decodeCtx)),
    vscode.commands.registerCommand('chunkpress.extractHere', extractHereCommand(jobContext)),
    vscode.commands.registerCommand('chunkpress.extractTo', extractToCommand(jobContext)),
    vscode.commands.registerCommand('chunkpress.extractMembers', extractMembersCommand(jobContext)),
    registerOverwriteQuestions(client),
    vscode.commands.registerCommand('chunkpress.openAsFolder', openAsFolderCommand(client, jobContext.settings)),
    vscode.commands.registerCommand('chunkpress.closeArchiveFolder', closeArchiveFolderCommand()),
    vscode.commands.registerCommand('chunkpress.findInArchive', findInArchiveCommand(jobContext)),
    vscode.workspace.registerFileSystemProvider(ARCHIVE_SCHEME, new ArchiveFileSystem(client), {
      isCaseSensitive: true,
      isReadonly: new vscode.MarkdownString(
        'A member of an archive, read by Chunkpress: read-only. Use **Extract...** for a copy to edit.',
      ),
    }),
    vscode.workspace.registerFileSystemProvider(CHUNK_SCHEME, new ChunkFileSystem(client), {
      isCaseSensitive: true,
      isReadonly: new vscode.MarkdownString(
        'A chunk of an archive, decoded by Chunkpress: read-only. Use **Extract Range...** for a file to edit.',
      ),
    }),
  );
  await client.start();
  const info = await client.sendRequest(serverInfoRequest);
  void store.scan(); // the view waits for it; activation does not
  // Whenever the helper (re)starts: the jobs it, or the one before it, did not finish.
  const findInterrupted = (): void => void interrupted.scan().then(() => interrupted.offer(resumeJob));
  findInterrupted();
  context.subscriptions.push(client.onDidChangeState((e) => e.newState === State.Running && findInterrupted()));
  log.appendLine(
    `Chunkpress helper ${info.version} (pid ${info.pid}): zstd ${info.zstdVersion}, ${info.cores} cores, pool of ${info.poolSize} workers; BGZF by ${info.bgzfEngine}`,
  );
  return {
    compressFiles: (uris, overrides) => compressFiles(ctx, uris, overrides),
    compressFolder: async (folder, overrides) =>
      (await compressTargets(ctx, [treeTarget(folder, { ...ctx.settings(), ...overrides }.format)], overrides))[0],
    statusBarText: () => statusBar.text,
    serverInfo: () => client!.sendRequest(serverInfoRequest),
    cancelAll: () => tracker.cancelAll(),
    archiveRows: (labels) => renderPath(tree, labels),
    archiveCommand: async (command, labels) => vscode.commands.executeCommand(command, await findNode(tree, labels)),
    interruptedJobs: async () => {
      await interrupted.whenScanned();
      return interrupted.all();
    },
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
