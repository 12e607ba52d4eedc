/**
 * Reads the headers of a tar stream pushed to it piece by piece, whatever wrote it: POSIX ustar and
 * pax (extended 'x' and global 'g' headers), GNU long names and link names ('L', 'K'), base-256
 * sizes, and the old v7 layout. Content is counted past, never held: memory is one header block and
 * at most 1 MiB of extended header. Each member comes with the tar offsets of its first header
 * block and of its content. An archive from elsewhere is hostile: a bad checksum, a field that does
 * not parse or a stream that stops inside a member is a FormatError naming the byte offset.
 */
import { FormatError } from './formatError';
import type { ManifestMember, MemberType } from './memberIndex';
import { parsePaxRecords } from './paxHeader';
import { TAR_BLOCK, tarPadding } from './tarHeader';

/**
 * A member as its headers describe it: the index's fields but those a tar does not hold (its first
 * frame, its digest); `other` is a device, a FIFO or a GNU sparse file.
 */
export type TarRecord = Omit<ManifestMember, 'type' | 'frame' | 'sha256'> & {
  type: MemberType | 'other';
  /** The header's type flag ('0', '5', '3'...), which names what an `other` is. */
  typeFlag: string;
};

/** Extended headers bigger than this are refused: no honest path or record set comes close. */
const MAX_EXTENDED = 1 << 20;

type State =
  | { kind: 'header' }
  /** Collecting an extended header's data (pax records or a GNU long name). */
  | { kind: 'extended'; flag: string; size: number; padding: number }
  /** Passing a member's content (`data` bytes of it left, then `left - data` of padding). */
  | { kind: 'content'; left: number; data: number }
  | { kind: 'ended' };

export class TarReader {
  /** Bytes of the tar stream consumed so far. */
  offset = 0;
  private state: State = { kind: 'header' };
  private block = new Uint8Array(TAR_BLOCK);
  private filled = 0;
  private extended: Uint8Array | undefined;
  private extendedFilled = 0;
  /** Values the next member's extended headers set, and the global ones. */
  private pending = new Map<string, string>();
  private global = new Map<string, string>();
  private memberStart: number | undefined;
  private zeroBlocks = 0;
  /** The path of the member whose content is being passed, for messages. */
  private current: string | undefined;

  /**
   * `onContent`, when given, gets each member's content as it passes (views of the pushed bytes,
   * valid during the call), after the `onMember` of its member.
   */
  constructor(
    private readonly onMember: (record: TarRecord) => void,
    private readonly onContent?: (bytes: Uint8Array) => void,
  ) {}

  /** Whether the end-of-archive blocks were seen (the rest of the stream is not tar). */
  get ended(): boolean {
    return this.state.kind === 'ended';
  }

  push(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length && this.state.kind !== 'ended') {
      const state = this.state;
      if (state.kind === 'content') {
        const n = Math.min(state.left, bytes.length - at);
        const data = Math.min(n, state.data);
        if (data > 0 && this.onContent) this.onContent(bytes.subarray(at, at + data));
        state.data -= data;
        state.left -= n;
        at += n;
        this.offset += n;
        if (state.left === 0) this.state = { kind: 'header' };
        continue;
      }
      if (state.kind === 'extended') {
        const buffer = this.extended!;
        const want = state.size + state.padding - this.extendedFilled;
        const n = Math.min(want, bytes.length - at);
        const keep = Math.min(n, Math.max(0, state.size - this.extendedFilled));
        if (keep > 0) buffer.set(bytes.subarray(at, at + keep), this.extendedFilled);
        this.extendedFilled += n;
        at += n;
        this.offset += n;
        if (this.extendedFilled === state.size + state.padding) this.finishExtended(state.flag, buffer);
        continue;
      }
      const n = Math.min(TAR_BLOCK - this.filled, bytes.length - at);
      this.block.set(bytes.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      this.offset += n;
      if (this.filled === TAR_BLOCK) {
        this.filled = 0;
        this.header(this.offset - TAR_BLOCK);
      }
    }
  }

  /** The stream has ended: it must not stop inside a member. */
  end(): void {
    const state = this.state;
    if (state.kind === 'ended') return;
    if (state.kind === 'header' && this.filled > 0)
      throw new FormatError(
        `the tar stream ends ${this.filled} bytes into a 512-byte header block`,
        this.offset - this.filled,
      );
    if (state.kind !== 'header' || this.memberStart !== undefined)
      throw new FormatError(
        `the tar stream ends inside ${state.kind === 'content' ? `the content of member "${this.current}"` : 'a member'}`,
        this.offset,
      );
  }

