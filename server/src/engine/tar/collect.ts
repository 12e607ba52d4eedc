/**
 * What goes into a tar of folders and files, found as it is needed: each root, then depth first,
 * each folder's entries in the order of their names' bytes (as `tar --sort=name` has them), so
 * that the archive does not depend on the file system's order and compression can start on the
 * first members while the walk goes on. Symlinks are stored as links, never followed; a second
 * name of a file already stored becomes a hard link to the first; sockets, FIFOs and devices are
 * skipped, each named in a warning, as is anything that vanished or could not be read meanwhile.
 *
 * The calls are synchronous (lstat is 3 us so, 10-25 us through the thread pool's promises: on two
 * cores the walk's CPU is taken from compression), in steps of a few hundred entries between
 * which the caller turns the event loop, so that the process still answers while it runs. The walk
 * is a loop over a stack of open folders, not nested generators: a value yielded through ten
 * levels of `yield*` costs ten promises.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { cancelled, describeFsError } from '../errors';
import type { TarEntry } from '../format/tarHeader';
import { ownerNames, type OwnerNames } from './ownerNames';

/** A tree or file to pack, and the name its members are stored under (`name/...`). */
export interface TarRoot {
  path: string;
  name: string;
}

export interface CollectedEntry extends TarEntry {
  /** Where its content is read from (files), on disk. */
  source: string;
}

export interface CollectOptions {
  /** Leave out what the .gitignore files of the trees leave out (and the .git folders). */
  respectGitignore: boolean;
  /** Patterns in .gitignore syntax, matched against paths inside each root. */
  exclude: readonly string[];
  signal?: AbortSignal;
  /** Entries found so far, now and then. */
  onProgress?: (found: number) => void;
  /** Paths (absolute) to leave out without a word, such as the archive being written. */
  skip?: (abs: string) => boolean;
  /** Owner and group names by id (injected in tests); read from /etc/passwd and /etc/group. */
  owners?: OwnerNames;
}

/** What the walk found besides the entries, complete once it has ended. */
export interface WalkTally {
  /** Each naming what was left out and why. */
  warnings: string[];
  files: number;
  folders: number;
  /** Content bytes of the files. */
  bytes: number;
}

export interface Collection extends WalkTally {
  entries: CollectedEntry[];
}

/** A folder's .gitignore, with the folder its patterns are relative to. */
interface Rules {
  dir: string;
  matcher: Ignore;
}

/** Entries a step of the walk returns at most: between two turns of the event loop. */
export const ENTRIES_PER_STEP = 512;

/** Every entry, in archive order (for tests and small trees; compression walks as it goes). */
export async function collectTree(roots: readonly TarRoot[], options: CollectOptions): Promise<Collection> {
  const tally: WalkTally = { warnings: [], files: 0, folders: 0, bytes: 0 };
  const entries: CollectedEntry[] = [];
  const walk = await TreeWalk.start(roots, options, tally);
  while (!walk.ended) {
    entries.push(...walk.step());
    await turn();
  }
  return { entries, ...tally };
}

export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A folder being walked: its sorted names, and how far the walk is through them. */
interface OpenFolder {
  abs: string;
  rel: string;
  root: TarRoot;
  names: string[];
  next: number;
  rules: readonly Rules[];
}

/**
 * The entries in archive order, a step at a time: each step is synchronous and returns up to
 * ENTRIES_PER_STEP of them (fewer, maybe none, when it looked at many names that are left out), so
 * that the caller turns the event loop between steps. `tally` is filled in as they come.
 */
export class TreeWalk {
  ended = false;
  private readonly stack: OpenFolder[] = [];
  private nextRoot = 0;
  /** The first name of each file with several, by device and inode. */
  private readonly firstNames = new Map<string, string>();
  private found = 0;
  private readonly excluded: Ignore | undefined;

  private constructor(
    private readonly roots: readonly TarRoot[],
    private readonly options: CollectOptions,
    private readonly tally: WalkTally,
    private readonly owners: OwnerNames,
  ) {
    // No patterns, no matcher: asking an empty one costs 5 us a path.
    this.excluded = options.exclude.length > 0 ? ignore().add([...options.exclude]) : undefined;
  }

