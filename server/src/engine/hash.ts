/** XXH64 (seed 0), the hash zstd uses for Content_Checksum, from hash-wasm (WebAssembly, no native build). */
import { createXXHash64, type IHasher } from 'hash-wasm';

export type Xxh64 = (data: Uint8Array) => string;

/** Resolves to a function returning the canonical 16-hex-digit XXH64, as `xxhsum -H64` prints it. */
export async function createXxh64(): Promise<Xxh64> {
  const hasher: IHasher = await createXXHash64(0, 0);
  return (data) => {
    hasher.init();
    hasher.update(data);
    return hasher.digest('hex');
  };
}

/** The whole-content digest: XXH64 over the chunk digests' 8-byte big-endian values, in order. */
export function treeDigest(hash: Xxh64, chunkDigests: readonly string[]): string {
  return hash(Buffer.from(chunkDigests.join(''), 'hex'));
}
