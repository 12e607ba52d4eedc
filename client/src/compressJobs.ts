import * as path from 'node:path';
import * as vscode from 'vscode';
import { summarize } from '../../server/src/engine/compression/summary';
import {
  compressPartialType,
  compressRequest,
  type CompressPartial,
  type CompressResult,
} from '../../server/src/protocol';
import {
  refuseUnlessOnDisk,
  runJob,
  showWarnings,
  withConsent,
  type Attempt,
  type JobContext,
  type JobOutcome,
} from './jobRun';
import type { Settings } from './settings';

/** Told about each job's archive as it is written (the Archives panel shows it live). */
export interface JobObserver {
  started(output: string): void;
  progress(output: string, partial: CompressPartial): void;
  ended(output: string, succeeded: boolean): void;
}

export interface CompressContext extends JobContext {
  observer?: JobObserver;
}

export type CompressOutcome = JobOutcome<CompressResult>;

/** Compresses each file beside itself, all at once (the server's pool shares the cores among them). */
export function compressFiles(
  ctx: CompressContext,
  uris: readonly vscode.Uri[],
  overrides: Partial<Settings> = {},
): Promise<CompressOutcome[]> {
  const settings = { ...ctx.settings(), ...overrides };
  return Promise.all(uris.map((uri) => compressOne(ctx, uri, settings)));
}

async function compressOne(ctx: CompressContext, input: vscode.Uri, settings: Settings): Promise<CompressOutcome> {
  const refused = refuseUnlessOnDisk(input, 'compresses');
  if (refused) return refused;
  const output = vscode.Uri.file(`${input.fsPath}.zst`);
  return withConsent(output, settings.overwrite, (overwrite) => attempt(ctx, input, output, overwrite, settings));
}

async function attempt(
  ctx: CompressContext,
  input: vscode.Uri,
  output: vscode.Uri,
  overwrite: boolean,
  settings: Settings,
): Promise<Attempt<CompressResult>> {
  ctx.observer?.started(output.fsPath);
  ctx.log.appendLine(
    `[${new Date().toLocaleTimeString()}] compress ${input.fsPath} -> ${output.fsPath} (level ${settings.level}, chunk ${settings.chunkSize} B)`,
  );
  let succeeded = false;
  try {
    const outcome = await runJob(ctx, {
      verb: 'Compressing',
      input,
      leaves: 'archive',
      progressLocation: settings.progressLocation,
      partialType: compressPartialType,
      onPartial: (partial) => ctx.observer?.progress(output.fsPath, partial),
      send: (tokens, cancel) =>
        ctx.client.sendRequest(
          compressRequest,
          {
            input: input.fsPath,
            output: output.fsPath,
            overwrite,
            level: settings.level,
            chunkSize: settings.chunkSize,
            threads: settings.threads,
            memoryFactor: settings.memoryFactor,
            ...tokens,
          },
          cancel,
        ),
    });
    if (outcome.kind === 'done') {
      succeeded = true;
      reportResult(ctx, outcome.result);
    }
    return outcome;
  } finally {
    ctx.observer?.ended(output.fsPath, succeeded);
  }
}

function reportResult(ctx: CompressContext, result: CompressResult): void {
  const summary = summarize({ ...result, inputName: path.basename(result.input) });
  ctx.log.appendLine(`  ${summary}; ${result.threadReason}; xxh64-tree ${result.digest} -> ${result.output}`);
  showWarnings(ctx.log, result.warnings);
  void vscode.window.showInformationMessage(summary, 'Reveal in Explorer', 'Show Log').then((choice) => {
    if (choice === 'Reveal in Explorer')
      void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.output));
    else if (choice === 'Show Log') ctx.log.show(true);
  });
}
