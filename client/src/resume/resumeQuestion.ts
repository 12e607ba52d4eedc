/** The question a job meets when the same job was interrupted before: go on from it, or start over? */
import * as vscode from 'vscode';

export type Resume = 'resume' | 'discard';

/**
 * Asks, with the helper's `message` (`"…/target" was interrupted at 45% (…)`) shown under `name`;
 * `detail` says what Resume does. Undefined: the user closed it (the job is not run).
 */
export async function askToResume(message: string, name: string, detail: string): Promise<Resume | undefined> {
  const choice = await vscode.window.showWarningMessage(
    `${message.replace(/^"[^"]*"/, name)}.`,
    { modal: true, detail: `${detail} Start Over discards it.` },
    'Resume',
    'Start Over',
  );
  return choice === undefined ? undefined : choice === 'Resume' ? 'resume' : 'discard';
}
