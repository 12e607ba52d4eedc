/**
 * A tar's member index as manifest version 2 stores it: one column per field, each column its own
 * zstd frame, so that a reader decodes only the columns it needs (finding one member by path reads
 * the paths, not the 84,000 digests of a kernel tree) and parses one JSON value per column, not an
 * object per member. Text columns are one string, the members' values joined by U+0000 (which no
 * tar path holds), "" for none; number columns are arrays. Pure: zstd comes from the caller.
 */
import { FormatError } from './formatError';

export type MemberType = 'file' | 'directory' | 'symlink' | 'hardlink';

/** One tar member as the manifest records it. */
export interface ManifestMember {
  /** As stored in the tar, '/'-separated, without a folder's trailing slash. */
  path: string;
  type: MemberType;
  mode: number;
  /** Content bytes (0 for anything but a file). */
  size: number;
  /** Seconds since the epoch, and the nanoseconds past them. */
  mtime: number;
  mtimeNs: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** A symlink's or hard link's target, as stored. */
  link: string | null;
  /** Where its header blocks start, and its content, in the tar stream (the decoded content). */
  headerOffset: number;
  dataOffset: number;
  /** The data frame holding its header and the start of its content. */
  frame: number;
  /** Of its content as stored: null for anything but a file, or a file that could not be read whole. */
  sha256: string | null;
}

type TextField = 'path' | 'uname' | 'gname' | 'link' | 'sha256';
type NumberField = 'mode' | 'size' | 'mtime' | 'mtimeNs' | 'uid' | 'gid' | 'headerOffset' | 'dataOffset' | 'frame';

/** The columns, in the order writers put them. `type` is one letter per member: f d l h. */
export const MEMBER_COLUMNS = [
  'path',
  'type',
  'mode',
  'size',
  'mtime',
  'mtimeNs',
  'uid',
  'gid',
  'uname',
  'gname',
  'link',
  'headerOffset',
  'dataOffset',
  'frame',
  'sha256',
] as const;
export type MemberColumn = (typeof MEMBER_COLUMNS)[number];

const TEXT: ReadonlySet<string> = new Set<TextField>(['path', 'uname', 'gname', 'link', 'sha256']);
const TYPE_LETTER: Record<MemberType, string> = { file: 'f', directory: 'd', symlink: 'l', hardlink: 'h' };
const LETTER_TYPE: Record<string, MemberType | undefined> = { f: 'file', d: 'directory', l: 'symlink', h: 'hardlink' };
const SEPARATOR = '\u0000';

/**
 * One column's JSON value, for a writer: made one at a time, so that a writer holds one column's
 * text at once, not the 26 MB of all fifteen for a kernel tree.
 */
export function memberColumn(members: readonly ManifestMember[], name: MemberColumn): string {
  let value: unknown;
  if (name === 'type') value = members.map((m) => TYPE_LETTER[m.type]).join('');
  else if (TEXT.has(name)) value = members.map((m) => m[name as TextField] ?? '').join(SEPARATOR);
  else value = members.map((m) => m[name as NumberField]);
  return JSON.stringify(value);
}

/** The bounds the members must keep to: the archive's content and its frames. */
export interface MemberBounds {
  contentSize: number;
  frames: number;
}

/**
 * The members of an archive, read a column at a time as they are asked for. `readColumn` returns a
 * column's JSON text (decoding its frame); every value is checked before it is handed out, since
 * an index from elsewhere is hostile. Errors are FormatErrors at `offset` (the manifest's body).
 */
export class MemberIndex {
  private readonly columns = new Map<MemberColumn, string[] | number[]>();
  private byPath: Map<string, number> | undefined;
  /** The writer's members, as it made them (an index built from columns has none). */
  private list: readonly ManifestMember[] | undefined;

  constructor(
    readonly count: number,
    private readonly readColumn: (name: MemberColumn) => string,
    private readonly bounds: MemberBounds,
    private readonly offset: number,
  ) {}

  /** An index of the members a writer made, taken as they are. */
  static of(members: readonly ManifestMember[], bounds: MemberBounds): MemberIndex {
    const index = new MemberIndex(members.length, (name) => memberColumn(members, name), bounds, 0);
    index.list = members;
    return index;
  }

  /** Member `i`, whole (every column is read the first time). */
  member(i: number): ManifestMember {
    if (this.list) return this.list[i];
    const text = (name: TextField): string => (this.column(name) as string[])[i];
    const num = (name: NumberField): number => (this.column(name) as number[])[i];
    const type = LETTER_TYPE[(this.column('type') as string[])[i]]!;
    const m: ManifestMember = {
      path: text('path'),
      type,
      mode: num('mode'),
      size: num('size'),
      mtime: num('mtime'),
      mtimeNs: num('mtimeNs'),
      uid: num('uid'),
      gid: num('gid'),
      uname: text('uname'),
      gname: text('gname'),
      link: text('link') || null,
      headerOffset: num('headerOffset'),
      dataOffset: num('dataOffset'),
      frame: num('frame'),
      sha256: text('sha256') || null,
    };
    this.check(i, m);
    return m;
  }