  private header(at: number): void {
    const b = this.block;
    if (b.every((x) => x === 0)) {
      // Two zero blocks end the archive; one alone is tolerated, as GNU tar does.
      if (++this.zeroBlocks === 2) this.state = { kind: 'ended' };
      return;
    }
    this.zeroBlocks = 0;
    if (!checksumOk(b)) throw new FormatError('a tar header block has a bad checksum', at);
    this.memberStart ??= at;
    const flag = String.fromCharCode(b[156]);
    const size = numeric(b, 124, 12, at);
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > MAX_EXTENDED)
        throw new FormatError(`a tar extended header claims ${size} bytes (at most ${MAX_EXTENDED} are read)`, at);
      this.extended = new Uint8Array(size);
      this.extendedFilled = 0;
      this.state = { kind: 'extended', flag, size, padding: tarPadding(size) };
      if (size === 0) this.finishExtended(flag, this.extended);
      return;
    }
    const ustar = text(b, 257, 5) === 'ustar';
    const pax = this.pending;
    const value = (key: string): string | undefined => pax.get(key) ?? this.global.get(key);
    const prefix = ustar && b[262] === 0 ? text(b, 345, 155) : ''; // POSIX only; GNU uses those bytes otherwise
    let path = value('path') ?? (prefix ? `${prefix}/${text(b, 0, 100)}` : text(b, 0, 100));
    const type: TarRecord['type'] =
      flag === '0' || flag === '\0' || flag === '7'
        ? path.endsWith('/') && flag === '\0'
          ? 'directory'
          : 'file'
        : flag === '1'
          ? 'hardlink'
          : flag === '2'
            ? 'symlink'
            : flag === '5'
              ? 'directory'
              : 'other';
    path = path.replace(/\/+$/, '') || path;
    const time = value('mtime');
    const [seconds, fraction = ''] = (time ?? String(numeric(b, 136, 12, at))).split('.');
    const realSize = value('size') !== undefined ? Number(value('size')) : size;
    if (!Number.isSafeInteger(realSize) || realSize < 0)
      throw new FormatError(`a pax size "${value('size')}" does not parse`, at);
    const record: TarRecord = {
      path,
      type,
      mode: numeric(b, 100, 8, at) & 0o7777,
      uid: Number(value('uid') ?? numeric(b, 108, 8, at)),
      gid: Number(value('gid') ?? numeric(b, 116, 8, at)),
      uname: value('uname') ?? (ustar ? text(b, 265, 32) : ''),
      gname: value('gname') ?? (ustar ? text(b, 297, 32) : ''),
      size: type === 'file' || type === 'other' ? realSize : 0,
      mtime: Number(seconds),
      mtimeNs: Number(fraction.padEnd(9, '0').slice(0, 9)) || 0,
      link: type === 'symlink' || type === 'hardlink' ? (value('linkpath') ?? text(b, 157, 100)) : null,
      headerOffset: this.memberStart,
      dataOffset: at + TAR_BLOCK,
      typeFlag: flag,
    };
    this.pending = new Map();
    this.memberStart = undefined;
    this.current = path;
    this.onMember(record);
    // Links and folders may still declare a size (some writers do); their bytes follow regardless.
    const stored = flag === '1' || flag === '2' || flag === '5' ? 0 : realSize;
    if (stored > 0) this.state = { kind: 'content', left: stored + tarPadding(stored), data: stored };
  }

  private finishExtended(flag: string, data: Uint8Array): void {
    this.state = { kind: 'header' };
    const at = this.offset - data.length - tarPadding(data.length);
    if (flag === 'L' || flag === 'K') {
      const name = new TextDecoder().decode(data).replace(/\0.*$/s, '');
      this.pending.set(flag === 'L' ? 'path' : 'linkpath', name);
      return;
    }
    let records: Map<string, string>;
    try {
      records = parsePaxRecords(data);
    } catch (err) {
      throw new FormatError(`a pax header does not parse: ${(err as Error).message}`, at);
    }
    const into = flag === 'g' ? this.global : this.pending;
    for (const [k, v] of records) into.set(k, v);
    if (flag === 'g') this.memberStart = undefined; // a global header belongs to no member
  }
}

/** A NUL-terminated field, as UTF-8. */
function text(b: Uint8Array, at: number, width: number): string {
  let end = at;
  while (end < at + width && b[end] !== 0) end++;
  return new TextDecoder().decode(b.subarray(at, end));
}

/** An octal field (spaces and NULs around it allowed), or GNU's base-256 for big values. */
function numeric(b: Uint8Array, at: number, width: number, offset: number): number {
  if (b[at] & 0x80) {
    let value = 0;
    for (let i = at + 1; i < at + width; i++) value = value * 256 + b[i];
    if (b[at] !== 0x80 || !Number.isSafeInteger(value))
      throw new FormatError(`a base-256 tar field at byte ${at - offset} of its header is out of range`, offset + at);
    return value;
  }
  const digits = text(b, at, width).trim();
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits))
    throw new FormatError(`a tar header field holds "${digits}", not an octal number`, offset + at);
  return parseInt(digits, 8);
}

/** The sum of the block's bytes with the checksum field as spaces: unsigned, or signed as old tars did. */
function checksumOk(b: Uint8Array): boolean {
  const stored = parseInt(text(b, 148, 8).trim() || 'x', 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < TAR_BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : b[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}
