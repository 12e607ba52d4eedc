/**
 * POSIX tar headers (pax interchange format, POSIX.1-2001): a 512-byte ustar header per member,
 * preceded by a pax extended header ('x') when a value does not fit the ustar fields: a path
 * longer than name + prefix allow, a long link target, a size of 8 GiB or more, ids over 2097151,
 * a user or group name over 32 bytes, or (when asked) a sub-second mtime. GNU tar and bsdtar read
 * it as it is written, and so does every tar of the last twenty years.
 */
import { paxRecords, type PaxValues } from './paxHeader';

export const TAR_BLOCK = 512;
/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE_SIZE = 2 * TAR_BLOCK;

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink';

export interface TarEntry {
  /** Relative, '/'-separated, without a trailing slash (a directory gets one in its header). */
  path: string;
  type: TarEntryType;
  /** Permission bits and set-id bits (0o7777). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Content bytes (0 for anything but a file). */
  size: number;
  /** Seconds since the epoch, and the nanoseconds past them. */
  mtime: { seconds: number; nanoseconds: number };
  /** A link's target, as it is stored (not resolved). */
  linkTarget?: string;
}

export interface HeaderOptions {
  /** Record a sub-second mtime in a pax header (the ustar field holds whole seconds). */
  subsecondMtime?: boolean;
}

const enc = new TextEncoder();

const TYPE_FLAGS: Record<TarEntryType, string> = { file: '0', hardlink: '1', symlink: '2', directory: '5' };

/** ustar's numeric fields: octal, `width - 1` digits and a NUL. */
const MAX_OCTAL = (width: number): number => 8 ** (width - 1) - 1;
const MAX_ID = MAX_OCTAL(8);
const MAX_SIZE = MAX_OCTAL(12);
const MAX_MTIME = MAX_OCTAL(12);

