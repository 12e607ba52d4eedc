/**
 * XXH64 (seed 0), the hash zstd uses for Content_Checksum, from @node-rs/xxhash (Node-API,
 * prebuilt): about 12 GB/s on one core here, twice the WebAssembly builds, which matters because
 * every input byte is hashed once on the workers' critical path.
 */
type NativeXxhash = typeof import('@node-rs/xxhash');

let native: NativeXxhash | undefined;
/** Loaded on first use (4 ms): a command that hashes nothing, such as reading one member, does not pay it. */
function nativeXxhash(): NativeXxhash {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (native ??= require('@node-rs/xxhash') as NativeXxhash);
}

export type Xxh64 = (data: Uint8Array) => string;

/** The canonical 16-hex-digit XXH64, as `xxhsum -H64` prints it. */
export const xxh64: Xxh64 = (data) => nativeXxhash().xxh64(data).toString(16).padStart(16, '0');

/** An XXH64 fed piece by piece. */
export function xxh64Stream(): InstanceType<NativeXxhash['Xxh64']> {
  return new (nativeXxhash().Xxh64)();
}

/** A zstd frame's Content_Checksum (RFC 8878): the low 32 bits of its content's XXH64 `digest`. */
export const contentChecksum = (digest: string): number => parseInt(digest.slice(8), 16);

/** The whole-content digest: XXH64 over the chunk digests' 8-byte big-endian values, in order. */
export function treeDigest(chunkDigests: readonly string[]): string {
  return xxh64(Buffer.from(chunkDigests.join(''), 'hex'));
}
