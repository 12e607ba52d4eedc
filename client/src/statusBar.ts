import * as vscode from 'vscode';
import { combineProgress, progressMessage } from '../../server/src/progressText';
import type { JobProgress } from '../../server/src/protocol';
import type { JobTracker } from './jobTracker';

const IDLE: JobProgress = {
  stage: 'preparing',
  bytesIn: 0,
  bytesOut: 0,
  totalBytes: null,
  chunksDone: 0,
  totalChunks: null,
  elapsedMs: 0,
  bytesPerSecond: 0,
  etaMs: null,
};

/** One status bar item for all running jobs: "$(file-zip) big.log 45% · 12/27 chunks · 410 MB/s · ETA 0:04". */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscription: vscode.Disposable;
  enabled = true;

  constructor(private readonly tracker: JobTracker) {
    this.item = vscode.window.createStatusBarItem('status', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Chunkpress';
    this.item.command = 'chunkpress.showJobs';
    this.subscription = tracker.onDidChange(() => this.render());
  }

  /** The text the item shows now (also read by tests). */
  get text(): string {
    return this.item.text;
  }

  render(): void {
    const jobs = this.tracker.all();
    if (jobs.length === 0 || !this.enabled) {
      this.item.hide();
      return;
    }
    const progress = jobs.map((job) => job.progress ?? IDLE);
    const label = jobs.length === 1 ? jobs[0].name : `${jobs.length} jobs`;
    this.item.text = `$(file-zip) ${label} ${progressMessage(jobs.length === 1 ? progress[0] : combineProgress(progress))}`;
    this.item.tooltip = new vscode.MarkdownString(
      [
        '**Chunkpress**',
        ...jobs.map((job, i) => `- ${job.name}: ${progressMessage(progress[i])}`),
        '',
        'Click to list or cancel jobs',
      ].join('\n'),
    );
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