  /**
   * What `tar -tv` shows of member `i` (mode, owner, size, mtime, path, link), from those columns
   * alone: a listing of 100,000 members decodes no digests or offsets.
   */
  listed(
    i: number,
  ): Pick<ManifestMember, 'path' | 'type' | 'mode' | 'size' | 'mtime' | 'uid' | 'gid' | 'uname' | 'gname' | 'link'> {
    if (this.list) return this.list[i];
    const text = (name: TextField): string => (this.column(name) as string[])[i];
    const num = (name: NumberField): number => (this.column(name) as number[])[i];
    return {
      path: text('path'),
      type: LETTER_TYPE[(this.column('type') as string[])[i]]!,
      mode: num('mode'),
      size: num('size'),
      mtime: num('mtime'),
      uid: num('uid'),
      gid: num('gid'),
      uname: text('uname'),
      gname: text('gname'),
      link: text('link') || null,
    };
  }

  /** Every member, in archive order. */
  all(): ManifestMember[] {
    if (this.list) return [...this.list];
    return Array.from({ length: this.count }, (_, i) => this.member(i));
  }

  /** The index of the member stored as `path` (a folder's with or without its slash). */
  find(path: string): number | undefined {
    const key = path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
    if (this.list) {
      this.byPath ??= new Map(this.list.map((m, i) => [m.path, i]));
      return this.byPath.get(key);
    }
    // One scan of the paths: cheaper than a map of them for the few lookups of a read.
    const at = (this.column('path') as string[]).indexOf(key);
    return at < 0 ? undefined : at;
  }

  /**
   * What reading member `i`'s content needs (type, link target, tar offsets, size), from those
   * columns alone: the digests and owners of 100,000 members are not decoded for it.
   */
  content(
    i: number,
  ): Pick<ManifestMember, 'path' | 'type' | 'link' | 'size' | 'headerOffset' | 'dataOffset' | 'frame'> {
    if (this.list) return this.list[i];
    const num = (name: NumberField): number => (this.column(name) as number[])[i];
    const m = {
      path: (this.column('path') as string[])[i],
      type: LETTER_TYPE[(this.column('type') as string[])[i]]!,
      link: (this.column('link') as string[])[i] || null,
      size: num('size'),
      headerOffset: num('headerOffset'),
      dataOffset: num('dataOffset'),
      frame: num('frame'),
    };
    this.check(i, { ...m, mtimeNs: 0 });
    return m;
  }

  /** Column `name`'s JSON text as it is stored: what a writer compresses, with no member made. */
  columnText(name: MemberColumn): string {
    return this.readColumn(name);
  }

  /** One column's values, decoded and checked on first use. */
  column(name: MemberColumn): string[] | number[] {
    let values = this.columns.get(name);
    if (values) return values;
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.readColumn(name));
    } catch (err) {
      throw new FormatError(`manifest member column "${name}" does not read: ${(err as Error).message}`, this.offset);
    }
    values = this.validate(name, parsed);
    this.columns.set(name, values);
    return values;
  }

  private validate(name: MemberColumn, value: unknown): string[] | number[] {
    const fail = (what: string): never => {
      throw new FormatError(`manifest member column "${name}" ${what}`, this.offset);
    };
    let values: string[] | number[];
    if (name === 'type') {
      if (typeof value !== 'string') fail('is not a string');
      values = [...(value as string)];
      const bad = (values as string[]).findIndex((t) => LETTER_TYPE[t] === undefined);
      if (bad >= 0) fail(`gives member ${bad} an unknown type "${(values as string[])[bad]}"`);
    } else if (TEXT.has(name)) {
      if (typeof value !== 'string') fail('is not a string');
      values = this.count === 0 ? [] : (value as string).split(SEPARATOR);
      if (name === 'path') {
        const bad = (values as string[]).findIndex((p) => p === '');
        if (bad >= 0) fail(`gives member ${bad} no path`);
      }
      if (name === 'sha256') {
        const bad = (values as string[]).findIndex((d) => d !== '' && !/^[0-9a-f]{64}$/.test(d));
        if (bad >= 0) fail(`gives member ${bad} a bad SHA-256`);
      }
    } else {
      if (!Array.isArray(value)) fail('is not an array');
      values = value as number[];
      const bad = values.findIndex((n) => !Number.isSafeInteger(n) || (n < 0 && name !== 'mtime'));
      if (bad >= 0) fail(`gives member ${bad} a bad ${name}`);
    }
    if (values.length !== this.count) fail(`has ${values.length} values for ${this.count} members`);
    return values;
  }

  /** What no column can check alone: the member's bytes inside the archive's content. */
  private check(
    i: number,
    m: Pick<ManifestMember, 'path' | 'size' | 'headerOffset' | 'dataOffset' | 'frame' | 'mtimeNs'>,
  ): void {
    const fail = (what: string): never => {
      throw new FormatError(`manifest member ${i} (${JSON.stringify(m.path)}) ${what}`, this.offset);
    };
    const { contentSize, frames } = this.bounds;
    if (m.dataOffset < m.headerOffset || m.dataOffset + m.size > contentSize)
      fail(`claims bytes ${m.dataOffset}..${m.dataOffset + m.size}, outside the ${contentSize} bytes of content`);
    if (m.frame >= frames) fail(`starts in frame ${m.frame} of ${frames}`);
    if (m.mtimeNs > 999_999_999) fail(`has ${m.mtimeNs} nanoseconds past its second`);
  }
}
