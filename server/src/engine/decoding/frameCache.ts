/**
 * Decoded frames kept for reads at random (members opened from a mounted archive one after the
 * other, most of them in the same few frames): each frame is decoded once, concurrent reads of one
 * frame share that decode, and the least recently used go once the cache holds more than its
 * bound in bytes. Frames are decoded here, in the caller's thread: one of at most MAX_CACHED_FRAME
 * takes a few milliseconds, less than a round trip to a worker would save.
 */
import { decompressInto } from '../codec/codec';
import { ChunkpressError } from '../errors';
import { withArchive } from '../io/archiveFile';
import type { FrameRow } from '../inspection/inspect';

/** Larger frames are not kept (the caller decodes them as a job): a few such reads would fill the cache. */
export const MAX_CACHED_FRAME = 32 << 20;

export class FrameCache {
  private readonly frames = new Map<string, Promise<Buffer>>();
  private readonly sizes = new Map<string, number>();
  private bytes = 0;

  constructor(private readonly maxBytes = 64 << 20) {}

  /**
   * Bytes `offset`..`offset + length` of the content of `file` (version `version`), from its
   * `frames` (data frames with known content offsets and sizes, in order).
   */
  async read(
    file: string,
    version: string,
    frames: readonly FrameRow[],
    range: { offset: number; length: number },
  ): Promise<Buffer> {
    if (range.length === 0) return Buffer.alloc(0);
    const end = range.offset + range.length;
    const parts: Buffer[] = [];
    for (const f of frames) {
      const start = f.contentOffset!;
      const stop = start + f.contentSize!;
      if (stop <= range.offset) continue;
      const content = await this.frame(file, version, f);
      parts.push(content.subarray(Math.max(0, range.offset - start), Math.min(f.contentSize!, end - start)));
      if (stop >= end) break;
    }
    return parts.length === 1 ? Buffer.from(parts[0]) : Buffer.concat(parts);
  }

  private frame(file: string, version: string, f: FrameRow): Promise<Buffer> {
    const key = `${file}\0${version}\0${f.index}`;
    const hit = this.frames.get(key);
    if (hit) {
      this.frames.delete(key); // most recently used last
      this.frames.set(key, hit);
      return hit;
    }
    const decoded = decodeFrame(file, f);
    this.frames.set(key, decoded);
    decoded.then(
      (content) => {
        if (this.frames.get(key) !== decoded) return;
        this.sizes.set(key, content.length);
        this.bytes += content.length;
        this.evict();
      },
      () => this.frames.get(key) === decoded && this.frames.delete(key),
    );
    return decoded;
  }

  private evict(): void {
    for (const key of this.frames.keys()) {
      if (this.bytes <= this.maxBytes) return;
      const size = this.sizes.get(key);
      if (size === undefined) continue; // still decoding
      this.frames.delete(key);
      this.sizes.delete(key);
      this.bytes -= size;
    }
  }
}

async function decodeFrame(file: string, f: FrameRow): Promise<Buffer> {
  const input = Buffer.allocUnsafe(f.compressedSize);
  const read = await withArchive(file, (archive) => archive.readInto(f.offset, input));
  if (read < input.length)
    throw new ChunkpressError(`"${file}": frame ${f.index} is cut short by the end of the file`, 'EFORMAT', file);
  const out = Buffer.allocUnsafe(f.contentSize!);
  try {
    decompressInto(input, out);
  } catch (err) {
    throw new ChunkpressError(
      `"${file}": frame ${f.index} (bytes ${f.offset}..${f.offset + f.compressedSize - 1}) does not decode: ${(err as Error).message}`,
      'EFORMAT',
      file,
    );
  }
  return out;
}
