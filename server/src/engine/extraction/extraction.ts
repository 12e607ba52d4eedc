/**
 * One extraction's decisions, shared by its two ways of getting content (frames in parallel for an
 * archive with its own index, one pass for any other tar): which members go where, under the path
 * rules (pathSafety.ts) and against the disk (targetTree.ts); links made once every file is in;
 * and what is said at the end (counts, refusals, warnings).
 */
import * as fs from 'node:fs';
import { ChunkpressError, describeFsError } from '../errors';
import type { ManifestMember } from '../format/memberIndex';
import type { TarRecord } from '../format/tarReader';
import { memberSelection } from '../tar/memberSelection';
import { PathRules, pathComponents } from './pathSafety';
import type { AskOverwrite, OverwritePolicy, TargetTree } from './targetTree';

export interface ExtractOptions {
  /** What to do where a member's path exists (default: stop the job, naming it). */
  overwrite?: OverwritePolicy;
  ask?: AskOverwrite;
  /** Keep setuid and setgid bits (tar's --preserve-permissions for them). */
  keepSetuid?: boolean;
  /** Give members their owners (only when running as root, as tar's --same-owner). */
  sameOwner?: boolean;
  /** Judge names as a case-folding file system would; probed on the target when not given. */
  caseInsensitive?: boolean;
  /** Only these members (a folder stands for everything under it), by their archive paths. */
  members?: string[];
  /**
   * A folder of the archive whose content goes at the top of the target (its own path is dropped
   * from its members'): what "extract this folder there" means in the Members tree.
   */
  base?: string;
}

/** A member as both ways of reading read it: from the index, or from its tar headers (with their type flag). */
export type MemberFacts = Pick<
  ManifestMember,
  'path' | 'mode' | 'size' | 'mtime' | 'mtimeNs' | 'uid' | 'gid' | 'link'
> &
  Pick<TarRecord, 'type'> &
  Partial<Pick<TarRecord, 'typeFlag'>>;

/** A file to write: where (`path`, maybe a hidden name until the end), and what it gets once written. */
export interface FileAction {
  path: string;
  /** Where it ends up, for messages. */
  final: string;
  rel: string;
  size: number;
  mode: number;
  mtime: number;
  owner?: { uid: number; gid: number };
  /** An interrupted run of this job made it: what it holds is checked, and written again only if wrong. */
  resumed?: boolean;
}

export interface Refusal {
  member: string;
  reason: string;
}

/** Refusals for want of space made before the disk is full (declared sizes): nothing is kept. */
const spaceRefusals = new WeakSet<Error>();

export function spaceRefusal(message: string, target: string): ChunkpressError {
  const err = new ChunkpressError(message, 'ENOSPC', target);
  spaceRefusals.add(err);
  return err;
}

/** A full disk met while writing, as opposed to a size refused up front. */
export const diskFull = (err: unknown): boolean =>
  (err as ChunkpressError).code === 'ENOSPC' && !(err instanceof Error && spaceRefusals.has(err));

/** Normalizes an archive path for matching: no "./", no trailing slash; undefined if it is unsafe. */
function plainPath(path: string): string | undefined {
  const parts = pathComponents(path);
  return typeof parts === 'string' ? undefined : parts.join('/');
}

export class Extraction {
  files = 0;
  folders = 0;
  links = 0;
  /** Members left as they were because their path exists (skip policy or answer). */
  kept = 0;
  /** Of `files`, those an interrupted run of this job had written that checked out, and were kept. */
  resumedFiles = 0;
  readonly refused: Refusal[] = [];
  readonly warnings: string[] = [];
  private readonly rules: PathRules;
  private readonly sameOwner: boolean;
  private readonly wanted: ((path: string) => boolean) | undefined;
  private readonly base: string | undefined;
  /** Files written so far by their (target-relative) path: where a hard link to one links. */
  private readonly written = new Map<string, string>();
  private readonly hardlinks: Array<{ member: string; rel: string; target: string }> = [];
  private readonly symlinks: Array<{
    member: string;
    rel: string;
    link: string;
    mtime: number;
    owner?: FileAction['owner'];
  }> = [];

  constructor(
    readonly tree: TargetTree,
    options: ExtractOptions,
  ) {
    this.rules = new PathRules({
      caseInsensitive: options.caseInsensitive ?? tree.foldsCase(),
      keepSetuid: options.keepSetuid === true,
    });
    this.sameOwner = options.sameOwner === true && process.getuid?.() === 0;
    this.wanted = options.members && memberSelection(options.members);
    const base = options.base === undefined ? undefined : plainPath(options.base);
    this.base = base === '' ? undefined : base;
  }

  /** Member `path` as it goes into the target ('' for the top), or undefined when it is not wanted. */
  private mapped(path: string): string | undefined {
    if (this.wanted === undefined && this.base === undefined) return path;
    const plain = plainPath(path);
    if (plain === undefined) return undefined;
    if (this.wanted && !this.wanted(plain)) return undefined;
    if (this.base === undefined) return plain;
    if (plain === this.base) return '';
    return plain.startsWith(`${this.base}/`) ? plain.slice(this.base.length + 1) : undefined;
  }

