/**
 * What every job of the helper shares in the UI, whatever it does (compress, decompress, verify,
 * extract): the status bar and job list, the notification with Cancel, consent before replacing a
 * file, and one way to tell cancellation, failure and a dead helper apart.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LSPErrorCodes, ResponseError, type LanguageClient, type ProgressType } from 'vscode-languageclient/node';
import { progressMessage } from '../../server/src/progressText';
import type { JobErrorData, JobProgress } from '../../server/src/protocol';
import type { JobTracker } from './jobTracker';
import type { OverwritePolicy, ProgressLocation, Settings } from './settings';

export interface JobContext {
  client: LanguageClient;
  tracker: JobTracker;
  log: vscode.LogOutputChannel;
  settings(): Settings;
}

export type JobOutcome<Result> =
  | { kind: 'done'; result: Result }
  | { kind: 'skipped' }
  | { kind: 'cancelled' }
  /** `code`: the helper's error code, for a caller that handles it (JobSpec.handles). */
  | { kind: 'failed'; message: string; code?: string };

/** A job that found its output taken and was not allowed to replace it. */
export type Attempt<Result> = JobOutcome<Result> | { kind: 'exists' };

export interface JobSpec<Partial extends { progress: JobProgress }, Result> {
  /** "Compressing", "Decompressing", "Verifying", "Extracting from". */
  verb: string;
  input: vscode.Uri;
  /** What a cancelled or failed job leaves behind: "archive", "file" (nothing, either way). */
  leaves: string | undefined;
  progressLocation: ProgressLocation;
  partialType: ProgressType<Partial>;
  onPartial?(partial: Partial): void;
  /** Error codes the caller acts on itself: they come back as failures, not told to the user. */
  handles?: readonly string[];
  /** Said after "The helper stopped while…" when the job keeps a journal to be resumed from. */
  resumable?: boolean;
  send(
    tokens: { workDoneToken: string; partialResultToken: string },
    cancel: vscode.CancellationToken,
  ): Promise<Result>;
}

/**
 * Runs one request of the helper as a tracked job: it shows in the status bar and the job list,
 * optionally in a notification with Cancel, and its outcome is logged and told to the user.
 */
export async function runJob<Partial extends { progress: JobProgress }, Result>(
  ctx: JobContext,
  spec: JobSpec<Partial, Result>,
): Promise<Attempt<Result>> {
  const name = path.basename(spec.input.fsPath);
  const cancellation = new vscode.CancellationTokenSource();
  const job = ctx.tracker.add({ name, verb: spec.verb, input: spec.input, cancel: () => cancellation.cancel() });
  const tokens = { workDoneToken: randomUUID(), partialResultToken: randomUUID() };
  const progressChanged = new vscode.EventEmitter<JobProgress>();
  const listeners: vscode.Disposable[] = [
    cancellation,
    progressChanged,
    ctx.client.onProgress(spec.partialType, tokens.partialResultToken, (partial) => {
      ctx.tracker.update(job.id, partial.progress);
      progressChanged.fire(partial.progress);
      spec.onPartial?.(partial);
    }),
  ];
  const request = spec.send(tokens, cancellation.token);
  if (spec.progressLocation !== 'statusBar')
    showNotification(`${spec.verb} ${name}`, request, progressChanged.event, cancellation);
  try {
    return { kind: 'done', result: await request };
  } catch (err) {
    const code = err instanceof ResponseError ? (err.data as JobErrorData | undefined)?.code : undefined;
    if (code && spec.handles?.includes(code)) return { kind: 'failed', message: (err as Error).message, code };
    return failure(ctx, spec, name, err, cancellation.token.isCancellationRequested);
  } finally {
    ctx.tracker.remove(job.id);
    for (const listener of listeners) listener.dispose();
  }
}

/** A finished job's warnings: each in the log, under its result, and as a warning toast. */
export function showWarnings(log: vscode.LogOutputChannel, warnings: readonly string[]): void {
  for (const warning of warnings) {
    log.appendLine(`  warning: ${warning}`);
    void vscode.window.showWarningMessage(warning);
  }
}

/**
 * The helper reads and writes local paths only: for any other URI, says so (`does`: "compresses",
 * "decodes") and returns the failed outcome; undefined for a file on disk.
 */
export function refuseUnlessOnDisk(uri: vscode.Uri, does: string): JobOutcome<never> | undefined {
  if (uri.scheme === 'file') return undefined;
  void vscode.window.showErrorMessage(`Chunkpress ${does} files on disk; ${uri.toString()} is not one.`);
  return { kind: 'failed', message: 'not a file on disk' };
}

