/**
 * libdeflate (our Node-API binding, native/libdeflate, over Debian's libdeflate linked statically)
 * for BGZF blocks, where every block is deflated and inflated whole: it is what bgzip uses, so our
 * blocks are bgzip's bytes, and it inflates 64 KiB blocks 2-3x faster than zlib. It cannot take a
 * preset dictionary, so a single gzip member stays on zlib. Without the addon (a build that could
 * not make it) BGZF falls back to zlib: the same format, other bytes.
 */
import * as path from 'node:path';

export interface Libdeflate {
  readonly version: string;
  /** Raw DEFLATE of `input` into `output`; the bytes written, or 0 when they do not fit. */
  deflate(input: Uint8Array, output: Uint8Array, level: number): number;
  /** Inflates raw DEFLATE into `output`, exactly its size; throws on bad data or another size. */
  inflate(input: Uint8Array, output: Uint8Array): void;
}

function load(): Libdeflate | undefined {
  // Beside the bundle (dist/, copied by scripts/build.mjs), else the package (tests run from out/).
  for (const candidate of [path.join(__dirname, 'deflate_binding.node'), 'chunkpress-libdeflate']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(candidate) as Libdeflate;
    } catch {
      // the next one
    }
  }
  return undefined;
}

let loaded: { binding: Libdeflate | undefined } | undefined;

/** The binding, loaded on first use (a command that makes or reads no BGZF does not load it). */
export function libdeflate(): Libdeflate | undefined {
  return (loaded ??= { binding: load() }).binding;
}

/** What deflates BGZF blocks here: "libdeflate 1.14", or "zlib 1.3.0.1-motley" without the addon. */
export function bgzfEngine(): string {
  const binding = libdeflate();
  return binding ? `libdeflate ${binding.version}` : `zlib ${process.versions.zlib}`;
}
