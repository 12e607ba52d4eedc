/** The question a job meets when the same job was interrupted before: go on from it, or start over? */
import * as vscode from 'vscode';
import type { JobOutcome } from '../jobRun';

export type Resume = 'resume' | 'discard';

/**
 * Runs a job that may meet an interrupted run of itself (the helper's EINTERRUPTED, its message
 * `"…/target" was interrupted at 45% (…)`): then asks Resume / Start Over, shown under `name`
 * with `detail` saying what Resume does, and runs it again with the answer. Closing the question
 * skips the job. `resume` may answer it ahead.
 */
export async function withResumeQuestion<Result>(
  resume: Resume | undefined,
  run: (resume: Resume | undefined) => Promise<JobOutcome<Result>>,
  name: string,
  detail: string,
): Promise<JobOutcome<Result>> {
  for (;;) {
    const outcome = await run(resume);
    if (outcome.kind !== 'failed' || outcome.code !== 'EINTERRUPTED') return outcome;
    const choice = await vscode.window.showWarningMessage(
      `${outcome.message.replace(/^"[^"]*"/, name)}.`,
      { modal: true, detail: `${detail} Start Over discards it.` },
      'Resume',
      'Start Over',
    );
    if (choice === undefined) return { kind: 'skipped' };
    resume = choice === 'Resume' ? 'resume' : 'discard';
  }
}
