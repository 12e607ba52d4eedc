/**
 * The rules that keep an extraction inside its target folder, whatever the archive says. An archive
 * from elsewhere is hostile (docs/EXTRACTION.md lists the attacks these rules answer, most of them
 * from node-tar's and GNU tar's security history). Pure: members in, verdicts out, no I/O; what
 * the disk already holds is judged by targetTree.ts.
 *
 * Members are judged in archive order. Symlinks are created only after every file has been
 * written, so nothing is ever written through one the archive made; what remains is to refuse
 * paths that would need to, and link targets that lead out.
 */
import { memberParts } from '../tar/memberSelection';

export interface SafetyOptions {
  /** The target's file system folds case (macOS, Windows): names equal but for case collide. */
  caseInsensitive: boolean;
  /** Keep setuid and setgid bits (otherwise dropped, with a warning). */
  keepSetuid: boolean;
}

/** What the rules need of a member: its headers' word on it. */
export interface MemberClaim {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
  /** The tar type flag, for naming what an `other` is. */
  typeFlag?: string;
  mode: number;
  link: string | null;
}

export type Verdict =
  /** `path`: normalized ('' for the target folder itself); `mode`: what to give it; `link`: a hard link's target, normalized. */
  { ok: true; path: string; mode: number; link: string | null; warning?: string } | { ok: false; reason: string };

const SETID = 0o6000;

/** Splits an archive path into its components, or says why it may not be used. */
export function pathComponents(path: string): string[] | string {
  if (path.includes('\0')) return 'its name holds a NUL byte';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.startsWith('\\\\'))
    return `its path "${path}" is absolute`;
  const parts = memberParts(path);
  // Any "..": GNU tar refuses them too. One that stays inside is never needed by an honest
  // archive, and judging whether it does would depend on the symlinks along the way.
  if (parts.includes('..')) return `its path "${path}" holds ".."`;
  return parts;
}

const TYPE_NAMES: Record<string, string> = {
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
  S: 'a GNU sparse file',
};

export class PathRules {
  /** Every accepted member by its key (folded when the file system folds case): its exact path and type. */
  private readonly accepted = new Map<string, { path: string; type: MemberClaim['type'] }>();
  /** Keys of accepted symlinks. */
  private readonly symlinks = new Set<string>();

  /**
   * The folder the last member checked is in, its ancestors found clear. Only members under it have
   * been accepted since, and none of them is one of its ancestors: its next member needs no new look
   * (in a tree's sorted order, most members follow a sibling).
   */
  private clearedParent: string | undefined;

  constructor(private readonly options: SafetyOptions) {}

  private key(path: string): string {
    return this.options.caseInsensitive ? path.normalize('NFC').toLowerCase() : path;
  }

  /** Judges the next member of the archive. */
  check(member: MemberClaim): Verdict {
    const refuse = (reason: string): Verdict => ({ ok: false, reason });
    if (member.type === 'other')
      return refuse(
        `it is ${TYPE_NAMES[member.typeFlag ?? ''] ?? `of tar type "${member.typeFlag ?? '?'}"`}, which is never extracted`,
      );
    const parts = pathComponents(member.path);
    if (typeof parts === 'string') return refuse(parts);
    const path = parts.join('/');
    if (path === '') {
      // "./": the target folder itself, which the archive does not get to change.
      return member.type === 'directory'
        ? { ok: true, path, mode: member.mode, link: null }
        : refuse('it has no name of its own');
    }
    const parent = parts.length > 1 ? path.slice(0, path.length - parts[parts.length - 1].length - 1) : '';
    if (parent !== this.clearedParent) {
      this.clearedParent = undefined;
      for (let i = 1; i < parts.length; i++) {
        const above = this.accepted.get(this.key(parts.slice(0, i).join('/')));
        if (above?.type === 'symlink') return refuse(`it lies under the symlink "${above.path}"`);
        if (above && above.type !== 'directory') return refuse(`it lies under "${above.path}", which is not a folder`);
      }
      this.clearedParent = parent;
    }
    const key = this.key(path);
    const earlier = this.accepted.get(key);
    if (earlier) {
      if (earlier.path !== path)
        return refuse(`it collides with "${earlier.path}" on this case-insensitive file system`);
      if (earlier.type !== 'directory' || member.type !== 'directory')
        return refuse('the archive holds it twice; the first is kept');
    }
    let link: string | null = null;
    if (member.type === 'hardlink') {
      const target = pathComponents(member.link ?? '');
      if (typeof target === 'string') return refuse(`it is a hard link, and ${target.replace(/^its/, 'its target')}`);
      link = target.join('/');
      const to = this.accepted.get(this.key(link));
      if (to?.type !== 'file' && to?.type !== 'hardlink')
        return refuse(`it is a hard link to "${member.link}", which is not a file this archive extracts`);
      link = to.path;
    }
    if (member.type === 'symlink') {
      // Itself among the symlinks first: "self -> self/.." goes through itself.
      this.symlinks.add(key);
      const why = this.symlinkEscape(parts, member.link ?? '');
      if (why) {
        this.symlinks.delete(key);
        return refuse(why);
      }
      link = member.link;
    }
    this.accepted.set(key, { path, type: member.type });
    let mode = member.mode & 0o7777;
    let warning: string | undefined;
    if (mode & SETID && !this.options.keepSetuid && member.type !== 'directory') {
      warning = `its ${mode & 0o4000 ? 'setuid' : 'setgid'} bit was dropped`;
      mode &= ~SETID;
    }
    return { ok: true, path, mode, link, warning };
  }

  /**
   * Why a symlink at `parts` to `target` would lead outside the target folder: an absolute
   * target, a ".." above the top, or a ".." taken from inside another symlink of the archive (where
   * the words no longer say where it goes). Undefined when it stays inside.
   */
  symlinkEscape(parts: readonly string[], target: string): string | undefined {
    if (target === '') return 'it is a symlink with no target';
    if (target.includes('\0')) return 'its target holds a NUL byte';
    if (target.startsWith('/') || /^[A-Za-z]:/.test(target))
      return `it is a symlink to the absolute path "${target}", outside the target folder`;
    const stack = parts.slice(0, -1);
    for (const step of target.split('/')) {
      if (step === '' || step === '.') continue;
      if (step !== '..') {
        stack.push(step);
        continue;
      }
      if (stack.length === 0) return `it is a symlink to "${target}", which leads outside the target folder`;
      for (let i = 1; i <= stack.length; i++)
        if (this.symlinks.has(this.key(stack.slice(0, i).join('/'))))
          return `it is a symlink to "${target}", whose ".." is taken inside the symlink "${stack.slice(0, i).join('/')}"`;
      stack.pop();
    }
    return undefined;
  }

  /**
   * Judges each accepted symlink again once the whole archive is known: a symlink the archive
   * adds later may change where an earlier one's ".." leads. Returns the paths to drop, with why.
   */
  recheckSymlinks(links: ReadonlyArray<{ path: string; link: string }>): Array<{ path: string; reason: string }> {
    const dropped: Array<{ path: string; reason: string }> = [];
    for (const { path, link } of links) {
      const why = this.symlinkEscape(path.split('/'), link);
      if (why) dropped.push({ path, reason: why });
    }
    return dropped;
  }
}
