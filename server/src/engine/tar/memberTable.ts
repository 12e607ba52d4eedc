/**
 * The members of a tar being packed, kept for its index: a column per field (typed arrays, and
 * the paths), about 90 bytes a member besides its path where an object each took 400, and what
 * the manifest's member columns are made from (memberIndex.ts) without an object per member.
 */
import type { MemberColumn, MemberType } from '../format/memberIndex';
import type { TarEntry } from '../format/tarHeader';
import type { PlannedMember } from './framePlan';

/** The manifest's type letters, as char codes. */
const TYPE_CODE: Record<MemberType, number> = { file: 0x66, directory: 0x64, symlink: 0x6c, hardlink: 0x68 };
const CODE_TYPE = new Map<number, MemberType>(
  Object.entries(TYPE_CODE).map(([type, code]) => [code, type as MemberType]),
);

type NumberColumn = Float64Array | Uint32Array | Uint16Array | Uint8Array;

export class MemberTable {
  count = 0;
  private readonly paths: string[] = [];
  private readonly links = new Map<number, string>();
  /** User and group names, each stored once. */
  private readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();
  private types = new Uint8Array(INITIAL);
  private modes = new Uint16Array(INITIAL);
  private uids = new Uint32Array(INITIAL);
  private gids = new Uint32Array(INITIAL);
  private unames = new Uint32Array(INITIAL);
  private gnames = new Uint32Array(INITIAL);
  private sizes = new Float64Array(INITIAL);
  private mtimes = new Float64Array(INITIAL);
  private mtimeNs = new Uint32Array(INITIAL);
  private headerOffsets = new Float64Array(INITIAL);
  private dataOffsets = new Float64Array(INITIAL);
  private frames = new Uint32Array(INITIAL);
  /** SHA-256 of each file as the workers report it, 32 bytes a member; `hashed` says which are set. */
  private digests = new Uint8Array(32 * INITIAL);
  private hashed = new Uint8Array(INITIAL);

  /** Adds the next member; its index. */
  add(entry: TarEntry, placed: PlannedMember): number {
    const i = this.count;
    if (i === this.types.length) this.grow();
    this.paths.push(entry.path);
    this.types[i] = TYPE_CODE[entry.type];
    this.modes[i] = entry.mode & 0o7777;
    this.uids[i] = entry.uid;
    this.gids[i] = entry.gid;
    this.unames[i] = this.nameId(entry.uname);
    this.gnames[i] = this.nameId(entry.gname);
    this.sizes[i] = entry.size;
    this.mtimes[i] = entry.mtime.seconds;
    this.mtimeNs[i] = entry.mtime.nanoseconds;
    this.headerOffsets[i] = placed.headerOffset;
    this.dataOffsets[i] = placed.dataOffset;
    this.frames[i] = placed.firstFrame;
    if (entry.linkTarget !== undefined) this.links.set(i, entry.linkTarget);
    this.count++;
    return i;
  }

  path(i: number): string {
    return this.paths[i];
  }

  type(i: number): MemberType {
    return CODE_TYPE.get(this.types[i])!;
  }

  size(i: number): number {
    return this.sizes[i];
  }

  /** Member `i`'s content digest, in hex. */
  setSha256(i: number, hex: string): void {
    Buffer.from(this.digests.buffer, this.digests.byteOffset, this.digests.length).write(hex, 32 * i, 32, 'hex');
    this.hashed[i] = 1;
  }

  sha256(i: number): string | undefined {
    if (!this.hashed[i]) return undefined;
    return Buffer.from(this.digests.buffer, this.digests.byteOffset + 32 * i, 32).toString('hex');
  }

  /**
   * Column `name`'s JSON text in pieces, a few thousand members each, that joined are the text
   * memberIndex.ts's memberColumn makes from member objects (the same bytes): text columns joined
   * by U+0000 (escaped `\u0000`), number columns as arrays. The digests are the caller's.
   */
  *columnPieces(name: Exclude<MemberColumn, 'sha256'>): Generator<string> {
    const n = this.count;
    if (name === 'type') {
      yield '"';
      for (let at = 0; at < n; at += PIECE)
        yield Buffer.from(this.types.subarray(at, Math.min(n, at + PIECE))).toString('latin1');
      yield '"';
      return;
    }
    if (name === 'path' || name === 'uname' || name === 'gname' || name === 'link') {
      const value = this.textValue(name);
      yield '"';
      for (let at = 0; at < n; at += PIECE) {
        const values = Array.from({ length: Math.min(PIECE, n - at) }, (_, k) => value(at + k));
        // JSON.stringify escapes each value alone as it would inside the whole text.
        yield `${at > 0 ? '\\u0000' : ''}${JSON.stringify(values.join('\u0000')).slice(1, -1)}`;
      }
      yield '"';
      return;
    }
    const column = this.numberColumn(name);
    yield '[';
    for (let at = 0; at < n; at += PIECE)
      yield `${at > 0 ? ',' : ''}${column.subarray(at, Math.min(n, at + PIECE)).join(',')}`;
    yield ']';
  }

  /** The whole text of column `name` (for tests: a packer streams the pieces). */
  columnJson(name: Exclude<MemberColumn, 'sha256'>): string {
    return [...this.columnPieces(name)].join('');
  }

  private textValue(name: 'path' | 'uname' | 'gname' | 'link'): (i: number) => string {
    if (name === 'path') return (i) => this.paths[i];
    if (name === 'link') return (i) => this.links.get(i) ?? '';
    const ids = name === 'uname' ? this.unames : this.gnames;
    return (i) => this.names[ids[i]];
  }

  private numberColumn(
    name: Exclude<MemberColumn, 'path' | 'type' | 'uname' | 'gname' | 'link' | 'sha256'>,
  ): NumberColumn {
    switch (name) {
      case 'mode':
        return this.modes;
      case 'size':
        return this.sizes;
      case 'mtime':
        return this.mtimes;
      case 'mtimeNs':
        return this.mtimeNs;
      case 'uid':
        return this.uids;
      case 'gid':
        return this.gids;
      case 'headerOffset':
        return this.headerOffsets;
      case 'dataOffset':
        return this.dataOffsets;
      case 'frame':
        return this.frames;
    }
  }

  private nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.push(name) - 1;
      this.nameIds.set(name, id);
    }
    return id;
  }

  /** Twice the room, every column at once. */
  private grow(): void {
    const wider = <T extends NumberColumn>(column: T): T => {
      const next = new (column.constructor as new (length: number) => T)(column.length * 2);
      next.set(column);
      return next;
    };
    this.types = wider(this.types);
    this.modes = wider(this.modes);
    this.uids = wider(this.uids);
    this.gids = wider(this.gids);
    this.unames = wider(this.unames);
    this.gnames = wider(this.gnames);
    this.sizes = wider(this.sizes);
    this.mtimes = wider(this.mtimes);
    this.mtimeNs = wider(this.mtimeNs);
    this.headerOffsets = wider(this.headerOffsets);
    this.dataOffsets = wider(this.dataOffsets);
    this.frames = wider(this.frames);
    this.digests = wider(this.digests);
    this.hashed = wider(this.hashed);
  }
}

const INITIAL = 1024;
/** Members in a piece of a column's text. */
const PIECE = 4096;
