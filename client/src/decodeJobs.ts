/**
 * Decompress, Verify Archive and Extract Range: jobs of the helper's parallel decoder, with the
 * same progress, cancellation and output-safety rules as compression.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { howDecoded, verified, verifySummary } from '../../server/src/decodeText';
import { decodedName, rangeName } from '../../server/src/engine/io/outputNames';
import { formatDuration, formatRate, formatSize } from '../../server/src/engine/sizes';
import {
  decodePartialType,
  decodeRequest,
  type DecodeKind,
  type DecodeResult,
  type FrameCheck,
  type JobProgress,
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
import { withResumeQuestion, type Resume } from './resume/resumeQuestion';

export type DecodeOutcome = JobOutcome<DecodeResult>;

/** Told about each verification as it runs (the Archives panel marks the chunks). */
export interface VerifyObserver {
  started(archive: string): void;
  progress(archive: string, frames: FrameCheck[], progress: JobProgress): void;
  ended(archive: string, outcome: DecodeOutcome): void;
}

export interface DecodeContext extends JobContext {
  verifyObserver?: VerifyObserver;
  /** "Show in Panel" after a verification. */
  showInPanel?(archive: vscode.Uri): Promise<void>;
}

const VERBS: Record<DecodeKind, string> = {
  decompress: 'Decompressing',
  verify: 'Verifying',
  extract: 'Extracting from',
};

/** Decompresses each archive beside itself (the name without .zst/.gz), all at once. */
export function decompressFiles(
  ctx: DecodeContext,
  uris: readonly vscode.Uri[],
  overrides: Partial<Settings> = {},
): Promise<DecodeOutcome[]> {
  const settings = { ...ctx.settings(), ...overrides };
  return Promise.all(
    uris.map(async (input) => {
      const refused = refuseUnlessOnDisk(input, 'decodes');
      if (refused) return refused;
      return decompressTo(ctx, input, vscode.Uri.file(decodedName(input.fsPath)), settings, undefined);
    }),
  );
}

/**
 * Decompresses `input` into `output`. An interrupted decompression of the same output is met with
 * the question Resume / Start Over, unless `resume` answers it already.
 */
export async function decompressTo(
  ctx: DecodeContext,
  input: vscode.Uri,
  output: vscode.Uri,
  settings: Settings,
  resume: Resume | undefined,
): Promise<DecodeOutcome> {
  const outcome = await withResumeQuestion(
    resume,
    (answer) =>
      withConsent(output, settings.overwrite, (overwrite) =>
        attempt(ctx, 'decompress', input, output, overwrite, settings, undefined, answer),
      ),
    path.basename(output.fsPath),
    "Resume checks each frame already written against the archive's checksums, keeps those that match and decodes the rest.",
  );
  if (outcome.kind === 'done') reportWritten(ctx, outcome.result, output);
  return outcome;
}

/** Writes bytes `offset`..`offset + length` of the content beside the archive; only the frames covering them are decoded. */
export async function extractRange(
  ctx: DecodeContext,
  input: vscode.Uri,
  range: { offset: number; length: number },
  overrides: Partial<Settings> = {},
): Promise<DecodeOutcome> {
  const refused = refuseUnlessOnDisk(input, 'decodes');
  if (refused) return refused;
  const settings = { ...ctx.settings(), ...overrides };
  const output = vscode.Uri.file(rangeName(input.fsPath, range.offset, range.length));
  const outcome = await withConsent(output, settings.overwrite, (overwrite) =>
    attempt(ctx, 'extract', input, output, overwrite, settings, range),
  );
  if (outcome.kind === 'done') reportWritten(ctx, outcome.result, output, range);
  return outcome;
}

/** Decodes every frame in parallel and checks its checksum and the manifest's digests; keeps nothing. */
export function verifyArchives(ctx: DecodeContext, uris: readonly vscode.Uri[]): Promise<DecodeOutcome[]> {
  const settings = ctx.settings();
  return Promise.all(
    uris.map(async (input) => {
      const refused = refuseUnlessOnDisk(input, 'decodes');
      if (refused) return refused;
      ctx.verifyObserver?.started(input.fsPath);
      let outcome: DecodeOutcome = { kind: 'failed', message: 'did not run' };
      try {
        const attempted = await attempt(ctx, 'verify', input, undefined, false, settings);
        outcome = attempted.kind === 'exists' ? { kind: 'failed', message: 'unexpected EEXIST' } : attempted;
      } finally {
        ctx.verifyObserver?.ended(input.fsPath, outcome);
      }
      if (outcome.kind === 'done') reportVerified(ctx, input, outcome.result);
      return outcome;
    }),
  );
}