  /** Whether member `path` is among those wanted (a hard link's target outside them is copied instead). */
  wants(path: string): boolean {
    return this.mapped(path) !== undefined;
  }

  private refuse(member: string, reason: string): undefined {
    this.refused.push({ member, reason });
    return undefined;
  }

  /**
   * Takes the next member: a folder is made now, a link is kept for the end, and a file gets its
   * place (returned; its content is the caller's to write).
   */
  async admit(m: MemberFacts): Promise<FileAction | undefined> {
    const into = this.mapped(m.path);
    if (into === undefined) return undefined;
    const linkInto = m.type === 'hardlink' && m.link !== null ? (this.mapped(m.link) ?? m.link) : m.link;
    const verdict = this.rules.check({ ...m, path: into, link: linkInto });
    if (!verdict.ok) return this.refuse(m.path, verdict.reason);
    if (verdict.warning) this.warnings.push(`${m.path}: ${verdict.warning}`);
    const mtime = m.mtime + m.mtimeNs / 1e9;
    const owner = this.sameOwner ? { uid: m.uid, gid: m.gid } : undefined;
    const rel = verdict.path;
    if (m.type === 'directory') {
      if (rel === '') return undefined;
      const problem = this.tree.folder(rel);
      if (problem) return this.refuse(m.path, problem);
      this.tree.folderMeta(rel, verdict.mode, mtime, owner);
      this.folders++;
      return undefined;
    }
    if (m.type === 'symlink') {
      // Made at the end, after every file: nothing is ever written through a link the archive made.
      this.symlinks.push({ member: m.path, rel, link: verdict.link!, mtime, owner });
      return undefined;
    }
    if (m.type === 'hardlink') {
      this.hardlinks.push({ member: m.path, rel, target: verdict.link! });
      return undefined;
    }
    const place = await this.tree.place(rel);
    if (place.kind === 'refused') return this.refuse(m.path, place.reason);
    if (place.kind === 'kept') {
      this.kept++;
      return undefined;
    }
    this.written.set(rel, place.path);
    this.files++;
    return {
      path: place.path,
      final: place.final,
      rel,
      size: m.size,
      mode: verdict.mode,
      mtime,
      owner,
      ...(place.resumed && { resumed: true }),
    };
  }

  /**
   * Every file is written: hard links to them, then the symlinks, each judged again now that
   * every symlink of the archive is known.
   */
  async finishLinks(): Promise<void> {
    for (const h of this.hardlinks) {
      const target = this.written.get(h.target);
      if (target === undefined) {
        // Its target was left as it was: so is the link, if it is there.
        if (this.tree.exists(h.rel)) this.kept++;
        else this.refuse(h.member, `it is a hard link to "${h.target}", which was not extracted`);
        continue;
      }
      const place = await this.tree.place(h.rel);
      if (place.kind === 'refused') this.refuse(h.member, place.reason);
      else if (place.kind === 'kept') this.kept++;
      else {
        try {
          // An interrupted run's link is made again: a hard link cannot be told from a copy.
          if (place.resumed) fs.rmSync(place.path, { force: true });
          fs.linkSync(target, place.path);
        } catch (err) {
          throw describeFsError(err, place.final, 'create');
        }
        this.written.set(h.rel, place.path);
        this.links++;
      }
    }
    const dropped = new Map(
      this.rules
        .recheckSymlinks(this.symlinks.map((s) => ({ path: s.rel, link: s.link })))
        .map((d) => [d.path, d.reason]),
    );
    for (const s of this.symlinks) {
      const reason = dropped.get(s.rel);
      if (reason) {
        this.refuse(s.member, reason);
        continue;
      }
      const place = await this.tree.place(s.rel);
      if (place.kind === 'refused') this.refuse(s.member, place.reason);
      else if (place.kind === 'kept') this.kept++;
      else {
        try {
          fs.symlinkSync(s.link, place.path);
          if (s.owner) fs.lchownSync(place.path, s.owner.uid, s.owner.gid);
          fs.lutimesSync(place.path, s.mtime, s.mtime);
        } catch (err) {
          throw describeFsError(err, place.final, 'create');
        }
        this.links++;
      }
    }
  }

  /** The job has succeeded: replacements go over what they replace, folders get their mtimes. */
  commit(): void {
    this.tree.commit(this.sameOwner);
  }
}

/** Gives a file written in pieces its mode, owner and mtime, once the last piece is in. */
export function finishFile(file: FileAction): void {
  try {
    if (file.owner) fs.chownSync(file.path, file.owner.uid, file.owner.gid);
    fs.chmodSync(file.path, file.mode);
    fs.utimesSync(file.path, file.mtime, file.mtime);
  } catch (err) {
    throw describeFsError(err, file.final, 'write');
  }
}
