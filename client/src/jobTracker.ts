import * as vscode from 'vscode';
import type { JobProgress } from '../../server/src/protocol';

export interface TrackedJob {
  id: number;
  /** File name shown to the user. */
  name: string;
  /** What the job does: "Compressing", "Verifying"... */
  verb: string;
  input: vscode.Uri;
  progress: JobProgress | undefined;
  cancel(): void;
}

/** The helper's jobs this window has running (compress, decompress, verify, extract); the status bar and the job list render it. */
export class JobTracker implements vscode.Disposable {
  private readonly jobs = new Map<number, TrackedJob>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private nextId = 1;

  add(job: Omit<TrackedJob, 'id' | 'progress'>): TrackedJob {
    const tracked: TrackedJob = { ...job, id: this.nextId++, progress: undefined };
    this.jobs.set(tracked.id, tracked);
    this.changed.fire();
    return tracked;
  }

  update(id: number, progress: JobProgress): void {
    const job = this.jobs.get(id);
    if (!job) return;
    job.progress = progress;
    this.changed.fire();
  }

  remove(id: number): void {
    if (this.jobs.delete(id)) this.changed.fire();
  }

  all(): TrackedJob[] {
    return [...this.jobs.values()];
  }

  cancelAll(): void {
    for (const job of this.jobs.values()) job.cancel();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