/**
 * Runs `attempt` without overwriting; if the output exists, asks (modal) before running it again
 * with consent, as the `chunkpress.overwrite` policy says.
 */
export async function withConsent<Result>(
  output: vscode.Uri,
  policy: OverwritePolicy,
  attempt: (overwrite: boolean) => Promise<Attempt<Result>>,
): Promise<JobOutcome<Result>> {
  let overwrite = policy === 'always';
  for (;;) {
    const outcome = await attempt(overwrite);
    if (outcome.kind !== 'exists') return outcome;
    if (policy === 'ask' && !overwrite) {
      const choice = await vscode.window.showWarningMessage(
        `${path.basename(output.fsPath)} already exists. Replace it?`,
        { modal: true, detail: output.fsPath },
        'Replace',
      );
      if (choice !== 'Replace') return { kind: 'skipped' };
      overwrite = true;
      continue;
    }
    void vscode.window.showWarningMessage(
      `${path.basename(output.fsPath)} already exists; not overwritten (chunkpress.overwrite is "never").`,
    );
    return { kind: 'skipped' };
  }
}

/**
 * Jobs shorter than this show no notification (the status bar still shows them): VS Code keeps a
 * progress notification up for at least 800 ms, so a quick job's would outlive the job, standing
 * beside its result with a stale percentage and a Cancel that does nothing.
 */
const NOTIFY_AFTER_MS = 500;

function showNotification(
  title: string,
  request: Promise<unknown>,
  onProgress: vscode.Event<JobProgress>,
  cancellation: vscode.CancellationTokenSource,
): void {
  let latest: JobProgress | undefined;
  const watching = onProgress((p) => (latest = p));
  // Fires only while the request is pending: its settling clears it.
  const timer = setTimeout(() => {
    watching.dispose();
    open();
  }, NOTIFY_AFTER_MS);
  void request
    .catch(() => undefined)
    .finally(() => {
      clearTimeout(timer);
      watching.dispose();
    });
  const open = (): void =>
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => cancellation.cancel());
        let reported = 0;
        const report = (p: JobProgress): void => {
          const percent = p.totalBytes ? (100 * p.bytesIn) / p.totalBytes : reported;
          progress.report({ message: progressMessage(p), increment: Math.max(0, percent - reported) });
          reported = Math.max(reported, percent);
        };
        if (latest) report(latest);
        const subscription = onProgress(report);
        // VS Code keeps it up a moment longer (800 ms from its start at least): say it is over.
        const ended = await request.then(
          () => 'finished',
          () => 'stopped',
        );
        subscription.dispose();
        progress.report({ message: ended, increment: 100 - reported });
      },
    );
}

function failure<Result>(
  ctx: JobContext,
  { verb, leaves, resumable }: Pick<JobSpec<{ progress: JobProgress }, Result>, 'verb' | 'leaves' | 'resumable'>,
  name: string,
  err: unknown,
  cancelled: boolean,
): Attempt<Result> {
  // Errors from the job carry JobErrorData; anything else comes from the connection itself,
  // e.g. the helper dying mid-job (pending requests are rejected when it goes away).
  const data = err instanceof ResponseError ? (err.data as JobErrorData | undefined) : undefined;
  if (data?.code === 'EEXIST') return { kind: 'exists' };
  if (
    data?.code === 'ECANCELED' ||
    (cancelled && err instanceof ResponseError && err.code === LSPErrorCodes.RequestCancelled)
  ) {
    const left = leaves ? `; no partial ${leaves} was left` : '';
    ctx.log.appendLine(`  ${name}: cancelled${left}`);
    void vscode.window.showInformationMessage(`${verb} ${name} was cancelled${left}.`);
    return { kind: 'cancelled' };
  }
  const message = err instanceof Error ? err.message : String(err);
  const kept = resumable ? '. What was done is kept: the job is offered for resuming once the helper is back' : '';
  const text = data?.code
    ? message
    : `The Chunkpress helper stopped while ${verb.toLowerCase()} ${name}: ${message}${kept}`;
  ctx.log.appendLine(`  ${name}: failed: ${text}`);
  void vscode.window.showErrorMessage(`Chunkpress: ${text}`, 'Show Log').then((choice) => {
    if (choice === 'Show Log') ctx.log.show(true);
  });
  return { kind: 'failed', message: text };
}
