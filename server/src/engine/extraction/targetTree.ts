/**
 * The target folder of an extraction, as the disk has it: folders made on demand (never through a
 * symlink already there), what already exists met by the overwrite policy, and a record of every
 * path the job creates, so that a cancel or a failure removes exactly those and nothing else. A
 * file that replaces an existing one is written beside it under a hidden name and renamed over it
 * only when the whole job has succeeded: until then, what was there stays.
 *
 * Calls are synchronous and short (one mkdir, one lstat): the job yields between batches of them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChunkpressError, describeFsError } from '../errors';
import { removeCaseProbes, throughFolders } from '../io/interruptedJobs';

/** Bytes a file of `size` takes on disk, at least: whole 4 KiB blocks. */
export const diskBytes = (size: number): number => Math.ceil(size / 4096) * 4096;

/** What to do with a member whose path exists: ask, replace, keep what is there, or stop the job. */
export type OverwritePolicy = 'ask' | 'replace' | 'skip' | 'stop';
export type OverwriteAnswer = 'replace' | 'skip' | 'replaceAll' | 'skipAll' | 'cancel';
/** Asked for each existing path while the policy is `ask`; `existing` says what it is. */
export type AskOverwrite = (conflict: {
  path: string;
  existing: 'file' | 'symlink' | 'other';
}) => Promise<OverwriteAnswer>;

/**
 * Where a member goes: `path` is written (maybe a hidden name, renamed over `final` at the end).
 * `resumed`: an interrupted run of this job made it, and what it holds is to be checked.
 */
export type Placement =
  | { kind: 'write'; path: string; final: string; fresh: boolean; resumed?: boolean }
  | { kind: 'kept' }
  | { kind: 'refused'; reason: string };

interface FolderMeta {
  abs: string;
  mode: number;
  mtime: number;
  owner?: { uid: number; gid: number };
}

export class TargetTree {
  /** Absolute paths this job created, in order (folders before what they hold). */
  private readonly created: Array<{ abs: string; folder: boolean }> = [];
  /** Folders (relative) this job made: nothing under them existed before, so nothing is checked. */
  private readonly made = new Set<string>(['']);
  /** Folders (relative) known to be real folders, made or found. */
  private readonly folders = new Set<string>(['']);
  /** Hidden files waiting to replace existing ones. */
  private readonly replacements: Array<{ temp: string; final: string }> = [];
  private readonly meta = new Map<string, FolderMeta>();
  /** Folders that existed, with their times: a cancel puts back the mtime that adding to them changed. */
  private readonly found = new Map<string, { atime: number; mtime: number }>();
  private tempCount = 0;
  /** Files an interrupted run of this job made (relative): they are its to check or write again. */
  private readonly resumed = new Set<string>();
  /** Told of each path this job creates, before the file is written (a folder: once it is made). */
  onCreate: ((made: { file?: string; folder?: string; temp?: string }) => void) | undefined;

  private constructor(
    readonly root: string,
    private policy: OverwritePolicy,
    private readonly ask: AskOverwrite | undefined,
    private readonly tag: string,
  ) {}

  /** Opens `target`, making it (and the folders above it) when missing. */
  static open(target: string, policy: OverwritePolicy, ask?: AskOverwrite): TargetTree {
    const absolute = path.resolve(target);
    const missing: string[] = [];
    for (let p = absolute; !fs.existsSync(p); p = path.dirname(p)) missing.unshift(p);
    for (const p of missing) {
      try {
        fs.mkdirSync(p);
      } catch (err) {
        throw describeFsError(err, p, 'create');
      }
    }
    let root: string;
    try {
      root = fs.realpathSync(absolute);
      if (!fs.statSync(root).isDirectory())
        throw new ChunkpressError(`"${target}" is not a folder: extraction needs one`, 'EINVAL', target);
    } catch (err) {
      throw describeFsError(err, target, 'create');
    }
    const tree = new TargetTree(root, policy, ask, `${process.pid.toString(36)}${Date.now().toString(36)}`);
    // The folders made above the target go with a cancel too; the target itself, when it existed, stays.
    for (const p of missing) tree.created.push({ abs: p, folder: true });
    if (missing.length === 0) {
      tree.made.delete('');
      tree.remember(root, fs.statSync(root));
    }
    return tree;
  }

  abs(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  /** Whether something is at `rel` in the target (a link is not followed). */
  exists(rel: string): boolean {
    return fs.lstatSync(this.abs(rel), { throwIfNoEntry: false }) !== undefined;
  }

  /** Whether the target's file system folds case: a file made under one name is found under another. */
  foldsCase(): boolean {
    const probe = path.join(this.root, `.chunkpress-case-${this.tag}`);
    try {
      fs.writeFileSync(probe, '', { flag: 'wx' });
      try {
        return fs.existsSync(path.join(this.root, `.CHUNKPRESS-CASE-${this.tag.toUpperCase()}`));
      } finally {
        fs.unlinkSync(probe);
      }
    } catch {
      return false;
    }
  }

  /**
   * Makes folder `rel` and those above it. A part of it that exists must be a real folder: one
   * that is a symlink is never followed (the archive would write where that leads).
   */
  folder(rel: string): string | undefined {
    if (this.folders.has(rel)) return undefined;
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      if (this.folders.has(sub)) continue;
      const abs = this.abs(sub);
      try {
        fs.mkdirSync(abs, 0o777);
        this.created.push({ abs, folder: true });
        this.made.add(sub);
        this.folders.add(sub);
        this.onCreate?.({ folder: sub });
        continue;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw describeFsError(err, abs, 'create');
      }
      const found = fs.lstatSync(abs);
      if (found.isSymbolicLink())
        return `"${sub}" is a symlink in the target folder, and nothing is written through one`;
      if (!found.isDirectory()) return `"${sub}" exists in the target folder and is not a folder`;
      this.folders.add(sub);
      this.remember(abs, found);
    }
    return undefined;
  }

