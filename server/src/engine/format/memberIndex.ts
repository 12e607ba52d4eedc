/**
 * A tar's member index as manifest version 2 stores it: one column per field, each column its own
 * zstd frame, so that a reader decodes only the columns it needs (finding one member by path reads
 * the paths, not the 84,000 digests of a kernel tree) and parses one JSON value per column, not an
 * object per member. Text columns are one string, the members' values joined by U+0000 (which no
 * tar path holds), "" for none; number columns are arrays. Pure: zstd comes from the caller.
 */
import { findText, numberAt, textAt } from './columnScan';
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
/** Reads of a column's values before it is parsed whole instead (MemberIndex.scan). */
const SCANNED_READS = 8;

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
  /** Columns read a value at a time (columnScan.ts), and how many values have been read so. */
  private readonly scanned = new Map<MemberColumn, { bytes: Uint8Array; reads: number }>();
  private byPath: Map<string, number> | undefined;
  /** The member `find` found last: `content` has its path without reading it again. */
  private found: { index: number; path: string } | undefined;
  /** The writer's members, as it made them (an index built from columns has none). */
  private list: readonly ManifestMember[] | undefined;
  /** A writer's columns in pieces (ofColumns). */
  private pieces: ((name: MemberColumn) => Iterable<string>) | undefined;

  /**
   * `readBytes`, when given, is the column's text as bytes: finding and reading one member then
   * scans the few columns it needs instead of parsing them (`find`, `content`).
   */
  constructor(
    readonly count: number,
    private readonly readColumn: (name: MemberColumn) => string,
    private readonly bounds: MemberBounds,
    private readonly offset: number,
    private readonly readBytes?: (name: MemberColumn) => Uint8Array,
  ) {}

  /** A writer's index of `count` members whose columns come in pieces (a packer's compact table). */
  static ofColumns(count: number, pieces: (name: MemberColumn) => Iterable<string>, bounds: MemberBounds): MemberIndex {
    const index = new MemberIndex(count, (name) => [...pieces(name)].join(''), bounds, 0);
    index.pieces = pieces;
    return index;
  }

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
    // The path's bytes in the column's: no string is made for the other members' paths.
    const bytes = this.scan('path');
    if (bytes) {
      const at = findText(bytes, key);
      if (at >= 0) {
        this.found = { index: at, path: key };
        return at;
      }
    }
    // One scan of the paths: cheaper than a map of them for the few lookups of a read.
    const at = (this.column('path') as string[]).indexOf(key);
    return at < 0 ? undefined : at;
  }

  /**
   * What reading member `i`'s content needs (its type, a link's target, where its content is and
   * its size), a value of each of those columns: the digests, owners and offsets of 100,000
   * members are not decoded for it, nor the other members' values of these columns made.
   */
  content(i: number): Pick<ManifestMember, 'path' | 'type' | 'link' | 'size' | 'dataOffset'> {
    if (this.list) return this.list[i];
    const type = LETTER_TYPE[this.value('type', i) as string]!;
    const m = {
      path: this.found?.index === i ? this.found.path : (this.value('path', i) as string),
      type,
      // Only links have a target to read.
      link: type === 'symlink' || type === 'hardlink' ? (this.value('link', i) as string) || null : null,
      size: this.value('size', i) as number,
      dataOffset: this.value('dataOffset', i) as number,
    };
    this.check(i, m);
    return m;
  }

  /**
   * Value `i` of column `name`, checked as `validate` checks the column's: scanned out of its
   * bytes, or (a column of another shape, or a value that does not pass) from the column parsed
   * whole, which then says what is wrong with it.
   */
  private value(name: MemberColumn, i: number): string | number {
    const bytes = this.scan(name);
    if (bytes) {
      let v: string | number | undefined;
      // One ASCII letter each, unescaped, as writers put them: value i is byte i + 1.
      if (name === 'type') v = bytes.length === this.count + 2 ? String.fromCharCode(bytes[i + 1]) : undefined;
      else if (TEXT.has(name)) v = textAt(bytes, i);
      else v = numberAt(bytes, i);
      if (v !== undefined && this.passes(name, v)) return v;
    }
    return this.column(name)[i];
  }

  /**
   * Column `name`'s bytes for reading a value of it, for its first few reads; then (or without
   * `readBytes`) undefined, and the column is parsed whole: each read walks the bytes up to its
   * value, which for many reads costs more than parsing them once.
   */
  private scan(name: MemberColumn): Uint8Array | undefined {
    if (!this.readBytes || this.columns.has(name)) return undefined;
    let scan = this.scanned.get(name);
    if (!scan) {
      scan = { bytes: this.readBytes(name), reads: 0 };
      this.scanned.set(name, scan);
    }
    return ++scan.reads <= SCANNED_READS ? scan.bytes : undefined;
  }

  /** What `validate` asks of each value of column `name`. */
  private passes(name: MemberColumn, v: string | number): boolean {
    if (name === 'type') return LETTER_TYPE[v as string] !== undefined;
    if (name === 'path') return v !== '';
    if (name === 'sha256') return v === '' || /^[0-9a-f]{64}$/.test(v as string);
    if (TEXT.has(name)) return true;
    return Number.isSafeInteger(v) && ((v as number) >= 0 || name === 'mtime');
  }

  /**
   * Column `name`'s JSON text as it is stored, in pieces that make it when joined: what a writer
   * compresses, with no member made (and, for a packer's index, never the whole text at once).
   */
  columnPieces(name: MemberColumn): Iterable<string> {
    return this.pieces ? this.pieces(name) : [this.readColumn(name)];
  }

  /** One column's values, decoded and checked on first use. */
  column(name: MemberColumn): string[] | number[] {
    let values = this.columns.get(name);
    if (values) return values;
    let parsed: unknown;
    try {
      // Bytes already read for scanning are not decoded again.
      const scanned = this.scanned.get(name)?.bytes;
      parsed = JSON.parse(
        scanned
          ? Buffer.from(scanned.buffer, scanned.byteOffset, scanned.length).toString('utf8')
          : this.readColumn(name),
      );
    } catch (err) {
      throw new FormatError(`manifest member column "${name}" does not read: ${(err as Error).message}`, this.offset);
    }
    values = this.validate(name, parsed);
    this.columns.set(name, values);
    this.scanned.delete(name);
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
      const bad = (values as string[]).findIndex((t) => !this.passes(name, t));
      if (bad >= 0) fail(`gives member ${bad} an unknown type "${(values as string[])[bad]}"`);
    } else if (TEXT.has(name)) {
      if (typeof value !== 'string') fail('is not a string');
      values = this.count === 0 ? [] : (value as string).split(SEPARATOR);
      if (name === 'path') {
        const bad = (values as string[]).findIndex((p) => !this.passes(name, p));
        if (bad >= 0) fail(`gives member ${bad} no path`);
      }
      if (name === 'sha256') {
        const bad = (values as string[]).findIndex((d) => !this.passes(name, d));
        if (bad >= 0) fail(`gives member ${bad} a bad SHA-256`);
      }
    } else {
      if (!Array.isArray(value)) fail('is not an array');
      values = value as number[];
      const bad = values.findIndex((n) => !this.passes(name, n));
      if (bad >= 0) fail(`gives member ${bad} a bad ${name}`);
    }
    if (values.length !== this.count) fail(`has ${values.length} values for ${this.count} members`);
    return values;
  }

  /**
   * What no column can check alone: the member's bytes inside the archive's content (a read of one
   * member's content checks the values it read, without the offsets it did not).
   */
  private check(
    i: number,
    m: Pick<ManifestMember, 'path' | 'size' | 'dataOffset'> &
      Partial<Pick<ManifestMember, 'headerOffset' | 'frame' | 'mtimeNs'>>,
  ): void {
    const fail = (what: string): never => {
      throw new FormatError(`manifest member ${i} (${JSON.stringify(m.path)}) ${what}`, this.offset);
    };
    const { contentSize, frames } = this.bounds;
    if (m.dataOffset < (m.headerOffset ?? 0) || m.dataOffset + m.size > contentSize)
      fail(`claims bytes ${m.dataOffset}..${m.dataOffset + m.size}, outside the ${contentSize} bytes of content`);
    if (m.frame !== undefined && m.frame >= frames) fail(`starts in frame ${m.frame} of ${frames}`);
    if (m.mtimeNs !== undefined && m.mtimeNs > 999_999_999) fail(`has ${m.mtimeNs} nanoseconds past its second`);
  }
}