function attempt(
  ctx: DecodeContext,
  kind: DecodeKind,
  input: vscode.Uri,
  output: vscode.Uri | undefined,
  overwrite: boolean,
  settings: Settings,
  range?: { offset: number; length: number },
  resume?: Resume,
): Promise<Attempt<DecodeResult>> {
  ctx.log.appendLine(
    `[${new Date().toLocaleTimeString()}] ${kind} ${input.fsPath}${output ? ` -> ${output.fsPath}` : ''}${range ? ` (bytes ${range.offset}+${range.length})` : ''}`,
  );
  return runJob(ctx, {
    verb: VERBS[kind],
    input,
    leaves: kind === 'verify' ? undefined : 'file',
    progressLocation: settings.progressLocation,
    partialType: decodePartialType,
    // The whole content into a file keeps a journal; the question is asked by decompressTo.
    handles: kind === 'decompress' && resume === undefined ? ['EINTERRUPTED'] : [],
    resumable: kind === 'decompress',
    onPartial: (partial) =>
      kind === 'verify' && ctx.verifyObserver?.progress(input.fsPath, partial.frames, partial.progress),
    send: (tokens, cancel) =>
      ctx.client.sendRequest(
        decodeRequest,
        {
          kind,
          input: input.fsPath,
          output: output?.fsPath,
          overwrite,
          range,
          threads: settings.threads,
          resume,
          ...tokens,
        },
        cancel,
      ),
  });
}

function reportWritten(
  ctx: DecodeContext,
  result: DecodeResult,
  output: vscode.Uri,
  range?: { offset: number; length: number },
): void {
  const archive = path.basename(result.input);
  const what = range
    ? `bytes ${range.offset}–${range.offset + range.length - 1} of ${archive}`
    : `${archive}: ${formatSize(result.bytesOut)}`;
  const message = `${range ? 'Extracted ' : ''}${what} -> ${path.basename(output.fsPath)} in ${formatDuration(result.elapsedMs)} at ${formatRate(result.bytesPerSecond)} (${howDecoded(result)})`;
  ctx.log.appendLine(`  ${message}`);
  showWarnings(ctx.log, result.warnings);
  void vscode.window.showInformationMessage(message, 'Open', 'Reveal in Explorer').then((choice) => {
    if (choice === 'Open') void vscode.commands.executeCommand('vscode.open', output);
    else if (choice === 'Reveal in Explorer') void vscode.commands.executeCommand('revealInExplorer', output);
  });
}

function reportVerified(ctx: DecodeContext, input: vscode.Uri, result: DecodeResult): void {
  const archive = path.basename(input.fsPath);
  for (const finding of result.indexFindings) ctx.log.appendLine(`  ${archive}: ${finding.message}`);
  for (const failure of result.failures) ctx.log.appendLine(`  ${archive}: ${failure.message ?? 'failed'}`);
  const show = (choice: string | undefined): void => {
    if (choice === 'Show in Panel') void ctx.showInPanel?.(input);
    else if (choice === 'Show Log') ctx.log.show(true);
  };
  const summary = `${verifySummary(archive, result)} in ${formatDuration(result.elapsedMs)}`;
  ctx.log.appendLine(`  ${summary}`);
  if (verified(result)) {
    void vscode.window.showInformationMessage(summary, 'Show in Panel').then(show);
    return;
  }
  // The first thing wrong, named exactly; the rest are in the log and the panel.
  const all = [
    ...result.failures.map((f) => f.message ?? `frame ${f.index}`),
    ...result.indexFindings.map((f) => f.message),
  ];
  const more = all.length > 1 ? ` (and ${all.length - 1} more, see the log)` : '';
  const intact = result.failures.length === 0 ? '. The data frames themselves are intact' : '';
  const message = `${archive} failed verification: ${all[0]}${more}${intact}`;
  void vscode.window.showErrorMessage(`Chunkpress: ${message}`, 'Show in Panel', 'Show Log').then(show);
}
