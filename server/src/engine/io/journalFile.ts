/**
 * A job's journal on disk (format/jobJournal.ts): written as work is done (frames reach the partial
 * file, files are made), synced every few records and at each stage change, and read again after a
 * crash.
 */
import { writeSync, type Stats } from 'node:fs';
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
  type SourceFingerprint,
} from '../format/jobJournal';

/** Frames between two syncs of the journal: at 4 MiB chunks, at most about 16 MiB of work lost. */
const SYNC_EVERY = 4;
/** Lines written ahead (an extraction's files) between two syncs. */
const SYNC_EVERY_AHEAD = 256;

/** What a journal records of the file a job reads, to know it again. */
export const fingerprintOf = (file: string, stat: Stats): SourceFingerprint => ({
  path: path.resolve(file),
  size: stat.size,
  mtimeMs: stat.mtimeMs,
  ino: stat.ino,
  dev: stat.dev,
});

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

  /**
   * The journal of a resumed job: its header and the records of what is kept (lines that
   * format/jobJournal.ts makes), in place of what was there.
   */
  static async rewrite(file: string, header: JournalHeader, records: string): Promise<JournalWriter> {
    const temp = `${file}.rewrite`;
    try {
      await fsp.writeFile(temp, headerLine(header) + records, { mode: 0o600 });
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
    this.record(frameLine(frame));
  }

  /** Records one line of what is done (format/jobJournal.ts makes them), synced every few. */
  record(line: string): void {
    this.unsynced++;
    void this.put(line, this.unsynced >= SYNC_EVERY);
  }

  /**
   * Records a line before what it announces is made (an extraction names each file before it
   * creates it): written at once, synchronously, so that a kill right after still finds it; synced
   * in the background every few hundred. Not to be mixed with `record`.
   */
  recordNow(line: string): void {
    if (this.failed !== undefined) return;
    try {
      writeSync(this.handle.fd, line);
    } catch (err) {
      this.failed = err;
      return;
    }
    if (++this.unsynced >= SYNC_EVERY_AHEAD) void this.put('', true);
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
