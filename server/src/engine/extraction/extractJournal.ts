/**
 * The journal of an extraction, in its target folder: what the job creates (each file named before
 * it is written, so that a kill leaves nothing unaccounted for) and how many files are complete.
 * A resumed extraction takes the interrupted one's options and what it made: its files are checked
 * against the archive (their SHA-256 from our index, or their bytes against the decoded content),
 * not trusted; a discarded one has what it made removed.
 */
import { randomBytes } from 'node:crypto';
import type * as fs from 'node:fs';
import * as path from 'node:path';
import { ChunkpressError } from '../errors';
import {
  JOURNAL_KIND,
  JOURNAL_VERSION,
  madeLine,
  plannedLine,
  type ExtractHeader,
  type ExtractJournalOptions,
  type ExtractMade,
} from '../format/jobJournal';
import { meetInterrupted, refuseChangedArchive } from '../io/interruptedJobs';
import { fingerprintOf, JournalWriter } from '../io/journalFile';

/** How an extraction's journal is named: `.<archive>.<tag>.extract.journal`. */
export const EXTRACT_JOURNAL = '.extract.journal';

const HOW = '(--discard removes what it extracted, and extracting again starts over)';

/** An interrupted extraction into the same folder, to go on from. */
export interface ExtractResumePoint {
  journalPath: string;
  header: ExtractHeader;
  made: ExtractMade;
  extracted: number;
}

/**
 * The interrupted extraction of `archive` into `root` that this job meets: undefined when there is
 * none or it is discarded (what it made removed); EINTERRUPTED without a decision; ECHANGED when
 * the archive is not the one it was extracting.
 */
export async function settleInterruptedExtract(
  resume: 'resume' | 'discard' | undefined,
  root: string,
  archive: { path: string; stat: fs.Stats },
): Promise<ExtractResumePoint | undefined> {
  const job = await meetInterrupted(resume, root, {
    job: 'extract',
    target: root,
    source: archive.path,
    prefix: `.${path.basename(archive.path)}.`,
  });
  if (!job) return undefined;
  if (!job.journal)
    throw new ChunkpressError(
      `The interrupted extraction into "${root}" cannot be resumed: ${job.problem} ${HOW}`,
      'EFORMAT',
      root,
    );
  const header = job.journal.header as ExtractHeader;
  refuseChangedArchive(archive, header.source, 'extraction', root, HOW);
  return { journalPath: job.journalPath, header, made: job.journal.made, extracted: job.journal.extracted };
}

/**
 * Writes an extraction's journal: each path the job creates, before it is written to (at once, or,
 * while a plan is made, in batches, each before the first write it allows), and now and then how
 * many files are complete.
 */
export class ExtractJournal {
  private pending: ExtractMade = { files: [], folders: [], temps: [] };
  private waiting = false;
  private batching = false;
  private lastProgress = 0;

  private constructor(private readonly writer: JournalWriter) {}

  static async start(
    root: string,
    archive: { path: string; stat: fs.Stats },
    options: ExtractJournalOptions,
    point: ExtractResumePoint | undefined,
  ): Promise<ExtractJournal> {
    const header: ExtractHeader = {
      journal: JOURNAL_KIND,
      version: JOURNAL_VERSION,
      job: 'extract',
      target: root,
      startedAt: point?.header.startedAt ?? Date.now(),
      pid: process.pid,
      source: fingerprintOf(archive.path, archive.stat),
      totalChunks: 0,
      options,
    };
    const file =
      point?.journalPath ??
      path.join(root, `.${path.basename(archive.path)}.${randomBytes(4).toString('hex')}${EXTRACT_JOURNAL}`);
    const writer = point
      ? await JournalWriter.rewrite(file, header, madeLine(point.made, point.extracted))
      : await JournalWriter.create(file, header);
    return new ExtractJournal(writer);
  }

  /** Something the job is about to create (or, a folder, has just made): recorded now, or with the plan's `flush`. */
  note(made: { file?: string; folder?: string; temp?: string }): void {
    if (made.file !== undefined) this.pending.files.push(made.file);
    if (made.folder !== undefined) this.pending.folders.push(made.folder);
    if (made.temp !== undefined) this.pending.temps.push(made.temp);
    this.waiting = true;
    // A folder is made at once (files wait for the plan to be written): recorded at once.
    if (!this.batching || made.folder !== undefined) this.writeNoted();
  }

  /**
   * A plan is made: what it creates is recorded in batches (`recordNoted`, `flush`), each before the
   * first write it allows.
   */
  plan(): void {
    this.batching = true;
  }

  /** Writes what was noted so far; a plan being made goes on batching. */
  recordNoted(): void {
    this.writeNoted();
  }

  /** Writes what was noted (and `extracted`, the files complete); a plan's batch ends here. */
  flush(extracted?: number): void {
    this.batching = false;
    this.writeNoted(extracted);
  }

  private writeNoted(extracted?: number): void {
    if (!this.waiting && extracted === undefined) return;
    const made = this.waiting ? this.pending : undefined;
    this.pending = { files: [], folders: [], temps: [] };
    this.waiting = false;
    this.writer.recordNow(madeLine(made, extracted));
  }

  /** `files` are complete: recorded a few times a second at most (it only tells how far a job got). */
  progress(files: number): void {
    const now = Date.now();
    if (now - this.lastProgress < 250) return;
    this.lastProgress = now;
    // With what was noted: a plan being made meanwhile goes on batching.
    this.writeNoted(files);
  }

  /** The plan is made: `files` files in all; what it creates is recorded. */
  planned(files: number): void {
    this.flush();
    this.writer.recordNow(plannedLine(files));
  }

  /** The job stops but can go on (a full disk): everything is kept. */
  async stop(why: string): Promise<void> {
    this.flush();
    await this.writer.stop(why);
  }

  /** The job is over (done, cancelled or failed, everything it made handled): no journal. */
  async remove(): Promise<void> {
    await this.writer.remove();
  }
}
