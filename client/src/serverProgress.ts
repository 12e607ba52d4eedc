import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  WorkDoneProgress,
  type LanguageClient,
  type ProtocolRequestType,
  type RequestParam,
  type WorkDoneProgressParams,
} from 'vscode-languageclient/node';

export interface ProgressOptions {
  title: string;
  location: vscode.ProgressLocation;
  cancellable: boolean;
  /** Show the progress only if the request is still running after this long (no flash for quick ones). */
  delayMs?: number;
}

/**
 * Sends a request that reports `$/progress` on a workDoneToken, shown as VS Code progress; the
 * progress UI's Cancel cancels the request (the server aborts the task).
 */
export function requestWithProgress<P extends WorkDoneProgressParams & object, R>(
  client: LanguageClient,
  type: ProtocolRequestType<P, R, never, unknown, void>,
  params: Omit<P, 'workDoneToken'>,
  options: ProgressOptions,
): Promise<R> {
  const workDoneToken = randomUUID();
  if (options.delayMs !== undefined) return delayed(client, type, params, options, options.delayMs);
  return Promise.resolve(
    vscode.window.withProgress(options, async (progress, cancel) => {
      let reported = 0;
      const subscription = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind !== 'report') return;
        const percentage = value.percentage ?? reported;
        progress.report({ message: value.message, increment: Math.max(0, percentage - reported) });
        reported = Math.max(reported, percentage);
      });
      try {
        const full = { ...params, workDoneToken } as P & RequestParam<P>;
        return await client.sendRequest(type, full, cancel);
      } finally {
        subscription.dispose();
      }
    }),
  );
}

/** The request at once; its progress shown only once it has taken `delayMs`, from its latest report on. */
function delayed<P extends WorkDoneProgressParams & object, R>(
  client: LanguageClient,
  type: ProtocolRequestType<P, R, never, unknown, void>,
  params: Omit<P, 'workDoneToken'>,
  options: ProgressOptions,
  delayMs: number,
): Promise<R> {
  const workDoneToken = randomUUID();
  const cancel = new vscode.CancellationTokenSource();
  const reports = new vscode.EventEmitter<{ message?: string; percentage?: number }>();
  let latest: { message?: string; percentage?: number } = {};
  const subscription = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
    if (value.kind !== 'report') return;
    latest = { message: value.message, percentage: value.percentage };
    reports.fire(latest);
  });
  const full = { ...params, workDoneToken } as P & RequestParam<P>;
  const request = Promise.resolve(client.sendRequest(type, full, cancel.token));
  const timer = setTimeout(() => {
    void vscode.window.withProgress(options, async (progress, token) => {
      token.onCancellationRequested(() => cancel.cancel());
      let reported = 0;
      const show = (r: { message?: string; percentage?: number }): void => {
        const percentage = r.percentage ?? reported;
        progress.report({ message: r.message, increment: Math.max(0, percentage - reported) });
        reported = Math.max(reported, percentage);
      };
      show(latest);
      const listening = reports.event(show);
      await request.catch(() => undefined);
      listening.dispose();
    });
  }, delayMs);
  return request.finally(() => {
    clearTimeout(timer);
    subscription.dispose();
    reports.dispose();
    cancel.dispose();
  });
}
