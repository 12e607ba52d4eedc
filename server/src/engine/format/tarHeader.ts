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
  const path = enc.encode(entry.type === 'directory' ? `${entry.path}/` : entry.path);
  const link = enc.encode(entry.linkTarget ?? '');
  const uname = enc.encode(entry.uname);
  const gname = enc.encode(entry.gname);
  const pax: PaxValues = {};
  const split = splitUstarPath(path);
  if (!split) pax.path = entry.type === 'directory' ? `${entry.path}/` : entry.path;
  if (link.length > 100) pax.linkpath = entry.linkTarget;
  if (entry.size > MAX_SIZE) pax.size = String(entry.size);
  if (entry.uid > MAX_ID) pax.uid = String(entry.uid);
  if (entry.gid > MAX_ID) pax.gid = String(entry.gid);
  if (uname.length > 32) pax.uname = entry.uname;
  if (gname.length > 32) pax.gname = entry.gname;
  if (entry.mtime.seconds > MAX_MTIME || entry.mtime.seconds < 0 || (options.subsecondMtime && entry.mtime.nanoseconds))
    pax.mtime = paxTime(entry.mtime);
  const ustar = ustarHeader({
    name: split ? split.name : truncatedName(path),
    prefix: split ? split.prefix : new Uint8Array(0),
    mode: entry.mode & 0o7777,
    uid: Math.min(entry.uid, MAX_ID),
    gid: Math.min(entry.gid, MAX_ID),
    size: entry.size > MAX_SIZE ? 0 : entry.size,
    mtime: Math.min(Math.max(0, entry.mtime.seconds), MAX_MTIME),
    typeflag: TYPE_FLAGS[entry.type],
    linkname: link.length > 100 ? link.subarray(0, 100) : link,
    uname: uname.length > 32 ? new Uint8Array(0) : uname,
    gname: gname.length > 32 ? new Uint8Array(0) : gname,
  });
  if (Object.keys(pax).length === 0) return ustar;
  const records = paxRecords(pax);
  const paxName = enc.encode(`PaxHeaders/${entry.path.split('/').pop() ?? ''}`);
  const paxHeaderBlock = ustarHeader({
    name: paxName.length > 100 ? paxName.subarray(0, 100) : paxName,
    prefix: new Uint8Array(0),
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: records.length,
    mtime: Math.min(Math.max(0, entry.mtime.seconds), MAX_MTIME),
    typeflag: 'x',
    linkname: new Uint8Array(0),
    uname: new Uint8Array(0),
    gname: new Uint8Array(0),
  });
  const out = new Uint8Array(TAR_BLOCK + records.length + tarPadding(records.length) + TAR_BLOCK);
  out.set(paxHeaderBlock, 0);
  out.set(records, TAR_BLOCK);
  out.set(ustar, out.length - TAR_BLOCK);
  return out;
}

/** "1700000000.5" for a pax mtime: seconds, and the fraction without trailing zeros. */
export function paxTime({ seconds, nanoseconds }: TarEntry['mtime']): string {
  if (!nanoseconds) return String(seconds);
  return `${seconds}.${String(nanoseconds).padStart(9, '0').replace(/0+$/, '')}`;
}

/** A path that only a pax reader gets whole: its last 100 bytes for the ustar name. */
function truncatedName(path: Uint8Array): Uint8Array {
  return path.subarray(Math.max(0, path.length - 100));
}

interface UstarFields {
  name: Uint8Array;
  prefix: Uint8Array;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: Uint8Array;
  uname: Uint8Array;
  gname: Uint8Array;
}

function ustarHeader(f: UstarFields): Uint8Array {
  const block = new Uint8Array(TAR_BLOCK);
  const octal = (value: number, at: number, width: number): void => {
    const digits = value.toString(8).padStart(width - 1, '0');
    for (let i = 0; i < width - 1; i++) block[at + i] = digits.charCodeAt(i);
    block[at + width - 1] = 0;
  };
  const ascii = (text: string, at: number): void => {
    for (let i = 0; i < text.length; i++) block[at + i] = text.charCodeAt(i);
  };
  block.set(f.name, 0);
  octal(f.mode, 100, 8);
  octal(f.uid, 108, 8);
  octal(f.gid, 116, 8);
  octal(f.size, 124, 12);
  octal(f.mtime, 136, 12);
  ascii('        ', 148); // the checksum counts its own field as spaces
  ascii(f.typeflag, 156);
  block.set(f.linkname, 157);
  ascii('ustar\0', 257);
  ascii('00', 263);
  block.set(f.uname, 265);
  block.set(f.gname, 297);
  // devmajor and devminor (329, 337) stay zero: no device is ever archived.
  block.set(f.prefix, 345);
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += block[i];
  // Six octal digits, a NUL, a space: as GNU tar and bsdtar write it.
  ascii(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}
