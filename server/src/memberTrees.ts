/**
 * The helper's member trees: an archive's member index arranged by folder, built once per version
 * of the file (keyed by size, mtime and inode, as inspections are), so that each expanded folder in
 * the Members view costs only its own children, sorted as the Explorer sorts. Folders that a tar implies but does not list get a
 * row of their own.
 */
import type { ManifestMember } from './engine/format/manifest';
import type { WorkerPool } from './engine/pool/pool';
import { archiveMembers } from './engine/tar/tarIndex';
import { versionOf } from './inspections';
import type { MemberRow, MembersResult } from './protocol';

const MAX_TREES = 8;
/** As the Explorer sorts: case aside, numbers by value ("file2" before "file10"). */
const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

interface Folder {
  /** Child paths: folders, then files, each sorted by name. */
  children: string[];
}

export class MemberTree {
  private readonly folders = new Map<string, Folder>();
  private readonly members = new Map<string, ManifestMember>();

  constructor(
    list: readonly ManifestMember[],
    readonly via: MembersResult['via'],
  ) {
    const childSets = new Map<string, Set<string>>([['', new Set()]]);
    const addFolder = (folder: string): void => {
      if (childSets.has(folder)) return;
      childSets.set(folder, new Set());
      const parent = parentOf(folder);
      addFolder(parent);
      childSets.get(parent)!.add(folder);
    };
    for (const m of list) {
      // A later entry for the same path wins, as extraction would have it.
      this.members.set(m.path, m);
      if (m.type === 'directory') addFolder(m.path);
      const parent = parentOf(m.path);
      addFolder(parent);
      childSets.get(parent)!.add(m.path);
    }
    for (const [folder, set] of childSets) {
      const isFolder = (p: string): boolean => childSets.has(p);
      const children = [...set].sort((a, b) => {
        const d = Number(isFolder(b)) - Number(isFolder(a));
        return d !== 0 ? d : byName.compare(nameOf(a), nameOf(b)) || (nameOf(a) < nameOf(b) ? -1 : 1);
      });
      this.folders.set(folder, { children });
    }
  }

  get total(): number {
    return this.members.size;
  }

  rows(folder: string): MemberRow[] | undefined {
    const f = this.folders.get(folder.replace(/\/+$/, ''));
    return f?.children.map((p) => {
      const member = this.members.get(p) ?? null;
      return {
        name: nameOf(p),
        path: p,
        member,
        children: this.folders.get(p)?.children.length ?? 0,
        content: member && this.contentOf(member),
        ...(member?.type === 'symlink' && { linkTo: this.lookup(p)?.type ?? null }),
      };
    });
  }

  /** The paths of its files (hard links included), in archive order. */
  files(): string[] {
    const out: string[] = [];
    for (const [p, m] of this.members) if (m.type === 'file' || m.type === 'hardlink') out.push(p);
    return out;
  }

  /**
   * What `path` is, links followed inside the archive (a symlink's target relative to its folder,
   * a hard link's member): undefined when it is not there, or leads outside or round in circles.
   */
  lookup(path: string): MemberStat | undefined {
    const resolved = this.resolve(path, 0);
    if (resolved === undefined) return undefined;
    const symlink = this.members.get(path.replace(/^\/+|\/+$/g, ''))?.type === 'symlink';
    if (this.folders.has(resolved)) {
      const m = this.members.get(resolved);
      return {
        path: resolved,
        type: 'directory',
        symlink,
        size: 0,
        mtimeMs: m ? m.mtime * 1000 + m.mtimeNs / 1e6 : 0,
        content: null,
      };
    }
    const m = this.members.get(resolved);
    const content = m && this.contentOf(m);
    if (!m || !content) return undefined;
    return {
      path: resolved,
      type: 'file',
      symlink,
      size: content.length,
      mtimeMs: m.mtime * 1000 + m.mtimeNs / 1e6,
      content,
    };
  }

  /** `path` with every symlink along it replaced by where it leads (at most 16 of them). */
  private resolve(path: string, hops: number): string | undefined {
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    let at: string[] = [];
    for (const part of parts) {
      if (part === '..') {
        if (at.length === 0) return undefined;
        at.pop();
        continue;
      }
      const next = [...at, part].join('/');
      const m = this.members.get(next);
      if (m?.type === 'symlink' && m.link !== null) {
        if (hops >= 16 || m.link.startsWith('/')) return undefined;
        const target = this.resolve([...at, m.link].join('/'), hops + 1);
        if (target === undefined) return undefined;
        at = target === '' ? [] : target.split('/');
      } else at.push(part);
    }
    const joined = at.join('/');
    return joined === '' || this.folders.has(joined) || this.members.has(joined) ? joined : undefined;
  }

  /** A file's bytes in the tar; a hard link's are its target's (a few hops at most, no loops). */
  private contentOf(member: ManifestMember): MemberRow['content'] {
    let m: ManifestMember | undefined = member;
    for (let hops = 0; m?.type === 'hardlink' && hops < 8; hops++) m = this.members.get(m.link ?? '');
    return m?.type === 'file' ? { offset: m.dataOffset, length: m.size } : null;
  }
}

/** A member as a file system sees it: a file or a folder, maybe reached through a symlink. */
export interface MemberStat {
  /** Where it resolved to. */
  path: string;
  type: 'file' | 'directory';
  symlink: boolean;
  size: number;
  mtimeMs: number;
  content: { offset: number; length: number } | null;
}

const parentOf = (p: string): string => {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
};
const nameOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

export class MemberTrees {
  private readonly trees = new Map<string, { key: string; tree: Promise<MemberTree> }>();

  constructor(private readonly pool: WorkerPool) {}

  async get(
    file: string,
    options: { signal?: AbortSignal; onProgress?: (read: number, total: number) => void } = {},
  ): Promise<MemberTree> {
    const { key } = await versionOf(file);
    const hit = this.trees.get(file);
    if (hit?.key === key) return hit.tree;
    const tree = archiveMembers(file, { pool: this.pool, ...options }).then(
      ({ members, via }) => new MemberTree(members.all(), via),
    );
    const entry = { key, tree };
    this.trees.set(file, entry);
    while (this.trees.size > MAX_TREES) this.trees.delete(this.trees.keys().next().value!);
    // A failed or cancelled pass is not remembered.
    tree.catch(() => this.trees.get(file) === entry && this.trees.delete(file));
    return tree;
  }
}
