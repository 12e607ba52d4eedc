import { MANIFEST_MAGIC, SKIPPABLE_HEADER_SIZE } from './constants';
import { FormatError } from './formatError';
import { readSkippableHeader, writeSkippableFrame } from './skippableFrame';

/** ASCII "CPKM": tells a Chunkpress manifest from other users of skippable variant 0xD. */
export const MANIFEST_TAG = 0x4d4b5043;
export const MANIFEST_VERSION = 1;
/** Tag u32, version u8, flags u8, reserved u16. */
export const MANIFEST_PREAMBLE_SIZE = 8;

export type SourceKind = 'file' | 'stream';

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
}

/** Serialises the manifest as a complete skippable frame (magic 0x184D2A5D). */
export function writeManifest(manifest: Manifest): Buffer {
  const json = Buffer.from(JSON.stringify(manifest), 'utf8');
  const payload = Buffer.alloc(MANIFEST_PREAMBLE_SIZE + json.length);
  payload.writeUInt32LE(MANIFEST_TAG, 0);
  payload.writeUInt8(MANIFEST_VERSION, 4);
  payload.writeUInt8(0, 5); // flags: 0 = UTF-8 JSON body
  payload.writeUInt16LE(0, 6);
  payload.set(json, MANIFEST_PREAMBLE_SIZE);
  return writeSkippableFrame(MANIFEST_MAGIC, payload);
}

/** Parses a manifest frame located at absolute byte `offset` of its archive. */
export function parseManifest(frame: Uint8Array, offset = 0): Manifest {
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
  if (version !== MANIFEST_VERSION) throw new FormatError(`unsupported manifest version ${version}`, at + 4);
  const flags = payload.readUInt8(5);
  if (flags !== 0) throw new FormatError(`unsupported manifest flags 0x${flags.toString(16)}`, at + 5);
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8', MANIFEST_PREAMBLE_SIZE));
  } catch (err) {
    throw new FormatError(`manifest body is not valid JSON: ${(err as Error).message}`, at + MANIFEST_PREAMBLE_SIZE);
  }
  return validateManifest(value, at + MANIFEST_PREAMBLE_SIZE);
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
  return m;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isSize = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isHex = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{16}$/.test(v);
