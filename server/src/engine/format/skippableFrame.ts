import { SKIPPABLE_HEADER_SIZE, SKIPPABLE_MAGIC_BASE, SKIPPABLE_MAGIC_MASK, MAX_SKIPPABLE_PAYLOAD } from './constants';

/** True for any of the 16 skippable-frame magics of RFC 8878 §3.1.2. */
export function isSkippableMagic(magic: number): boolean {
  return (magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC_BASE;
}

/** Wraps a payload in a skippable frame: Magic_Number u32 LE, Frame_Size u32 LE, User_Data. */
export function writeSkippableFrame(magic: number, payload: Uint8Array | readonly Uint8Array[]): Buffer {
  return Buffer.concat(skippableFramePieces(magic, payload instanceof Uint8Array ? [payload] : payload));
}

/** The same frame as its header followed by the payload's own pieces, for a writer to write in turn. */
export function skippableFramePieces(magic: number, payload: readonly Uint8Array[]): Uint8Array[] {
  if (!isSkippableMagic(magic)) throw new RangeError(`0x${magic.toString(16)} is not a skippable-frame magic`);
  const length = payload.reduce((n, p) => n + p.length, 0);
  if (length > MAX_SKIPPABLE_PAYLOAD) throw new RangeError('skippable frame payload exceeds 4 GiB');
  const header = Buffer.allocUnsafe(SKIPPABLE_HEADER_SIZE);
  header.writeUInt32LE(magic, 0);
  header.writeUInt32LE(length, 4);
  return [header, ...payload];
}

export interface SkippableHeader {
  magic: number;
  /** 0..15, the low nibble of the magic. */
  variant: number;
  payloadSize: number;
}

/** Reads a skippable-frame header at `offset`, or returns undefined when the bytes are not one. */
export function readSkippableHeader(buf: Uint8Array, offset = 0): SkippableHeader | undefined {
  if (buf.length - offset < SKIPPABLE_HEADER_SIZE) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset + offset, SKIPPABLE_HEADER_SIZE);
  const magic = view.getUint32(0, true);
  if (!isSkippableMagic(magic)) return undefined;
  return { magic, variant: magic & 0xf, payloadSize: view.getUint32(4, true) };
}
