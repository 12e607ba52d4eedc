import { MANIFEST_MAGIC, SKIPPABLE_HEADER_SIZE } from './constants';
import { FormatError } from './formatError';
import { MEMBER_COLUMNS, MemberIndex, type MemberColumn } from './memberIndex';
import { readSkippableHeader, skippableFramePieces } from './skippableFrame';

export type { ManifestMember, MemberType } from './memberIndex';

/** ASCII "CPKM": tells a Chunkpress manifest from other users of skippable variant 0xD. */
export const MANIFEST_TAG = 0x4d4b5043;
/** What writers write; readers also read version 1 (the same without `members`). */
export const MANIFEST_VERSION = 2;
/** Tag u32, version u8, flags u8, reserved u16. */
export const MANIFEST_PREAMBLE_SIZE = 8;
/**
 * Flags bit 0 (version 2): the body is compressed: a u32 with the size of a zstd frame holding the
 * JSON, that frame, then one zstd frame per member column (memberIndex.ts), as the JSON lists them.
 */
export const MANIFEST_COMPRESSED = 0x01;
/** A body longer than this is compressed by writers that can. */
export const MANIFEST_COMPRESS_ABOVE = 64 << 10;

/** `tree`: a tar of folders and files, with `members`. */
export type SourceKind = 'file' | 'stream' | 'tree';

/** Decodes one zstd frame of a compressed body (the caller's zstd: this module has no codec). */
export type Inflate = (frame: Uint8Array) => Uint8Array;
/**
 * Compresses a JSON text of `size` bytes, given in pieces (each valid only until the next is asked
 * for), into one zstd frame that declares its size, in bytes of its own.
 */
export type Deflate = (pieces: Iterable<Uint8Array>, size: number) => Uint8Array;

/** How the member columns are listed in a compressed body's JSON. */
interface MemberTable {
  count: number;
  columns: Array<{ name: MemberColumn; size: number }>;
}

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
  members?: MemberIndex;
}

/**
 * Serialises the manifest as a complete skippable frame (magic 0x184D2A5D). A manifest with members,
 * or whose JSON is over MANIFEST_COMPRESS_ABOVE bytes, is compressed (`deflate` is then needed).
 */
export function writeManifest(manifest: Manifest, deflate?: Deflate): Buffer {
  return Buffer.concat(manifestFramePieces(manifest, deflate));
}

/**
 * The same frame in pieces, to be written one after another: a kernel tree's manifest is 4 MB,
 * and joining its columns into one buffer would only copy them.
 */
export function manifestFramePieces(manifest: Manifest, deflate?: Deflate): Uint8Array[] {
  const { members, ...rest } = manifest;
  if (members && !deflate) throw new RangeError('a manifest with members is compressed: writeManifest needs deflate');
  const frames = members ? MEMBER_COLUMNS.map((name) => deflateText(deflate!, () => members.columnPieces(name))) : [];
  const head: object = members
    ? {
        ...rest,
        members: { count: members.count, columns: MEMBER_COLUMNS.map((name, i) => ({ name, size: frames[i].length })) },
      }
    : rest;
  const json = Buffer.from(JSON.stringify(head), 'utf8');
  const preamble = Buffer.alloc(MANIFEST_PREAMBLE_SIZE);
  preamble.writeUInt32LE(MANIFEST_TAG, 0);
  preamble.writeUInt8(manifest.version, 4);
  preamble.writeUInt16LE(0, 6);
  if (!members && json.length <= MANIFEST_COMPRESS_ABOVE) return skippableFramePieces(MANIFEST_MAGIC, [preamble, json]);
  if (!deflate) throw new RangeError('a manifest with members is compressed: writeManifest needs deflate');
  preamble.writeUInt8(MANIFEST_COMPRESSED, 5);
  const headFrame = deflate([json], json.length);
  const headSize = Buffer.alloc(4);
  headSize.writeUInt32LE(headFrame.length, 0);
  return skippableFramePieces(MANIFEST_MAGIC, [preamble, headSize, headFrame, ...frames]);
}

