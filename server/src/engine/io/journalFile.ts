/**
 * A job's journal on disk (format/jobJournal.ts): written as frames reach the partial file, synced
 * every few frames and at each stage change, and found again beside the target after a crash.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ChunkpressError, describeFsError } from '../errors';
import { FormatError } from '../format/formatError';
import {
  frameLine,
  headerLine,
  parseJournal,
  plannedLine,
  stoppedLine,
  type Journal,
  type JournalFrame,
  type JournalHeader,
} from '../format/jobJournal';

/** Frames between two syncs of the journal: at 4 MiB chunks, at most about 16 MiB of work lost. */
const SYNC_EVERY = 4;

/** `.big.log.zst.1a2b3c4d.journal` beside `.big.log.zst.1a2b3c4d.partial`. */
export const journalPathOf = (partial: string): string => partial.replace(/\.partial$/, '.journal');

export class JournalWriter {
  private writing: Promise<void> = Promise.resolve();
  private unsynced = 0;
  private failed: unknown;

  private constructor(
    private readonly handle: fsp.FileHandle,
    readonly path: string,
  ) {}

  /** A new journal (refused if one is there), its header durable before the first frame. */
  static async create(file: string, header: JournalHeader): Promise<JournalWriter> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, 'wx', 0o600);
    } catch (err) {
      throw describeFsError(err, file, 'create');
    }
    const writer = new JournalWriter(handle, file);
    await writer.put(headerLine(header), true);
    return writer;
  }

  /** The journal of a resumed job: its header and the frames kept, in place of what was there. */
  static async rewrite(file: string, header: JournalHeader, frames: readonly JournalFrame[]): Promise<JournalWriter> {
    const temp = `${file}.rewrite`;
    try {
      await fsp.writeFile(temp, headerLine(header) + frames.map(frameLine).join(''), { mode: 0o600 });
      const h = await fsp.open(temp, 'r+');
      await h.sync().finally(() => h.close());
      await fsp.rename(temp, file);
      return new JournalWriter(await fsp.open(file, 'a'), file);
    } catch (err) {
      await fsp.rm(temp, { force: true });
      throw describeFsError(err, file, 'write');
    }
  }

  /** Records a frame that is in the partial file (its bytes written before this is called). */
  append(frame: JournalFrame): void {
    this.unsynced++;
    void this.put(frameLine(frame), this.unsynced >= SYNC_EVERY);
  }

  /** A folder's walk is over: how many frames the job makes. */
  planned(chunks: number): void {
    void this.put(plannedLine(chunks), true);
  }

  /** Everything appended is on disk (a stage change). */
  async flush(): Promise<void> {
    await this.put('', true);
    if (this.failed !== undefined) throw describeFsError(this.failed, this.path, 'write');
  }

  async close(): Promise<void> {
    await this.writing;
    await this.handle.close().catch(() => undefined);
  }

  /** Says why the job stops (so that it reads as interrupted while this process lives on), and closes. */
  async stop(why: string): Promise<void> {
    await this.put(stoppedLine(why), true);
    await this.close();
  }

  async remove(): Promise<void> {
    await this.close();
    await fsp.rm(this.path, { force: true });
  }

  /**
   * Writes in order; a failure (a full disk) is kept, not thrown: the partial file goes on, and a
   * resume then finds fewer frames recorded than written, which it handles.
   */
  private put(text: string, sync: boolean): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.failed !== undefined) return;
      try {
        if (text) await this.handle.write(text);
        if (sync) {
          await this.handle.datasync();
          this.unsynced = 0;
        }
      } catch (err) {
        this.failed = err;
      }
    });
    return this.writing;
  }
}

/** Reads and parses a journal; a damaged one is an EFORMAT error naming it. */
export async function readJournal(file: string): Promise<Journal> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw describeFsError(err, file, 'read');
  }
  try {
    return parseJournal(text, file);
  } catch (err) {
    if (err instanceof FormatError) throw new ChunkpressError(err.message, 'EFORMAT', file);
    throw err;
  }
}

/** A job that did not end, as its journal and partial file tell it. */
export interface InterruptedJob {
  journalPath: string;
  /** Undefined when the journal cannot be read (`problem` says why). */
  journal: Journal | undefined;
  problem: string | undefined;
  /** The partial file's size now (undefined if it is gone). */
  partialSize: number | undefined;
  /** When the journal was last written. */
  modifiedMs: number;
  /** Its process still runs it: not interrupted, only in progress. */
  running: boolean;
}

/** Whether process `pid` is alive (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The job of one journal file (undefined if it is gone). */
export async function interruptedJobAt(journalPath: string): Promise<InterruptedJob | undefined> {
  const file = path.resolve(journalPath);
  const stat = await fsp.stat(file).catch(() => undefined);
  if (!stat) return undefined;
  let journal: Journal | undefined;
  let problem: string | undefined;
  try {
    journal = await readJournal(file);
  } catch (err) {
    problem = (err as Error).message;
  }
  const partial = journal?.header.partial ?? file.replace(/\.journal$/, '.partial');
  const partialSize = (await fsp.stat(partial).catch(() => undefined))?.size;
  const running = journal !== undefined && journal.stopped === undefined && alive(journal.header.pid);
  return { journalPath: file, journal, problem, partialSize, modifiedMs: stat.mtimeMs, running };
}

/** The interrupted jobs whose journals are in `dir` (those of `target` only, when given). */
export async function findInterrupted(dir: string, target?: string): Promise<InterruptedJob[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw describeFsError(err, dir, 'read');
  }
  const jobs: InterruptedJob[] = [];
  for (const name of names.filter((n) => n.startsWith('.') && n.endsWith('.journal')).sort()) {
    const job = await interruptedJobAt(path.join(dir, name));
    if (!job) continue;
    // An unreadable journal is taken to be the target's only if its name says so.
    if (
      target !== undefined &&
      job.journal?.header.target !== path.resolve(target) &&
      (job.journal || !name.startsWith(`.${path.basename(target)}.`))
    )
      continue;
    jobs.push(job);
  }
  return jobs;
}

/** Removes a job's partial file and journal (discard, or a start over). */
export async function discardInterrupted(job: InterruptedJob): Promise<void> {
  const partial = job.journal?.header.partial ?? job.journalPath.replace(/\.journal$/, '.partial');
  await fsp.rm(partial, { force: true });
  await fsp.rm(job.journalPath, { force: true });
}