  static async start(roots: readonly TarRoot[], options: CollectOptions, tally: WalkTally): Promise<TreeWalk> {
    return new TreeWalk(roots, options, tally, options.owners ?? (await ownerNames()));
  }

  /** The next entries; once `ended`, the walk has found everything and `tally` is complete. */
  step(): CollectedEntry[] {
    const out: CollectedEntry[] = [];
    if (this.options.signal?.aborted) throw cancelled();
    const { options } = this;
    let looked = 0;
    while (out.length < ENTRIES_PER_STEP && looked < 4 * ENTRIES_PER_STEP) {
      const folder = this.stack.at(-1);
      if (!folder) {
        if (!this.nextEntryOfRoots(out)) {
          this.end();
          break;
        }
        continue;
      }
      if (folder.next >= folder.names.length) {
        this.stack.pop();
        continue;
      }
      looked++;
      const name = folder.names[folder.next++];
      const childRel = folder.rel === '' ? name : `${folder.rel}/${name}`;
      const childAbs = folder.abs.endsWith(path.sep) ? folder.abs + name : folder.abs + path.sep + name;
      if (options.respectGitignore && name === '.git') continue;
      if (options.skip?.(childAbs)) continue;
      if (this.excluded && excludedBy(this.excluded, childRel, childAbs)) continue;
      if (options.respectGitignore && ignoredByRules(folder.rules, childRel, childAbs)) continue;
      const child = this.entryOf(childAbs, stored(folder.root, childRel));
      if (!child) continue;
      this.emit(out, child);
      if (child.type === 'directory') this.open(child, childAbs, childRel, folder.root, folder.rules);
    }
    return out;
  }

  /** The next root's own entry; false once there are no more roots. */
  private nextEntryOfRoots(out: CollectedEntry[]): boolean {
    const root = this.roots[this.nextRoot++];
    if (!root) return false;
    const abs = path.resolve(root.path);
    // What was asked for must be there (tar fails too); what vanishes below it is a warning.
    try {
      fs.lstatSync(abs);
    } catch (err) {
      throw describeFsError(err, root.path, 'read');
    }
    const entry = this.entryOf(abs, root.name);
    if (entry) {
      this.emit(out, entry);
      if (entry.type === 'directory') this.open(entry, abs, '', root, []);
    }
    return true;
  }

  private end(): void {
    this.ended = true;
    this.tally.warnings.sort();
    this.options.onProgress?.(this.found);
  }

  private emit(out: CollectedEntry[], entry: CollectedEntry): void {
    out.push(entry);
    this.found++;
    const { tally } = this;
    if (entry.type === 'file') {
      tally.files++;
      tally.bytes += entry.size;
    } else if (entry.type === 'directory') tally.folders++;
    if (this.options.onProgress && this.found % 256 === 0) this.options.onProgress(this.found);
  }

  /** Reads a folder's names, which the walk then goes through before what follows the folder. */
  private open(entry: CollectedEntry, abs: string, rel: string, root: TarRoot, rules: readonly Rules[]): void {
    let names: string[];
    try {
      names = fs.readdirSync(abs);
    } catch (err) {
      this.warn(`${entry.path}/: ${reason(err)}; its contents are left out`);
      return;
    }
    sortByBytes(names);
    let inner = rules;
    if (this.options.respectGitignore && names.includes('.gitignore')) {
      try {
        const text = fs.readFileSync(path.join(abs, '.gitignore'), 'utf8');
        inner = [...rules, { dir: rel, matcher: ignore().add(text) }];
      } catch (err) {
        this.warn(`${entry.path}/.gitignore: ${reason(err)}; its rules are not applied`);
      }
    }
    this.stack.push({ abs, rel, root, names, next: 0, rules: inner });
  }

