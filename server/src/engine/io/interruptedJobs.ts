/**
 * Jobs that did not end, found by their journals: where they are, whether their process still runs
 * them, how far they got, and removing one (its partial file, or what an extraction created).
 */
import * as fs from 'node:fs';
import type { Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { ChunkpressError, describeFsError } from '../errors';
import { journalProgress, type Journal, type JournalHeader, type SourceFingerprint } from '../format/jobJournal';
import { readJournal } from './journalFile';

/** A job that did not end, as its journal and partial file tell it. */
export interface InterruptedJob {
  journalPath: string;
  /** Undefined when the journal cannot be read (`problem` says why). */
  journal: Journal | undefined;
  problem: string | undefined;
  /** The partial file's size now (undefined if it is gone, or for an extraction). */
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

/** The partial file a job writes (an extraction writes into its target instead). */
export const partialOf = (header: JournalHeader): string | undefined =>
  header.job === 'extract' ? undefined : header.partial;

/** The job of one journal file (undefined if it is gone). */
export async function interruptedJobAt(journalPath: string): Promise<InterruptedJob | undefined> {
  const file = path.resolve(journalPath);
  const stat = await fsp.stat(file).catch(() => undefined);
  if (!stat) return undefined;
  let journal: Journal | undefined;
  let problem: string | undefined;
  try {
    journal = await readJournal(file);
    problem = misplaced(file, journal.header, journal.made.temps);
  } catch (err) {
    problem = (err as Error).message;
  }
  // Only a journal that describes a job of its own folder is acted on: one that names a partial
  // file elsewhere, or another target, would have a discard remove what is not its.
  if (problem !== undefined) journal = undefined;
  const partial = journal ? partialOf(journal.header) : file.replace(/\.journal$/, '.partial');
  const partialSize = partial === undefined ? undefined : (await fsp.stat(partial).catch(() => undefined))?.size;
  const running = journal !== undefined && journal.stopped === undefined && alive(journal.header.pid);
  return { journalPath: file, journal, problem, partialSize, modifiedMs: stat.mtimeMs, running };
}

/** Why a journal cannot be the one its job wrote where it is (undefined when it can). */
function misplaced(file: string, header: JournalHeader, temps: readonly string[]): string | undefined {
  const dir = path.dirname(file);
  if (header.job !== 'extract') {
    const beside = file.replace(/\.journal$/, '.partial');
    // A job given a relative output recorded its partial file relative to where it ran.
    const named = path.isAbsolute(header.partial) ? header.partial : path.join(dir, header.partial);
    if (path.basename(named) !== path.basename(beside) || (path.isAbsolute(header.partial) && named !== beside))
      return `"${file}" names a partial file that is not beside it ("${header.partial}")`;
    header.partial = beside;
    return undefined;
  }
  if (header.target !== dir) return `"${file}" is in "${dir}", not in the folder it names ("${header.target}")`;
  const stray = temps.find(
    (t) => !t.startsWith(`${dir}/`) || !/^\..*\.chunkpress-[0-9a-z]+-\d+$/.test(path.basename(t)),
  );
  return stray === undefined
    ? undefined
    : `"${file}" names a hidden file that is not one of an extraction ("${stray}")`;
}

/** Which of a folder's journals are wanted: those of one job kind making one target. */
export interface JobFilter {
  job: JournalHeader['job'];
  target: string;
  /** Only a job of this source (an extraction of another archive into the same folder is another job). */
  source?: string;
  /** How an unreadable journal of that target's is named (it is taken to be the target's if so). */
  prefix: string;
}

/** The interrupted jobs whose journals are in `dir` (only those `filter` picks, when given). */
export async function findInterrupted(dir: string, filter?: JobFilter): Promise<InterruptedJob[]> {
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
    if (filter) {
      const header = job.journal?.header;
      const ours = header
        ? header.job === filter.job &&
          header.target === path.resolve(filter.target) &&
          (filter.source === undefined || path.resolve(header.source.path) === path.resolve(filter.source))
        : name.startsWith(filter.prefix);
      if (!ours) continue;
    }
    jobs.push(job);
  }
  return jobs;
}

/**
 * The interrupted job of `filter`'s target that a new job of it meets: undefined when there is
 * none or `resume` is 'discard' (all are removed); else the newest (the others removed). Without a
 * decision, EINTERRUPTED says how far it got and how to go on.
 */
export async function meetInterrupted(
  resume: 'resume' | 'discard' | undefined,
  dir: string,
  filter: JobFilter,
): Promise<InterruptedJob | undefined> {
  const found = (await findInterrupted(dir, filter)).filter((j) => !j.running);
  if (found.length === 0) return undefined;
  const newest = [...found].sort((a, b) => b.modifiedMs - a.modifiedMs)[0];
  if (resume === undefined) throw interruptedError(filter.target, newest);
  for (const other of found) if (resume === 'discard' || other !== newest) await discardInterrupted(other);
  return resume === 'discard' ? undefined : newest;
}

/**
 * Removes a job's partial file and journal (discard, or a start over); for an extraction, the
 * files, links and hidden replacements it created, and its folders that are empty then.
 */
export async function discardInterrupted(job: InterruptedJob): Promise<void> {
  const header = job.journal?.header;
  if (header?.job === 'extract') {
    const { files, temps, folders } = job.journal!.made;
    const root = header.target;
    removeCaseProbes(root);
    // Never through a symlink: what is in the target may have changed since.
    const under = (rel: string): string | undefined => (throughFolders(root, rel) ? path.join(root, rel) : undefined);
    for (const rel of files) {
      const abs = under(rel);
      if (abs) await fsp.rm(abs, { force: true });
    }
    for (const temp of temps) {
      const abs = under(path.relative(root, temp));
      if (abs) await fsp.rm(abs, { force: true });
    }
    // The deepest first; a folder that holds anything else now stays.
    for (const rel of [...folders].sort((a, b) => b.length - a.length)) {
      const abs = under(rel);
      if (abs && fs.lstatSync(abs, { throwIfNoEntry: false })?.isDirectory()) removeEmptyFolders(abs);
    }
  } else {
    // Its partial file is beside it (interruptedJobAt refuses a journal that names another).
    await fsp.rm(job.journalPath.replace(/\.journal$/, '.partial'), { force: true });
  }
  await fsp.rm(job.journalPath, { force: true });
}

/** The probe an extraction writes in its target to learn whether names fold case (targetTree.ts). */
export const CASE_PROBE = /^\.chunkpress-case-[0-9a-z]+$/;

/** Removes the case probes a killed extraction left in `root`. */
export function removeCaseProbes(root: string): void {
  for (const name of fs.readdirSync(root).filter((n) => CASE_PROBE.test(n)))
    fs.rmSync(path.join(root, name), { force: true });
}

/** Whether every folder on the way from `root` to `rel` is a real folder (none a symlink). */
export function throughFolders(root: string, rel: string): boolean {
  const parts = rel.split('/');
  let at = root;
  for (const part of parts.slice(0, -1)) {
    at = path.join(at, part);
    if (!fs.lstatSync(at, { throwIfNoEntry: false })?.isDirectory()) return false;
  }
  return true;
}

/**
 * Removes the folder at `abs` if nothing but empty folders is in it. Inside a folder the job made,
 * every folder is the job's, even one made just before a kill kept it from the journal.
 */
function removeEmptyFolders(abs: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(abs, { withFileTypes: true });
  } catch {
    return; // gone, or not a folder
  }
  for (const e of entries) if (e.isDirectory()) removeEmptyFolders(path.join(abs, e.name));
  try {
    fs.rmdirSync(abs);
  } catch {
    // Not empty: what is in it stays.
  }
}

