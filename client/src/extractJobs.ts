/**
 * Extract Here, Extract to... and Extract on members: jobs of the helper's extraction, with the
 * progress, cancellation and logging every job has, and the overwrite question asked once per
 * existing path (Replace, Skip, Replace All, Skip All) while `chunkpress.overwrite` is "ask".
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { OverwriteAnswer } from '../../server/src/engine/extraction/targetTree';
import { decodedName } from '../../server/src/engine/io/outputNames';
import { formatDuration, formatSize } from '../../server/src/engine/sizes';
import {
  askOverwriteRequest,
  extractPartialType,
  extractRequest,
  membersRequest,
  type ExtractParams,
  type ExtractResult,
  type OverwriteQuestion,
} from '../../server/src/protocol';
import { refuseUnlessOnDisk, runJob, showWarnings, type JobContext, type JobOutcome } from './jobRun';
import { requestWithProgress } from './serverProgress';
import type { Settings } from './settings';
import { withResumeQuestion, type Resume } from './resume/resumeQuestion';

export type ExtractOutcome = JobOutcome<ExtractResult>;

/** What is extracted, and where to. */
export interface ExtractTarget {
  archive: vscode.Uri;
  folder: vscode.Uri;
  /** Only these members (folders stand for their content); with `base`, placed without it. */
  members?: string[];
  base?: string;
}

const ANSWERS: Record<string, OverwriteAnswer> = {
  Replace: 'replace',
  Skip: 'skip',
  'Replace All': 'replaceAll',
  'Skip All': 'skipAll',
};

/** Answers the helper's question about an existing path with a modal: closing it cancels the job. */
export function registerOverwriteQuestions(client: LanguageClient): vscode.Disposable {
  return client.onRequest(askOverwriteRequest, async (q: OverwriteQuestion) => {
    const what = q.existing === 'file' ? 'A file' : q.existing === 'symlink' ? 'A symlink' : 'Something';
    const choice = await vscode.window.showWarningMessage(
      `${what} named ${path.basename(q.path)} already exists. Replace it with the one from ${path.basename(q.archive)}?`,
      { modal: true, detail: `${q.path}\n\nCancel stops the extraction and removes what it made.` },
      ...Object.keys(ANSWERS),
    );
    const answer: OverwriteAnswer = choice === undefined ? 'cancel' : (ANSWERS[choice] ?? 'cancel');
    return { answer };
  });
}

/**
 * Where Extract Here puts an archive's members: beside the archive when there is one thing at its
 * top (a folder holding the rest, as `tar -cf x.tar x` makes it, or one file), else in a new folder
 * named after the archive, so that nothing spills over what is beside it.
 */
export async function hereFolder(client: LanguageClient, archive: vscode.Uri): Promise<vscode.Uri | undefined> {
  const name = path.basename(archive.fsPath);
  const top = await requestWithProgress(
    client,
    membersRequest,
    { path: archive.fsPath, folder: '' },
    {
      title: `Reading the members of ${name}`,
      location: vscode.ProgressLocation.Notification,
      cancellable: true,
      delayMs: 500,
    },
  );
  const beside = vscode.Uri.file(path.dirname(archive.fsPath));
  const single = top.rows.length === 1 && top.rows[0].children > 0;
  return single
    ? beside
    : vscode.Uri.joinPath(beside, path.basename(decodedName(archive.fsPath)).replace(/\.tar$/, ''));
}

/** Runs one extraction as a job; tells the user what came of it. */
export async function extractArchive(
  ctx: JobContext,
  target: ExtractTarget,
  overrides: Partial<Settings> = {},
  resume?: Resume,
): Promise<ExtractOutcome> {
  const refused = refuseUnlessOnDisk(target.archive, 'extracts');
  if (refused) return refused;
  const settings = { ...ctx.settings(), ...overrides };
  const overwrite: ExtractParams['overwrite'] =
    settings.overwrite === 'always' ? 'replace' : settings.overwrite === 'never' ? 'skip' : 'ask';
  const params = {
    archive: target.archive.fsPath,
    target: target.folder.fsPath,
    members: target.members,
    base: target.base,
    overwrite,
    threads: settings.threads,
  };
  ctx.log.appendLine(
    `[${new Date().toLocaleTimeString()}] extract ${params.archive}${params.members ? ` (${params.members.join(', ')})` : ''} -> ${params.target}`,
  );
  // The same archive into the same folder again: go on, or start over?
  const outcome = await withResumeQuestion(
    resume,
    async (answer): Promise<ExtractOutcome> => {
      const attempt = await runJob(ctx, {
        verb: 'Extracting',
        input: target.archive,
        leaves: 'extraction',
        progressLocation: settings.progressLocation,
        partialType: extractPartialType,
        handles: answer === undefined ? ['EINTERRUPTED'] : [],
        resumable: true,
        send: (tokens, cancel) =>
          ctx.client.sendRequest(extractRequest, { ...params, resume: answer, ...tokens }, cancel),
      });
      return attempt.kind === 'exists' ? { kind: 'failed', message: 'exists' } : attempt;
    },
    `Extracting ${path.basename(target.archive.fsPath)} into ${path.basename(target.folder.fsPath)}`,
    'Resume checks the files already extracted against the archive, keeps those that match and extracts the rest.',
  );
  if (outcome.kind === 'done') report(ctx, outcome.result, target.folder);
  return outcome;
}

function report(ctx: JobContext, r: ExtractResult, folder: vscode.Uri): void {
  const archive = path.basename(r.archive);
  const counts = [
    `${r.files} file${r.files === 1 ? '' : 's'}`,
    `${r.folders} folder${r.folders === 1 ? '' : 's'}`,
    ...(r.links > 0 ? [`${r.links} link${r.links === 1 ? '' : 's'}`] : []),
  ].join(', ');
  const kept = [
    ...(r.resumedFiles !== undefined ? [`; resumed, ${r.resumedFiles} already extracted checked and kept`] : []),
    ...(r.kept > 0 ? [`; ${r.kept} existing left as they were`] : []),
  ].join('');
  const message = `Extracted ${counts} (${formatSize(r.bytes)}) from ${archive} into ${path.basename(r.target)} in ${formatDuration(r.elapsedMs)}${kept}`;
  ctx.log.appendLine(`  ${message} (${r.mode === 'parallel' ? `${r.threads} threads` : 'one pass'})`);
  for (const refusal of r.refused) ctx.log.appendLine(`  ${refusal.member}: not extracted: ${refusal.reason}`);
  showWarnings(ctx.log, r.warnings);
  if (r.refused.length > 0) {
    const first = r.refused[0];
    const more = r.refused.length > 1 ? ` (and ${r.refused.length - 1} more, see the log)` : '';
    void vscode.window
      .showWarningMessage(
        `${message}. ${r.refused.length} member${r.refused.length === 1 ? ' was' : 's were'} not extracted: ${first.member}: ${first.reason}${more}.`,
        'Show Log',
      )
      .then((choice) => choice === 'Show Log' && ctx.log.show(true));
    return;
  }
  void vscode.window.showInformationMessage(message, 'Reveal in Explorer').then((choice) => {
    if (choice === 'Reveal in Explorer') void vscode.commands.executeCommand('revealInExplorer', folder);
  });
}