  /** The entry for `abs`, or undefined (with a warning) when it cannot or may not go in. */
  private entryOf(abs: string, name: string): CollectedEntry | undefined {
    let stat: fs.BigIntStats;
    try {
      stat = fs.lstatSync(abs, { bigint: true });
    } catch (err) {
      this.warn(`${name}: ${reason(err)}, left out`);
      return undefined;
    }
    const entry = toEntry(abs, name, stat, this.owners, (m) => this.warn(m));
    if (!entry) return undefined;
    if (entry.type === 'file' && stat.nlink > 1n) {
      const key = `${stat.dev}:${stat.ino}`;
      const first = this.firstNames.get(key);
      if (first !== undefined) return { ...entry, type: 'hardlink', size: 0, linkTarget: first };
      this.firstNames.set(key, entry.path);
    }
    return entry;
  }

  private warn(message: string): void {
    this.tally.warnings.push(message);
  }
}

const stored = (root: TarRoot, rel: string): string => (rel === '' ? root.name : `${root.name}/${rel}`);

/**
 * In the order of the names' UTF-8 bytes, as tar --sort=name: the same order on every machine and
 * file system. That is JavaScript's own order (UTF-16 units) unless a name holds a unit from
 * U+D800 up, where the two differ; only then are the names encoded to be compared.
 */
export function sortByBytes(names: string[]): void {
  if (!names.some((n) => HIGH_UNITS.test(n))) {
    names.sort();
    return;
  }
  const keyed = names.map((name) => ({ name, key: Buffer.from(name) }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  for (let i = 0; i < names.length; i++) names[i] = keyed[i].name;
}

const HIGH_UNITS = /[\ud800-\uffff]/;

function toEntry(
  abs: string,
  stored: string,
  stat: fs.BigIntStats,
  owners: OwnerNames,
  warn: (message: string) => void,
): CollectedEntry | undefined {
  const type: TarEntry['type'] | undefined = stat.isFile()
    ? 'file'
    : stat.isDirectory()
      ? 'directory'
      : stat.isSymbolicLink()
        ? 'symlink'
        : undefined;
  if (!type) {
    const what = stat.isSocket() ? 'a socket' : stat.isFIFO() ? 'a FIFO' : 'a device';
    warn(`${stored}: ${what}, skipped (tar archives hold files, folders and links)`);
    return undefined;
  }
  let linkTarget: string | undefined;
  if (type === 'symlink') {
    try {
      linkTarget = fs.readlinkSync(abs);
    } catch (err) {
      warn(`${stored}: ${reason(err)}, left out`);
      return undefined;
    }
  }
  const uid = Number(stat.uid);
  const gid = Number(stat.gid);
  return {
    path: stored,
    type,
    mode: Number(stat.mode & 0o7777n),
    uid,
    gid,
    uname: owners.user(uid),
    gname: owners.group(gid),
    size: type === 'file' ? Number(stat.size) : 0,
    mtime: { seconds: Number(stat.mtimeNs / 1_000_000_000n), nanoseconds: Number(stat.mtimeNs % 1_000_000_000n) },
    linkTarget,
    source: abs,
  };
}

/** Git's rule: the deepest .gitignore with an opinion on the path decides. */
function ignoredByRules(rules: readonly Rules[], rel: string, abs: string): boolean {
  let dir: boolean | undefined;
  for (let i = rules.length - 1; i >= 0; i--) {
    const { dir: base, matcher } = rules[i];
    const inside = base === '' ? rel : rel.slice(base.length + 1);
    let verdict = matcher.test(inside);
    if (!verdict.ignored && !verdict.unignored) {
      dir ??= isDirectory(abs);
      if (dir) verdict = matcher.test(`${inside}/`);
    }
    if (verdict.ignored) return true;
    if (verdict.unignored) return false;
  }
  return false;
}

/** Whether a pattern leaves `rel` out; a pattern such as "build/" only a folder (so it is looked at then). */
function excludedBy(matcher: Ignore, rel: string, abs: string): boolean {
  return matcher.ignores(rel) || (matcher.ignores(`${rel}/`) && isDirectory(abs));
}

function isDirectory(abs: string): boolean {
  try {
    return fs.lstatSync(abs).isDirectory();
  } catch {
    return false;
  }
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'vanished while the folder was read';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (err as Error).message;
}
