import { MANIFEST_MAGIC, SKIPPABLE_HEADER_SIZE } from './constants';
import { FormatError } from './formatError';
import { readSkippableHeader, writeSkippableFrame } from './skippableFrame';

/** ASCII "CPKM": tells a Chunkpress manifest from other users of skippable variant 0xD. */
export const MANIFEST_TAG = 0x4d4b5043;
/** What writers write; readers also read version 1 (the same without `members`). */
export const MANIFEST_VERSION = 2;
/** Tag u32, version u8, flags u8, reserved u16. */
export const MANIFEST_PREAMBLE_SIZE = 8;
/** Flags bit 0: the body is one zstd frame holding the JSON (version 2). */
export const MANIFEST_COMPRESSED = 0x01;
/** A body longer than this is compressed by writers that can. */
export const MANIFEST_COMPRESS_ABOVE = 64 << 10;

/** `tree`: a tar of folders and files, with `members`. */
export type SourceKind = 'file' | 'stream' | 'tree';

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

/** The columns of `members.rows`, in this order. */
export const MEMBER_FIELDS = [
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
] as const satisfies ReadonlyArray<keyof ManifestMember>;

/** Decodes a compressed manifest body (the caller's zstd: this module does no I/O and no codec). */
export type Inflate = (body: Uint8Array) => Uint8Array;
export type Deflate = (json: Uint8Array) => Uint8Array;

/**
 * What the archive holds and how it was made. Only input bytes, options and source metadata go
 * in: never the time of the run or the thread count, so output is reproducible.
 */
export interface Manifest {
  format: 'chunkpress';
  version: number;
  options: { level: number; chunkSize: number };
  source: { name: string; kind: SourceKind; size: number; mtime: string | null; mode: number | null };
  content: {
    size: number;
    chunkCount: number;
    /** XXH64 over the concatenated big-endian chunk digests, so it can be computed in parallel. */
    digestAlgorithm: 'xxh64-tree';
    digest: string;
  };
  chunks: { digestAlgorithm: 'xxh64'; digests: string[] };
  /** A tree's tar members, in archive order (version 2). */
  members?: ManifestMember[];
}

/**
 * Serialises the manifest as a complete skippable frame (magic 0x184D2A5D); members go in as rows
 * of MEMBER_FIELDS. A body over MANIFEST_COMPRESS_ABOVE bytes is compressed when `deflate` is given.
 */
export function writeManifest(manifest: Manifest, deflate?: Deflate): Buffer {
  const { members, ...rest } = manifest;
  const body = members
    ? { ...rest, members: { fields: MEMBER_FIELDS, rows: members.map((m) => MEMBER_FIELDS.map((f) => m[f])) } }
    : rest;
  let json: Uint8Array = Buffer.from(JSON.stringify(body), 'utf8');
  let flags = 0;
  if (deflate && json.length > MANIFEST_COMPRESS_ABOVE) {
    json = deflate(json);
    flags |= MANIFEST_COMPRESSED;
  }
  const payload = Buffer.alloc(MANIFEST_PREAMBLE_SIZE + json.length);
  payload.writeUInt32LE(MANIFEST_TAG, 0);
  payload.writeUInt8(manifest.version, 4);
  payload.writeUInt8(flags, 5);
  payload.writeUInt16LE(0, 6);
  payload.set(json, MANIFEST_PREAMBLE_SIZE);
  return writeSkippableFrame(MANIFEST_MAGIC, payload);
}

