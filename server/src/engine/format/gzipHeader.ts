/** RFC 1952 gzip member headers, with the BGZF extra subfield (SAM/BAM spec §4.1). */
import { FormatError } from './formatError';

const FTEXT = 1;
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
const RESERVED_FLAGS = 0xe0;
/** The gzip trailer: CRC32 and ISIZE. */
export const GZIP_TRAILER_SIZE = 8;
/** Longest header we look at before giving up: 10 fixed, 2 + 65535 extra, names of up to 64 KiB. */
export const MAX_GZIP_HEADER_SIZE = 10 + 2 + 0xffff + 2 * (64 << 10) + 2;

export const GZIP_OS: Record<number, string> = {
  0: 'FAT',
  1: 'Amiga',
  2: 'VMS',
  3: 'Unix',
  4: 'VM/CMS',
  5: 'Atari TOS',
  6: 'HPFS',
  7: 'Macintosh',
  8: 'Z-System',
  9: 'CP/M',
  10: 'TOPS-20',
  11: 'NTFS',
  12: 'QDOS',
  13: 'Acorn RISCOS',
  255: 'unknown',
};

export interface GzipSubfield {
  id: string;
  length: number;
}

export interface GzipHeader {
  headerSize: number;
  method: number;
  flags: number;
  text: boolean;
  hasHeaderCrc: boolean;
  /** Seconds since the epoch; 0 means not set. */
  mtime: number;
  xfl: number;
  os: number;
  name: string | undefined;
  comment: string | undefined;
  extra: GzipSubfield[];
  /** BGZF: total block size (BSIZE + 1), when the BC subfield is present. */
  bgzfBlockSize: number | undefined;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Parses the member header in `bytes` found at absolute `offset`, member number `member`. */
export function parseGzipHeader(bytes: Uint8Array, offset: number, member?: number): GzipHeader {
  const fail = (message: string, at: number): never => {
    throw new FormatError(message, offset + at, member);
  };
  const need = (pos: number, n: number, what: string): void => {
    if (pos + n > bytes.length) fail(`truncated gzip header: ${what}`, pos);
  };
  need(0, 10, 'fixed fields');
  if (!isGzip(bytes)) fail(`not a gzip member: bytes ${bytes[0].toString(16)} ${bytes[1].toString(16)}`, 0);
  const method = bytes[2];
  if (method !== 8) fail(`compression method ${method} is not deflate (8)`, 2);
  const flags = bytes[3];
  if (flags & RESERVED_FLAGS) fail(`reserved flag bits 0x${(flags & RESERVED_FLAGS).toString(16)} are set`, 3);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const mtime = view.getUint32(4, true);
  let pos = 10;
  const extra: GzipSubfield[] = [];
  let bgzfBlockSize: number | undefined;
  if (flags & FEXTRA) {
    need(pos, 2, 'XLEN');
    const xlen = view.getUint16(pos, true);
    pos += 2;
    need(pos, xlen, `${xlen} bytes of extra field`);
    const end = pos + xlen;
    while (pos + 4 <= end) {
      const id = String.fromCharCode(bytes[pos], bytes[pos + 1]);
      const length = view.getUint16(pos + 2, true);
      if (pos + 4 + length > end) fail(`extra subfield ${id} overruns the extra field`, pos);
      extra.push({ id, length });
      if (id === 'BC' && length === 2) bgzfBlockSize = view.getUint16(pos + 4, true) + 1;
      pos += 4 + length;
    }
    pos = end;
  }
  const zeroTerminated = (what: string): string => {
    const start = pos;
    while (pos < bytes.length && bytes[pos] !== 0) pos++;
    if (pos >= bytes.length) fail(`unterminated ${what}`, start);
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, pos - start).toString('latin1');
    pos++;
    return text;
  };
  const name = flags & FNAME ? zeroTerminated('file name') : undefined;
  const comment = flags & FCOMMENT ? zeroTerminated('comment') : undefined;
  if (flags & FHCRC) {
    need(pos, 2, 'header CRC16');
    pos += 2;
  }
  return {
    headerSize: pos,
    method,
    flags,
    text: (flags & FTEXT) !== 0,
    hasHeaderCrc: (flags & FHCRC) !== 0,
    mtime,
    xfl: bytes[8],
    os: bytes[9],
    name,
    comment,
    extra,
    bgzfBlockSize,
  };
}
