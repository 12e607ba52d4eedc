import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { serverInfoRequest, type ServerInfo } from '../../server/src/protocol';
import { compressCommand, compressWithOptionsCommand, showJobsCommand } from './commands';
import { compressFiles, type CompressContext, type JobOutcome } from './compressCommand';
import { JobTracker } from './jobTracker';
import { createServerClient } from './serverClient';
import { readSettings, type Settings } from './settings';
import { StatusBar } from './statusBar';

/** What the extension exports, for its own tests and for other extensions. */
export interface ChunkpressApi {
  compressFiles(uris: vscode.Uri[], overrides?: Partial<Settings>): Promise<JobOutcome[]>;
  statusBarText(): string;
  serverInfo(): Promise<ServerInfo>;
  cancelAll(): void;
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<ChunkpressApi> {
  const log = vscode.window.createOutputChannel('Chunkpress', { log: true });
  client = createServerClient(context, log);
  const tracker = new JobTracker();
  const statusBar = new StatusBar(tracker);
  const ctx: CompressContext = {
    client,
    tracker,
    log,
    settings: () => {
      const settings = readSettings((message) => log.appendLine(message));
      statusBar.enabled = settings.progressLocation !== 'notification';
      return settings;
    },
  };
  context.subscriptions.push(
    log,
    tracker,
    statusBar,
    client,
    vscode.commands.registerCommand('chunkpress.compress', compressCommand(ctx)),
    vscode.commands.registerCommand('chunkpress.compressWithOptions', compressWithOptionsCommand(ctx)),
    vscode.commands.registerCommand('chunkpress.showJobs', showJobsCommand(tracker)),
    vscode.commands.registerCommand('chunkpress.showLog', () => log.show()),
    vscode.commands.registerCommand('chunkpress.restartHelper', async () => {
      tracker.cancelAll();
      await client?.restart();
    }),
  );
  await client.start();
  const info = await client.sendRequest(serverInfoRequest);
  log.appendLine(
    `Chunkpress helper ${info.version} (pid ${info.pid}): zstd ${info.zstdVersion}, ${info.cores} cores, pool of ${info.poolSize} workers`,
  );
  return {
    compressFiles: (uris, overrides) => compressFiles(ctx, uris, overrides),
    statusBarText: () => statusBar.text,
    serverInfo: () => client!.sendRequest(serverInfoRequest),
    cancelAll: () => tracker.cancelAll(),
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
