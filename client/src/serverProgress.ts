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