/** Parses a manifest frame located at absolute byte `offset` of its archive. */
export function parseManifest(frame: Uint8Array, offset = 0, inflate?: Inflate): Manifest {
  const header = readSkippableHeader(frame);
  if (!header || header.magic !== MANIFEST_MAGIC) {
    throw new FormatError('expected a manifest skippable frame (magic 0x184D2A5D)', offset);
  }
  if (frame.length < SKIPPABLE_HEADER_SIZE + header.payloadSize) {
    throw new FormatError(`manifest frame is truncated: needs ${header.payloadSize} payload bytes`, offset + 4);
  }
  if (frame.length > SKIPPABLE_HEADER_SIZE + header.payloadSize) {
    const gap = frame.length - SKIPPABLE_HEADER_SIZE - header.payloadSize;
    throw new FormatError(`${gap} unexplained bytes between the manifest and the seek table`, offset + 4);
  }
  const payload = Buffer.from(frame.buffer, frame.byteOffset + SKIPPABLE_HEADER_SIZE, header.payloadSize);
  const at = offset + SKIPPABLE_HEADER_SIZE;
  if (payload.length < MANIFEST_PREAMBLE_SIZE || payload.readUInt32LE(0) !== MANIFEST_TAG) {
    throw new FormatError('manifest payload does not start with "CPKM"', at);
  }
  const version = payload.readUInt8(4);
  if (version !== 1 && version !== 2) throw new FormatError(`unsupported manifest version ${version}`, at + 4);
  const flags = payload.readUInt8(5);
  const known = version === 1 ? 0 : MANIFEST_COMPRESSED;
  if ((flags & ~known) !== 0) throw new FormatError(`unsupported manifest flags 0x${flags.toString(16)}`, at + 5);
  const bodyAt = at + MANIFEST_PREAMBLE_SIZE;
  let body: Uint8Array = payload.subarray(MANIFEST_PREAMBLE_SIZE);
  if (flags & MANIFEST_COMPRESSED) {
    if (!inflate) throw new FormatError('manifest body is compressed, and this reader cannot decode it', at + 5);
    try {
      body = inflate(body);
    } catch (err) {
      throw new FormatError(`manifest body does not decode: ${(err as Error).message}`, bodyAt);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8'));
  } catch (err) {
    throw new FormatError(`manifest body is not valid JSON: ${(err as Error).message}`, bodyAt);
  }
  const manifest = validateManifest(value, bodyAt);
  if (manifest.version !== version)
    throw new FormatError(`manifest body says version ${manifest.version}, its preamble ${version}`, at + 4);
  return manifest;
}

function validateManifest(value: unknown, at: number): Manifest {
  const fail = (what: string): never => {
    throw new FormatError(`manifest ${what}`, at);
  };
  const m = value as Manifest;
  if (typeof m !== 'object' || m === null || m.format !== 'chunkpress') fail('is not a Chunkpress manifest');
  if (!isObject(m.options) || !Number.isInteger(m.options.level) || !isSize(m.options.chunkSize))
    fail('has bad options');
  if (!isObject(m.source) || typeof m.source.name !== 'string' || !isSize(m.source.size)) fail('has a bad source');
  if (!isObject(m.content) || !isSize(m.content.size) || !isSize(m.content.chunkCount) || !isHex(m.content.digest)) {
    fail('has bad content fields');
  }
  if (!isObject(m.chunks) || !Array.isArray(m.chunks.digests) || !m.chunks.digests.every(isHex)) {
    fail('has bad chunk digests');
  }
  if (m.chunks.digests.length !== m.content.chunkCount) {
    fail(`lists ${m.chunks.digests.length} chunk digests for ${m.content.chunkCount} chunks`);
  }
  const members = (m as { members?: unknown }).members;
  if (members === undefined) return m;
  return { ...m, members: readMembers(members, m.content, fail) };
}

/** Member rows into members, each field checked: an index from elsewhere is hostile. */
function readMembers(table: unknown, content: Manifest['content'], fail: (what: string) => never): ManifestMember[] {
  if (!isObject(table) || !Array.isArray(table.fields) || !Array.isArray(table.rows)) fail('has a bad member table');
  const { fields, rows } = table as { fields: unknown[]; rows: unknown[] };
  const column = new Map<string, number>(fields.map((f, i) => [String(f), i]));
  const missing = MEMBER_FIELDS.find((f) => !column.has(f));
  if (missing) fail(`member table has no "${missing}" column`);
  const at = MEMBER_FIELDS.map((f) => column.get(f)!);
  const out: ManifestMember[] = new Array<ManifestMember>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!Array.isArray(row)) fail(`member ${i} is not a row`);
    const r = row as unknown[];
    const member = {} as Record<string, unknown>;
    for (let f = 0; f < MEMBER_FIELDS.length; f++) member[MEMBER_FIELDS[f]] = r[at[f]];
    const m = member as unknown as ManifestMember;
    const bad = memberProblem(m, content);
    if (bad) fail(`member ${i} (${typeof m.path === 'string' ? JSON.stringify(m.path) : 'no path'}) ${bad}`);
    out[i] = m;
  }
  return out;
}

const TYPES: ReadonlySet<unknown> = new Set<MemberType>(['file', 'directory', 'symlink', 'hardlink']);

function memberProblem(m: ManifestMember, content: Manifest['content']): string | undefined {
  if (typeof m.path !== 'string' || m.path === '') return 'has no path';
  if (!TYPES.has(m.type)) return `has an unknown type ${JSON.stringify(m.type)}`;
  if (!isSize(m.mode) || !isSize(m.size) || !Number.isSafeInteger(m.mtime) || !isSize(m.mtimeNs))
    return 'has a bad mode, size or mtime';
  if (!isSize(m.uid) || !isSize(m.gid) || typeof m.uname !== 'string' || typeof m.gname !== 'string')
    return 'has bad owners';
  if (m.link !== null && typeof m.link !== 'string') return 'has a bad link target';
  if (!isSize(m.headerOffset) || !isSize(m.dataOffset) || !isSize(m.frame)) return 'has bad offsets';
  if (m.dataOffset < m.headerOffset || m.dataOffset + m.size > content.size)
    return `claims bytes ${m.dataOffset}..${m.dataOffset + m.size}, outside the ${content.size} bytes of content`;
  if (m.frame >= content.chunkCount) return `starts in frame ${m.frame} of ${content.chunkCount}`;
  if (m.sha256 !== null && !(typeof m.sha256 === 'string' && /^[0-9a-f]{64}$/.test(m.sha256)))
    return 'has a bad SHA-256';
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isSize = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isHex = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{16}$/.test(v);
