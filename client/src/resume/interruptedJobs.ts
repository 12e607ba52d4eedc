/**
 * Compressions that did not end (VS Code closed, the helper killed, a full disk): found from their
 * journals in the workspace when the extension starts and whenever a journal comes or goes,
 * offered once each ("big.log.zst was interrupted at 45% (12 of 27 chunks). Resume / Discard"),
 * and listed in the Archives panel until resumed or discarded. Those older than
 * `chunkpress.keepInterruptedDays` are removed by the helper, with a line in the log.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { jobSubject } from './jobText';
import { discardJobRequest, interruptedJobsRequest, type InterruptedJobInfo } from '../../../server/src/protocol';

const JOURNAL_GLOB = '**/.*.journal';
const EXCLUDE_GLOB = '**/{node_modules,.git}/**';
/** Journals of jobs already offered, so that a reload does not ask again. */
const OFFERED_KEY = 'chunkpress.offeredInterruptedJobs';
const RESCAN_DELAY_MS = 300;

export class InterruptedJobs implements vscode.Disposable {
  private jobs: InterruptedJobInfo[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: LanguageClient,
    private readonly log: vscode.LogOutputChannel,
    private readonly state: vscode.Memento,
    private readonly keepDays: () => number,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher(JOURNAL_GLOB);
    const later = (): void => this.rescanSoon();
    this.disposables.push(
      watcher,
      watcher.onDidCreate(later),
      watcher.onDidChange(later),
      watcher.onDidDelete(later),
      vscode.workspace.onDidChangeWorkspaceFolders(later),
    );
  }

  all(): readonly InterruptedJobInfo[] {
    return this.jobs;
  }

  /** Asks the helper about every journal in the workspace (it removes those too old to keep). */
  scan(): Promise<void> {
    this.scanning = this.runScan().catch((err: unknown) =>
      this.log.error(`looking for interrupted jobs: ${(err as Error).message}`),
    );
    return this.scanning;
  }

  whenScanned(): Promise<void> {
    return this.scanning;
  }

  /** Offers each job not offered before: Resume or Discard. */
  async offer(resume: (job: InterruptedJobInfo) => Promise<unknown>): Promise<void> {
    await this.scanning;
    const offered = new Set(this.state.get<string[]>(OFFERED_KEY, []));
    for (const job of this.jobs) {
      const key = `${job.journal}@${job.stoppedAt}`;
      if (offered.has(key) || !job.target) continue;
      offered.add(key);
      await this.state.update(OFFERED_KEY, [...offered].slice(-200));
      void vscode.window
        .showInformationMessage(`${jobSubject(job)} ${job.description}.`, 'Resume', 'Discard')
        .then((choice) => {
          if (choice === 'Resume') void resume(job);
          else if (choice === 'Discard') void this.discard(job);
        });
    }
  }

  async discard(job: InterruptedJobInfo): Promise<void> {
    try {
      await this.client.sendRequest(discardJobRequest, { journal: job.journal });
      this.log.info(`discarded the interrupted job making ${job.target ?? job.journal}`);
    } catch (err) {
      void vscode.window.showErrorMessage(`Chunkpress: ${(err as Error).message}`);
    }
    await this.scan();
  }

  private async runScan(): Promise<void> {
    const found = await vscode.workspace.findFiles(JOURNAL_GLOB, EXCLUDE_GLOB, 1000);
    const { jobs, removed } = await this.client.sendRequest(interruptedJobsRequest, {
      journals: found.map((uri) => uri.fsPath),
      keepDays: this.keepDays(),
    });
    for (const r of removed)
      this.log.info(`removed an interrupted job older than chunkpress.keepInterruptedDays: ${r}`);
    this.jobs = jobs.sort((a, b) => (a.target ?? a.journal).localeCompare(b.target ?? b.journal));
    this.changed.fire();
  }

  private rescanSoon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.scan(), RESCAN_DELAY_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
