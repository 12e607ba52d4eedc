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

/** gzip's OS byte for Unix, which gzip and pigz write on Linux. */
export const OS_UNIX = 3;

export interface GzipHeaderFields {
  /** The source's mtime in seconds; 0 for a stream (no time is recorded). */
  mtime: number;
  /** The source file's name (FNAME), as `gzip file` stores it; none for streams. */
  name?: string;
  /** The deflate level: XFL says 2 for the slowest (9), 4 for the fastest (1), as gzip sets it. */
  level: number;
}

/** The 10-byte header (plus FNAME) that starts a member, as gzip writes it. */
export function writeGzipHeader(fields: GzipHeaderFields): Uint8Array {
  const name = fields.name === undefined ? undefined : Buffer.from(fields.name, 'utf8');
  const header = Buffer.alloc(10 + (name ? name.length + 1 : 0));
  header[0] = 0x1f;
  header[1] = 0x8b;
  header[2] = 8;
  header[3] = name ? FNAME : 0;
  header.writeUInt32LE(Math.max(0, Math.min(0xffffffff, Math.floor(fields.mtime))), 4);
  header[8] = fields.level >= 9 ? 2 : fields.level <= 1 ? 4 : 0;
  header[9] = OS_UNIX;
  name?.copy(header, 10);
  return header;
}

/** CRC32 and ISIZE (the length modulo 2^32), which end a member. */
export function writeGzipTrailer(crc32: number, length: number): Uint8Array {
  const trailer = Buffer.alloc(GZIP_TRAILER_SIZE);
  trailer.writeUInt32LE(crc32 >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return trailer;
}

/**
 * A final deflate block with no content (fixed Huffman codes, end-of-block only). Every chunk of a
 * parallel member ends with a sync flush, whether or not more follows (a stream's end is known
 * only after its last chunk), so the member is closed with this.
 */
export const FINAL_EMPTY_BLOCK = Uint8Array.of(0x03, 0x00);
