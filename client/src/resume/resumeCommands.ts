/** Resume and Discard, on an interrupted row of the Archives panel or from the palette. */
import * as vscode from 'vscode';
import type { InterruptedJobInfo } from '../../../server/src/protocol';
import type { ArchiveNode } from '../archives/archiveNodes';
import type { InterruptedJobs } from './interruptedJobs';
import { jobLabel } from './jobText';

/** The row's job, or one picked from the list. */
async function jobFor(
  jobs: InterruptedJobs,
  node: ArchiveNode | undefined,
  verb: string,
): Promise<InterruptedJobInfo | undefined> {
  if (node?.kind === 'interrupted') return node.job;
  await jobs.scan();
  const all = jobs.all();
  if (all.length === 0) {
    void vscode.window.showInformationMessage('No interrupted Chunkpress jobs in this workspace.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    all.map((job) => ({
      label: jobLabel(job),
      description: job.description.replace(/^was /, ''),
      detail: job.target ?? job.journal,
      job,
    })),
    { title: `${verb} an interrupted job` },
  );
  return pick?.job;
}

export function resumeJobCommand(jobs: InterruptedJobs, resume: (job: InterruptedJobInfo) => Promise<unknown>) {
  return async (node?: ArchiveNode): Promise<unknown> => {
    const job = await jobFor(jobs, node, 'Resume');
    if (!job) return undefined;
    if (job.problem || !job.source || !job.target) {
      void vscode.window.showErrorMessage(
        `Chunkpress: this job cannot be resumed: ${job.problem ?? 'its journal is incomplete'}`,
      );
      return undefined;
    }
    return resume(job);
  };
}

export function discardJobCommand(jobs: InterruptedJobs) {
  return async (node?: ArchiveNode): Promise<void> => {
    const job = await jobFor(jobs, node, 'Discard');
    if (job) await jobs.discard(job);
  };
}