/** Bytes of the padding that follows `size` bytes of content, up to the next block. */
export function tarPadding(size: number): number {
  return (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
}

/**
 * Where `path` splits into ustar's prefix (155 bytes) and name (100 bytes) at a '/', or
 * undefined when it cannot (then the path goes in a pax record).
 */
export function splitUstarPath(path: Uint8Array): { prefix: Uint8Array; name: Uint8Array } | undefined {
  if (path.length <= 100) return { prefix: path.subarray(0, 0), name: path };
  if (path.length > 256) return undefined;
  // The latest slash that leaves a name of at most 100 bytes and a prefix of at most 155.
  for (let i = Math.min(path.length - 2, 155); i >= path.length - 101; i--) {
    if (path[i] === 0x2f && i > 0) return { prefix: path.subarray(0, i), name: path.subarray(i + 1) };
  }
  return undefined;
}

/**
 * The header blocks of `entry`: the pax extended header (when one is needed) then the ustar
 * header, a multiple of 512 bytes. Content and its padding follow, written by the caller.
 */
export function tarHeader(entry: TarEntry, options: HeaderOptions = {}): Uint8Array {
  const out = new Uint8Array(tarHeaderSize(entry, options));
  writeTarHeader(entry, out, 0, options);
  return out;
}

/** How many bytes `entry`'s header blocks take (what writeTarHeader writes). */
export function tarHeaderSize(entry: TarEntry, options: HeaderOptions = {}): number {
  const pax = paxValuesOf(entry, options);
  if (!pax) return TAR_BLOCK;
  const records = paxRecords(pax).length;
  return TAR_BLOCK + records + tarPadding(records) + TAR_BLOCK;
}

/**
 * Writes `entry`'s header blocks into `out` at `at` (whatever bytes were there), without a
 * buffer of their own: a packer writes them straight into the frame they go in. Returns their size.
 */
export function writeTarHeader(entry: TarEntry, out: Uint8Array, at: number, options: HeaderOptions = {}): number {
  const stored = headerPath(entry);
  const mtime = Math.min(Math.max(0, entry.mtime.seconds), MAX_MTIME);
  let pos = at;
  const pax = paxValuesOf(entry, options);
  if (pax) {
    const records = paxRecords(pax);
    const base = entry.path.split('/').pop() ?? '';
    // Its name is only for tars that do not know pax: the first 100 bytes, never split.
    writeUstar(out, pos, `PaxHeaders/${base}`, 0o644, 0, 0, records.length, mtime, 'x', '', '', '', false);
    out.set(records, pos + TAR_BLOCK);
    const end = pos + TAR_BLOCK + records.length;
    out.fill(0, end, end + tarPadding(records.length));
    pos = end + tarPadding(records.length);
  }
  writeUstar(
    out,
    pos,
    stored,
    entry.mode & 0o7777,
    Math.min(entry.uid, MAX_ID),
    Math.min(entry.gid, MAX_ID),
    entry.size > MAX_SIZE ? 0 : entry.size,
    mtime,
    TYPE_FLAGS[entry.type],
    entry.linkTarget ?? '',
    Buffer.byteLength(entry.uname) > 32 ? '' : entry.uname,
    Buffer.byteLength(entry.gname) > 32 ? '' : entry.gname,
    true,
  );
  return pos + TAR_BLOCK - at;
}

const headerPath = (entry: TarEntry): string => (entry.type === 'directory' ? `${entry.path}/` : entry.path);

/** What does not fit the ustar fields, or undefined when everything does (nearly every member). */
function paxValuesOf(entry: TarEntry, options: HeaderOptions): PaxValues | undefined {
  let pax: PaxValues | undefined;
  const stored = headerPath(entry);
  if (Buffer.byteLength(stored) > 100 && !splitUstarPath(enc.encode(stored))) (pax ??= {}).path = stored;
  if (entry.linkTarget !== undefined && Buffer.byteLength(entry.linkTarget) > 100)
    (pax ??= {}).linkpath = entry.linkTarget;
  if (entry.size > MAX_SIZE) (pax ??= {}).size = String(entry.size);
  if (entry.uid > MAX_ID) (pax ??= {}).uid = String(entry.uid);
  if (entry.gid > MAX_ID) (pax ??= {}).gid = String(entry.gid);
  if (Buffer.byteLength(entry.uname) > 32) (pax ??= {}).uname = entry.uname;
  if (Buffer.byteLength(entry.gname) > 32) (pax ??= {}).gname = entry.gname;
  if (entry.mtime.seconds > MAX_MTIME || entry.mtime.seconds < 0 || (options.subsecondMtime && entry.mtime.nanoseconds))
    (pax ??= {}).mtime = paxTime(entry.mtime);
  return pax;
}

/** "1700000000.5" for a pax mtime: seconds, and the fraction without trailing zeros. */
export function paxTime({ seconds, nanoseconds }: TarEntry['mtime']): string {
  if (!nanoseconds) return String(seconds);
  return `${seconds}.${String(nanoseconds).padStart(9, '0').replace(/0+$/, '')}`;
}

/**
 * One ustar block at `at`. `path` goes in name, or (`split`) into prefix and name at a slash, or
 * (a path only a pax reader gets whole) its last 100 bytes; text fields are cut to their width.
 */
function writeUstar(
  out: Uint8Array,
  at: number,
  path: string,
  mode: number,
  uid: number,
  gid: number,
  size: number,
  mtime: number,
  typeflag: string,
  linkname: string,
  uname: string,
  gname: string,
  split: boolean,
): void {
  out.fill(0, at, at + TAR_BLOCK);
  // Each field adds its bytes to the checksum as it is written, which counts its own field as
  // eight spaces: no pass over the block.
  let sum = 8 * 0x20;
  const ascii = putAscii(out, at, 100, path);
  if (ascii >= 0) sum += ascii;
  else {
    const bytes = enc.encode(path);
    const parts = split ? splitUstarPath(bytes) : undefined;
    if (parts) sum += putBytes(out, at, parts.name) + putBytes(out, at + 345, parts.prefix);
    else sum += putBytes(out, at, split ? bytes.subarray(Math.max(0, bytes.length - 100)) : bytes.subarray(0, 100));
  }
  sum += putOctal(out, at + 100, 8, mode);
  sum += putOctal(out, at + 108, 8, uid);
  sum += putOctal(out, at + 116, 8, gid);
  sum += putOctal(out, at + 124, 12, size);
  sum += putOctal(out, at + 136, 12, mtime);
  out[at + 156] = typeflag.charCodeAt(0);
  sum += out[at + 156];
  sum += putText(out, at + 157, 100, linkname);
  sum += putAscii(out, at + 257, 8, 'ustar\u000000'); // magic "ustar\0", version "00"
  sum += putText(out, at + 265, 32, uname);
  sum += putText(out, at + 297, 32, gname);
  // devmajor and devminor (329, 337) stay zero: no device is ever archived.
  // Six octal digits, a NUL, a space: as GNU tar and bsdtar write it.
  putOctal(out, at + 148, 7, sum);
  out[at + 155] = 0x20;
}

/** `width - 1` octal digits and a NUL; the sum of the bytes written. */
function putOctal(out: Uint8Array, at: number, width: number, value: number): number {
  let v = value;
  let sum = 0;
  for (let i = width - 2; i >= 0; i--) {
    const digit = 0x30 + (v % 8);
    out[at + i] = digit;
    sum += digit;
    v = Math.floor(v / 8);
  }
  out[at + width - 1] = 0;
  return sum;
}

/** Writes `text` if it is ASCII and fits in `width` bytes: the sum of its bytes, or -1 (nothing written). */
function putAscii(out: Uint8Array, at: number, width: number, text: string): number {
  if (text.length > width) return -1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return -1;
  let sum = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[at + i] = c;
    sum += c;
  }
  return sum;
}

/** `text` as UTF-8, cut to `width` bytes; the sum of the bytes written. */
function putText(out: Uint8Array, at: number, width: number, text: string): number {
  const ascii = putAscii(out, at, width, text);
  return ascii >= 0 ? ascii : putBytes(out, at, enc.encode(text).subarray(0, width));
}

function putBytes(out: Uint8Array, at: number, bytes: Uint8Array): number {
  out.set(bytes, at);
  let sum = 0;
  for (const b of bytes) sum += b;
  return sum;
}