/**
 * A text made of pieces, compressed without ever being whole: its pieces are made twice, once to
 * count its bytes (the frame declares its size before its data), then to be encoded and compressed,
 * each through one reused buffer.
 */
function deflateText(deflate: Deflate, pieces: () => Iterable<string>): Uint8Array {
  let size = 0;
  for (const piece of pieces()) size += Buffer.byteLength(piece);
  let scratch = Buffer.alloc(0);
  function* encoded(): Generator<Uint8Array> {
    for (const piece of pieces()) {
      const length = Buffer.byteLength(piece);
      if (scratch.length < length) scratch = Buffer.allocUnsafe(Math.max(length, 64 << 10));
      scratch.write(piece);
      yield scratch.subarray(0, length);
    }
  }
  return deflate(encoded(), size);
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
  const body: Uint8Array = payload.subarray(MANIFEST_PREAMBLE_SIZE);
  if (!(flags & MANIFEST_COMPRESSED)) return validateManifest(readJson(body, bodyAt), version, bodyAt);
  if (!inflate) throw new FormatError('manifest body is compressed, and this reader cannot decode it', at + 5);
  const inflated = (frame: Uint8Array, what: string, where: number): Uint8Array => {
    try {
      return inflate(frame);
    } catch (err) {
      throw new FormatError(`manifest ${what} does not decode: ${(err as Error).message}`, where);
    }
  };
  const headSize = body.length >= 4 ? Buffer.from(body.buffer, body.byteOffset, 4).readUInt32LE(0) : Infinity;
  if (4 + headSize > body.length) throw new FormatError('manifest body is cut short', bodyAt);
  const head = readJson(inflated(body.subarray(4, 4 + headSize), 'body', bodyAt + 4), bodyAt + 4);
  const manifest = validateManifest(head, version, bodyAt + 4);
  const table = (head as { members?: unknown }).members;
  if (table === undefined) return manifest;
  if (!isMemberTable(table)) throw new FormatError('manifest has a bad member table', bodyAt + 4);
  // Each column's frame, where the table says, checked to lie inside the body before anything reads it.
  const spans = new Map<MemberColumn, { start: number; end: number }>();
  let pos = 4 + headSize;
  for (const c of table.columns) {
    spans.set(c.name, { start: pos, end: pos + c.size });
    pos += c.size;
  }
  if (pos !== body.length)
    throw new FormatError(
      `manifest member columns take ${pos - 4 - headSize} bytes, but ${body.length - 4 - headSize} follow its JSON`,
      bodyAt,
    );
  const missing = MEMBER_COLUMNS.find((c) => !spans.has(c));
  if (missing) throw new FormatError(`manifest member table has no "${missing}" column`, bodyAt + 4);
  const columnBytes = (name: MemberColumn): Uint8Array => {
    const { start, end } = spans.get(name)!;
    return inflated(body.subarray(start, end), `member column "${name}"`, bodyAt + start);
  };
  const members = new MemberIndex(
    table.count,
    (name) => {
      const bytes = columnBytes(name);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
    },
    { contentSize: manifest.content.size, frames: manifest.content.chunkCount },
    bodyAt,
    columnBytes,
  );
  return { ...manifest, members };
}

function readJson(bytes: Uint8Array, at: number): unknown {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch (err) {
    throw new FormatError(`manifest body is not valid JSON: ${(err as Error).message}`, at);
  }
}

function isMemberTable(v: unknown): v is MemberTable {
  if (!isObject(v) || !isSize(v.count) || !Array.isArray(v.columns)) return false;
  return v.columns.every(
    (c: unknown) => isObject(c) && (MEMBER_COLUMNS as readonly unknown[]).includes(c.name) && isSize(c.size),
  );
}

function validateManifest(value: unknown, version: number, at: number): Manifest {
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
  if (m.version !== version) fail(`says version ${m.version}, its preamble ${version}`);
  const { members: _, ...rest } = m;
  return rest;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isSize = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isHex = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{16}$/.test(v);
