import * as path from 'node:path';
import * as vscode from 'vscode';
import { withResumeQuestion, type Resume } from './resume/resumeQuestion';
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
import { levelOf, suffixOf, type Settings } from './settings';
import type { ArchiveFormat } from '../../server/src/engine/compression/compressOptions';

const formatName = (s: Settings): string =>
  s.format === 'zstd' ? 'zstd' : s.gzipLayout === 'bgzf' ? 'gzip (bgzf)' : 'gzip';

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

/** One archive to make: of a file (`input.zst`, `input.gz`), or a tar of folders and files (`name.tar.zst`). */
export type CompressTarget =
  /** `output`: where an interrupted job was making it; else beside the input. */
  | { kind: 'file'; input: vscode.Uri; output?: vscode.Uri }
  | { kind: 'tree'; roots: vscode.Uri[]; name: string; output: vscode.Uri };

/** A folder's archive goes beside it, as `tar -cf folder.tar folder` would name it. */
export const treeTarget = (folder: vscode.Uri, format: ArchiveFormat): CompressTarget => ({
  kind: 'tree',
  roots: [folder],
  name: path.basename(folder.fsPath),
  output: vscode.Uri.file(`${folder.fsPath}.tar${suffixOf(format)}`),
});

/**
 * Makes each archive, all at once (the server's pool shares the cores among them). `resume`
 * answers beforehand what to do with an interrupted job of the same archive; otherwise the person
 * is asked when there is one.
 */
export function compressTargets(
  ctx: CompressContext,
  targets: readonly CompressTarget[],
  overrides: Partial<Settings> = {},
  resume?: Resume,
): Promise<CompressOutcome[]> {
  const settings = { ...ctx.settings(), ...overrides };
  return Promise.all(targets.map((target) => compressOne(ctx, target, settings, resume)));
}

/** Each file beside itself. */
export function compressFiles(
  ctx: CompressContext,
  uris: readonly vscode.Uri[],
  overrides: Partial<Settings> = {},
): Promise<CompressOutcome[]> {
  return compressTargets(
    ctx,
    uris.map((input) => ({ kind: 'file', input })),
    overrides,
  );
}

async function compressOne(
  ctx: CompressContext,
  target: CompressTarget,
  settings: Settings,
  resume: Resume | undefined,
): Promise<CompressOutcome> {
  const inputs = target.kind === 'file' ? [target.input] : target.roots;
  for (const input of inputs) {
    const refused = refuseUnlessOnDisk(input, 'compresses');
    if (refused) return refused;
  }
  const output =
    target.kind === 'file'
      ? (target.output ?? vscode.Uri.file(`${target.input.fsPath}${suffixOf(settings.format)}`))
      : target.output;
  // Compressing the same source to the same target again: go on, or start over?
  return withResumeQuestion(
    resume,
    (answer) =>
      withConsent(output, settings.overwrite, (overwrite) => attempt(ctx, target, output, overwrite, settings, answer)),
    path.basename(output.fsPath),
    'Resume goes on after its last complete chunk, once the part already done has been checked against the file.',
  );
}

async function attempt(
  ctx: CompressContext,
  target: CompressTarget,
  output: vscode.Uri,
  overwrite: boolean,
  settings: Settings,
  resume: Resume | undefined,
): Promise<Attempt<CompressResult>> {
  const input = target.kind === 'file' ? target.input : target.roots[0];
  const what = target.kind === 'file' ? input.fsPath : target.roots.map((r) => r.fsPath).join(', ');
  ctx.observer?.started(output.fsPath);
  ctx.log.appendLine(
    `[${new Date().toLocaleTimeString()}] compress ${what} -> ${output.fsPath} (${formatName(settings)} level ${levelOf(settings)}, chunk ${settings.chunkSize} B)`,
  );
  let succeeded = false;
  try {
    const outcome = await runJob(ctx, {
      verb: 'Compressing',
      input: target.kind === 'file' ? input : output,
      leaves: 'archive',
      progressLocation: settings.progressLocation,
      partialType: compressPartialType,
      handles: resume === undefined ? ['EINTERRUPTED'] : [],
      // Every job into a file keeps a journal.
      resumable: true,
      onPartial: (partial) => ctx.observer?.progress(output.fsPath, partial),
      send: (tokens, cancel) =>
        ctx.client.sendRequest(
          compressRequest,
          {
            input: input.fsPath,
            output: output.fsPath,
            tree:
              target.kind === 'tree'
                ? {
                    roots: target.roots.map((r) => ({ path: r.fsPath, name: path.basename(r.fsPath) })),
                    name: target.name,
                    respectGitignore: settings.respectGitignore,
                    exclude: settings.exclude,
                  }
                : undefined,
            overwrite,
            resume,
            format: settings.format,
            gzipLayout: settings.gzipLayout,
            gzi: settings.format === 'gzip' && settings.gzipLayout === 'bgzf' && settings.gzi,
            level: levelOf(settings),
            // A setting made for zstd's frames; BGZF chunks take whole blocks (the helper rounds).
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

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** "proj.tar.zst (210 files, 13 folders)" for a tree, the input's name for a file. */
function resultName(result: CompressResult): string {
  const t = result.tree;
  if (!t) return path.basename(result.input);
  const links = t.links > 0 ? `, ${plural(t.links, 'link')}` : '';
  return `${path.basename(result.output)} (${plural(t.files, 'file')}, ${plural(t.folders, 'folder')}${links})`;
}

function reportResult(ctx: CompressContext, result: CompressResult): void {
  const summary = summarize({ ...result, inputName: resultName(result) });
  ctx.log.appendLine(`  ${summary}; ${result.threadReason}; xxh64-tree ${result.digest} -> ${result.output}`);
  showWarnings(ctx.log, result.warnings);
  const problems = result.tree?.problems ?? [];
  if (problems.length > 0) {
    // As tar's exit status 1: the archive is made, but some content is not what the files hold.
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more, in the log)` : '';
    void vscode.window
      .showWarningMessage(`${path.basename(result.output)}: ${first}${more}`, 'Show Log')
      .then((choice) => choice === 'Show Log' && ctx.log.show(true));
  }
  void vscode.window.showInformationMessage(summary, 'Reveal in Explorer', 'Show Log').then((choice) => {
    if (choice === 'Reveal in Explorer')
      void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.output));
    else if (choice === 'Show Log') ctx.log.show(true);
  });
}
