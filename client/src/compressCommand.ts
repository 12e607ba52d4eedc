import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LSPErrorCodes, ResponseError, type LanguageClient } from 'vscode-languageclient/node';
import { summarize } from '../../server/src/engine/summary';
import { progressMessage } from '../../server/src/progressText';
import {
  compressPartialType,
  compressRequest,
  type CompressPartial,
  type CompressResult,
  type JobErrorData,
  type JobProgress,
} from '../../server/src/protocol';
import type { JobTracker } from './jobTracker';
import type { Settings } from './settings';

/** Told about each job's archive as it is written (the Archives panel shows it live). */
export interface JobObserver {
  started(output: string): void;
  progress(output: string, partial: CompressPartial): void;
  ended(output: string, succeeded: boolean): void;
}

export interface CompressContext {
  client: LanguageClient;
  tracker: JobTracker;
  log: vscode.LogOutputChannel;
  settings(): Settings;
  observer?: JobObserver;
}

export type JobOutcome =
  | { kind: 'done'; result: CompressResult }
  | { kind: 'skipped' }
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string };

/** Compresses each file beside itself, all at once (the server's pool shares the cores among them). */
export function compressFiles(
  ctx: CompressContext,
  uris: readonly vscode.Uri[],
  overrides: Partial<Settings> = {},
): Promise<JobOutcome[]> {
  const settings = { ...ctx.settings(), ...overrides };
  return Promise.all(uris.map((uri) => compressOne(ctx, uri, settings)));
}

async function compressOne(ctx: CompressContext, input: vscode.Uri, settings: Settings): Promise<JobOutcome> {
  if (input.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Chunkpress compresses files on disk; ${input.toString()} is not one.`);
    return { kind: 'failed', message: 'not a file on disk' };
  }
  const output = vscode.Uri.file(`${input.fsPath}.zst`);
  let overwrite = settings.overwrite === 'always';
  for (;;) {
    const outcome = await runJob(ctx, input, output, overwrite, settings);
    if (outcome.kind === 'exists' && settings.overwrite === 'ask' && !overwrite) {
      const choice = await vscode.window.showWarningMessage(
        `${path.basename(output.fsPath)} already exists. Replace it?`,
        { modal: true, detail: output.fsPath },
        'Replace',
      );
      if (choice !== 'Replace') return { kind: 'skipped' };
      overwrite = true;
      continue;
    }
    if (outcome.kind === 'exists') {
      void vscode.window.showWarningMessage(
        `${path.basename(output.fsPath)} already exists; not overwritten (chunkpress.overwrite is "never").`,
      );
      return { kind: 'skipped' };
    }
    return outcome;
  }
}

async function runJob(
  ctx: CompressContext,
  input: vscode.Uri,
  output: vscode.Uri,
  overwrite: boolean,
  settings: Settings,
): Promise<JobOutcome | { kind: 'exists' }> {
  const name = path.basename(input.fsPath);
  const cancellation = new vscode.CancellationTokenSource();
  const job = ctx.tracker.add({ name, input, cancel: () => cancellation.cancel() });
  const workDoneToken = randomUUID();
  const partialResultToken = randomUUID();
  const progressChanged = new vscode.EventEmitter<JobProgress>();
  const listeners: vscode.Disposable[] = [
    cancellation,
    progressChanged,
    ctx.client.onProgress(compressPartialType, partialResultToken, (partial) => {
      ctx.tracker.update(job.id, partial.progress);
      progressChanged.fire(partial.progress);
      ctx.observer?.progress(output.fsPath, partial);
    }),
  ];
  ctx.observer?.started(output.fsPath);
  let succeeded = false;
  const request = ctx.client.sendRequest(
    compressRequest,
    {
      input: input.fsPath,
      output: output.fsPath,
      overwrite,
      level: settings.level,
      chunkSize: settings.chunkSize,
      threads: settings.threads,
      memoryFactor: settings.memoryFactor,
      workDoneToken,
      partialResultToken,
    },
    cancellation.token,
  );
  if (settings.progressLocation !== 'statusBar') showNotification(name, request, progressChanged.event, cancellation);
  ctx.log.appendLine(
    `[${new Date().toLocaleTimeString()}] compress ${input.fsPath} -> ${output.fsPath} (level ${settings.level}, chunk ${settings.chunkSize} B)`,
  );
  try {
    const result = await request;
    succeeded = true;
    reportResult(ctx, result);
    return { kind: 'done', result };
  } catch (err) {
    return handleFailure(ctx, name, err, cancellation.token.isCancellationRequested);
  } finally {
    ctx.tracker.remove(job.id);
    for (const listener of listeners) listener.dispose();
    ctx.observer?.ended(output.fsPath, succeeded);
  }
}

function showNotification(
  name: string,
  request: Promise<unknown>,
  onProgress: vscode.Event<JobProgress>,
  cancellation: vscode.CancellationTokenSource,
): void {
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Compressing ${name}`, cancellable: true },
    async (progress, token) => {
      token.onCancellationRequested(() => cancellation.cancel());
      let reported = 0;
      const subscription = onProgress((p) => {
        const percent = p.totalBytes ? (100 * p.bytesIn) / p.totalBytes : reported;
        progress.report({ message: progressMessage(p), increment: Math.max(0, percent - reported) });
        reported = Math.max(reported, percent);
      });
      await request.catch(() => undefined);
      subscription.dispose();
    },
  );
}

function reportResult(ctx: CompressContext, result: CompressResult): void {
  const summary = summarize({ ...result, inputName: path.basename(result.input) });
  ctx.log.appendLine(`  ${summary}; ${result.threadReason}; xxh64-tree ${result.digest} -> ${result.output}`);
  for (const warning of result.warnings) {
    ctx.log.appendLine(`  warning: ${warning}`);
    void vscode.window.showWarningMessage(warning);
  }
  void vscode.window.showInformationMessage(summary, 'Reveal in Explorer', 'Show Log').then((choice) => {
    if (choice === 'Reveal in Explorer')
      void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.output));
    else if (choice === 'Show Log') ctx.log.show(true);
  });
}

function handleFailure(
  ctx: CompressContext,
  name: string,
  err: unknown,
  cancelled: boolean,
): JobOutcome | { kind: 'exists' } {
  // Errors from the job carry JobErrorData; anything else comes from the connection itself,
  // e.g. the helper dying mid-job (pending requests are rejected when it goes away).
  const data = err instanceof ResponseError ? (err.data as JobErrorData | undefined) : undefined;
  if (data?.code === 'EEXIST') return { kind: 'exists' };
  if (
    data?.code === 'ECANCELED' ||
    (cancelled && err instanceof ResponseError && err.code === LSPErrorCodes.RequestCancelled)
  ) {
    ctx.log.appendLine(`  ${name}: cancelled; the partial archive was removed`);
    void vscode.window.showInformationMessage(`Compressing ${name} was cancelled; no partial archive was left.`);
    return { kind: 'cancelled' };
  }
  const message = err instanceof Error ? err.message : String(err);
  const text = data?.code ? message : `The Chunkpress helper stopped while compressing ${name}: ${message}`;
  ctx.log.appendLine(`  ${name}: failed: ${text}`);
  void vscode.window.showErrorMessage(`Chunkpress: ${text}`, 'Show Log').then((choice) => {
    if (choice === 'Show Log') ctx.log.show(true);
  });
  return { kind: 'failed', message: text };
}
