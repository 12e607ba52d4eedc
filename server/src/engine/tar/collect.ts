/**
 * What goes into a tar of folders and files, found as it is needed: each root, then depth first,
 * each folder's entries in the order of their names' bytes (as `tar --sort=name` has them), so
 * that the archive does not depend on the file system's order and compression can start on the
 * first members while the walk goes on. Symlinks are stored as links, never followed; a second
 * name of a file already stored becomes a hard link to the first; sockets, FIFOs and devices are
 * skipped, each named in a warning, as is anything that vanished or could not be read meanwhile.
 *
 * The calls are synchronous, a folder at a time (lstat is 3 us so, 10-25 us through the thread
 * pool's promises: on two cores the walk's CPU is taken from compression), and the walk yields to
 * the event loop between folders, so that the process still answers while it runs.
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

/** Entries between two turns of the event loop. */
const ENTRIES_PER_TURN = 512;

/** Every entry, in archive order (for tests and small trees; compression walks as it goes). */
export async function collectTree(roots: readonly TarRoot[], options: CollectOptions): Promise<Collection> {
  const tally: WalkTally = { warnings: [], files: 0, folders: 0, bytes: 0 };
  const entries: CollectedEntry[] = [];
  for await (const entry of walkTree(roots, options, tally)) entries.push(entry);
  return { entries, ...tally };
}

/** The entries in archive order; `tally` is filled in as they come. */
export async function* walkTree(
  roots: readonly TarRoot[],
  options: CollectOptions,
  tally: WalkTally,
): AsyncGenerator<CollectedEntry> {
  const owners = options.owners ?? (await ownerNames());
  // No patterns, no matcher: asking an empty one costs 5 us a path.
  const excluded = options.exclude.length > 0 ? ignore().add([...options.exclude]) : undefined;
  /** The first name of each file with several, by device and inode. */
  const firstNames = new Map<string, string>();
  let found = 0;
  let sinceTurn = 0;
  const warn = (message: string): void => void tally.warnings.push(message);

  const stored = (root: TarRoot, rel: string): string => (rel === '' ? root.name : `${root.name}/${rel}`);

  /** The entry for `abs`, or undefined (with a warning) when it cannot or may not go in. */
  const entryOf = (abs: string, name: string): CollectedEntry | undefined => {
    let stat: fs.BigIntStats;
    try {
      stat = fs.lstatSync(abs, { bigint: true });
    } catch (err) {
      warn(`${name}: ${reason(err)}, left out`);
      return undefined;
    }
    const entry = toEntry(abs, name, stat, owners, warn);
    if (!entry) return undefined;
    if (entry.type === 'file' && stat.nlink > 1n) {
      const key = `${stat.dev}:${stat.ino}`;
      const first = firstNames.get(key);
      if (first !== undefined) return { ...entry, type: 'hardlink', size: 0, linkTarget: first };
      firstNames.set(key, entry.path);
    }
    return entry;
  };

  const count = (entry: CollectedEntry): void => {
    found++;
    if (entry.type === 'file') {
      tally.files++;
      tally.bytes += entry.size;
    } else if (entry.type === 'directory') tally.folders++;
    if (options.onProgress && found % 256 === 0) options.onProgress(found);
  };

  /** `entry` (at `abs`), then what is under it. */
  async function* subtree(
    entry: CollectedEntry,
    abs: string,
    rel: string,
    root: TarRoot,
    rules: readonly Rules[],
  ): AsyncGenerator<CollectedEntry> {
    count(entry);
    yield entry;
    if (entry.type !== 'directory') return;
    if (options.signal?.aborted) throw cancelled();
    sinceTurn += 1;
    if (sinceTurn >= 64) {
      sinceTurn = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
    let names: string[];
    try {
      names = fs.readdirSync(abs);
    } catch (err) {
      warn(`${entry.path}/: ${reason(err)}; its contents are left out`);
      return;
    }
    // By their bytes, as tar --sort=name: the same order on every machine and file system.
    const keyed = names.map((name) => ({ name, key: Buffer.from(name) }));
    keyed.sort((a, b) => Buffer.compare(a.key, b.key));
    let inner = rules;
    if (options.respectGitignore && names.includes('.gitignore')) {
      try {
        const text = fs.readFileSync(path.join(abs, '.gitignore'), 'utf8');
        inner = [...rules, { dir: rel, matcher: ignore().add(text) }];
      } catch (err) {
        warn(`${entry.path}/.gitignore: ${reason(err)}; its rules are not applied`);
      }
    }
    for (const { name } of keyed) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const childAbs = path.join(abs, name);
      if (options.respectGitignore && name === '.git') continue;
      if (options.skip?.(childAbs)) continue;
      if (excluded && excludedBy(excluded, childRel, childAbs)) continue;
      if (options.respectGitignore && ignoredByRules(inner, childRel, childAbs)) continue;
      const child = entryOf(childAbs, stored(root, childRel));
      if (!child) continue;
      if (++sinceTurn >= ENTRIES_PER_TURN) {
        sinceTurn = 0;
        await new Promise((resolve) => setImmediate(resolve));
        if (options.signal?.aborted) throw cancelled();
      }
      yield* subtree(child, childAbs, childRel, root, inner);
    }
  }

  for (const root of roots) {
    const abs = path.resolve(root.path);
    // What was asked for must be there (tar fails too); what vanishes below it is a warning.
    try {
      fs.lstatSync(abs);
    } catch (err) {
      throw describeFsError(err, root.path, 'read');
    }
    const entry = entryOf(abs, root.name);
    if (entry) yield* subtree(entry, abs, '', root, []);
  }
  tally.warnings.sort();
  options.onProgress?.(found);
}

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