  private remember(abs: string, stats: fs.Stats): void {
    this.found.set(abs, { atime: stats.atimeMs / 1000, mtime: stats.mtimeMs / 1000 });
  }

  /**
   * Folder `rel`'s mode and mtime, set once the job has succeeded (as tar does, on a folder that
   * existed too; a cancel leaves it untouched).
   */
  folderMeta(rel: string, mode: number, mtime: number, owner?: { uid: number; gid: number }): void {
    if (rel !== '') this.meta.set(rel, { abs: this.abs(rel), mode, mtime, owner });
  }

  /** Where member `rel` (a file or a link) is written, its parent made; by the policy when it exists. */
  async place(rel: string): Promise<Placement> {
    const slash = rel.lastIndexOf('/');
    const parent = slash < 0 ? '' : rel.slice(0, slash);
    const problem = this.folder(parent);
    if (problem) return { kind: 'refused', reason: problem };
    const final = this.abs(rel);
    if (!this.made.has(parent)) {
      let found: fs.Stats | undefined;
      try {
        found = fs.lstatSync(final);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw describeFsError(err, final, 'read');
      }
      if (found) {
        if (found.isDirectory()) return { kind: 'refused', reason: `a folder "${rel}" exists in the target folder` };
        if (this.resumed.has(rel) && found.isFile())
          return { kind: 'write', path: final, final, fresh: true, resumed: true };
        if (this.resumed.has(rel)) this.drop(final);
        else if (!(await this.replaces(rel, found))) return { kind: 'kept' };
        else {
          const temp = `${final.slice(0, final.length - (rel.length - slash - 1))}.${rel.slice(slash + 1)}.chunkpress-${this.tag}-${this.tempCount++}`;
          this.replacements.push({ temp, final });
          this.created.push({ abs: temp, folder: false });
          this.onCreate?.({ temp });
          return { kind: 'write', path: temp, final, fresh: false };
        }
      }
    }
    this.created.push({ abs: final, folder: false });
    this.onCreate?.({ file: rel });
    return { kind: 'write', path: final, final, fresh: true };
  }

  /**
   * What an interrupted run of this job created: its folders and files are this job's (a cancel
   * removes them too), its files are met again as its own, not as existing ones, and its hidden
   * replacements go (those members are placed again).
   */
  adopt(made: { files: readonly string[]; folders: readonly string[]; temps: readonly string[] }): void {
    removeCaseProbes(this.root);
    // Never through a symlink: the target may have changed since.
    for (const temp of made.temps) if (throughFolders(this.root, path.relative(this.root, temp))) this.drop(temp);
    for (const rel of [...made.folders].sort((a, b) => a.length - b.length)) {
      const abs = this.abs(rel);
      const found = fs.lstatSync(abs, { throwIfNoEntry: false });
      if (!found?.isDirectory()) continue;
      this.created.push({ abs, folder: true });
      this.folders.add(rel);
    }
    for (const rel of made.files) {
      this.resumed.add(rel);
      this.created.push({ abs: this.abs(rel), folder: false });
    }
  }

  /** Removes a file this job (or its interrupted run) made, to make it again. */
  private drop(abs: string): void {
    try {
      fs.unlinkSync(abs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw describeFsError(err, abs, 'write');
    }
  }

  private async replaces(rel: string, found: fs.Stats): Promise<boolean> {
    if (this.policy === 'replace') return true;
    if (this.policy === 'skip') return false;
    if (this.policy === 'stop') throw new ChunkpressError(`"${this.abs(rel)}" already exists`, 'EEXIST', this.abs(rel));
    const existing = found.isFile() ? 'file' : found.isSymbolicLink() ? 'symlink' : 'other';
    const answer = this.ask ? await this.ask({ path: this.abs(rel), existing }) : 'cancel';
    if (answer === 'cancel') throw new ChunkpressError('Cancelled', 'ECANCELED');
    if (answer === 'replaceAll') this.policy = 'replace';
    if (answer === 'skipAll') this.policy = 'skip';
    return answer === 'replace' || answer === 'replaceAll';
  }

  /**
   * The job has succeeded: the replacements go over what they replace, then the folders get their
   * modes and mtimes, the deepest first (writing into a folder changes its mtime).
   */
  commit(sameOwner: boolean): void {
    for (const { temp, final } of this.replacements) {
      try {
        fs.renameSync(temp, final);
      } catch (err) {
        throw describeFsError(err, final, 'write');
      }
    }
    this.replacements.length = 0;
    const folders = [...this.meta.values()].sort((a, b) => b.abs.length - a.abs.length);
    for (const f of folders) {
      try {
        if (sameOwner && f.owner) fs.chownSync(f.abs, f.owner.uid, f.owner.gid);
        fs.chmodSync(f.abs, f.mode);
        fs.utimesSync(f.abs, f.mtime, f.mtime);
      } catch (err) {
        throw describeFsError(err, f.abs, 'write');
      }
    }
    this.created.length = 0;
  }

  /** Removes everything this job created (files, links, hidden replacements, folders), and only that. */
  rollback(): void {
    for (let i = this.created.length - 1; i >= 0; i--) {
      const { abs, folder } = this.created[i];
      try {
        if (folder) fs.rmdirSync(abs);
        else fs.unlinkSync(abs);
      } catch {
        // Gone already, or a folder that someone else put something in meanwhile: left as it is.
      }
    }
    this.created.length = 0;
    for (const [abs, { atime, mtime }] of this.found) {
      try {
        fs.utimesSync(abs, atime, mtime);
      } catch {
        // Gone meanwhile: nothing to put back.
      }
    }
  }
}