/**
 * ECHANGED when `archive` is not the file it was when its `job` ("decompression", "extraction")
 * into `target` was interrupted (its size, mtime or inode); `how` says how to start over.
 */
export function refuseChangedArchive(
  archive: { path: string; stat: Stats },
  was: SourceFingerprint,
  job: string,
  target: string,
  how: string,
): void {
  const { stat } = archive;
  if (was.size === stat.size && was.mtimeMs === stat.mtimeMs && was.ino === stat.ino) return;
  const what =
    was.size !== stat.size ? `${was.size} bytes then, ${stat.size} now` : 'its modification time or inode differ';
  throw new ChunkpressError(
    `"${archive.path}" changed since its ${job} into "${target}" was interrupted (${what}): what was written is not going on from it ${how}`,
    'ECHANGED',
    target,
  );
}

/**
 * Opens an interrupted job's partial file to check it; EFORMAT when it is gone. `job` names the
 * job in the message ("The interrupted decompression into …"), `how` says how to start over.
 */
export async function openPartial(partial: string, job: string, target: string, how: string): Promise<fsp.FileHandle> {
  try {
    return await fsp.open(partial, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ChunkpressError(
        `${job} cannot be resumed: its partial file "${partial}" is gone ${how}`,
        'EFORMAT',
        target,
      );
    throw describeFsError(err, partial, 'read');
  }
}

/** "…was interrupted at 45% (12 of 27 chunks), 3 minutes ago." */
export function interruptedError(target: string, job: InterruptedJob): ChunkpressError {
  return new ChunkpressError(`"${target}" ${describeInterrupted(job)}`, 'EINTERRUPTED', target);
}

/** How far an interrupted job got, and when it stopped. */
export function describeInterrupted(job: InterruptedJob, now = Date.now()): string {
  const ago = formatAge(now - job.modifiedMs);
  if (!job.journal) return `has an interrupted job whose journal cannot be read (${job.problem}), ${ago}`;
  const { done, total, unit } = journalProgress(job.journal);
  const units = (n: number): string => `${unit}${n === 1 ? '' : 's'}`;
  // A folder's total is known once its walk is over.
  if (total < done || total === 0) return `was interrupted after ${done} ${units(done)}, ${ago}`;
  const pct = Math.floor((100 * done) / total);
  return `was interrupted at ${pct}% (${done} of ${total} ${units(total)}), ${ago}`;
}

/** "just now", "3 minutes ago", "8 days ago". */
export function formatAge(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 90) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 36) return `${hours} hours ago`;
  return `${Math.round(hours / 24)} days ago`;
}
