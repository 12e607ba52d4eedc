/**
 * gzip files member by member. BGZF members say their size in the header (BSIZE), so they are
 * hopped without inflating; an ordinary member's end is only known by inflating it, which is done
 * streaming (bounded memory) and reported through `onProgress`.
 */
import { cancelled } from '../errors';
import { zlib } from '../lazyBuiltins';
import { FormatError } from '../format/formatError';
import type { ByteSource } from '../format/frameWalker';
import {
  GZIP_TRAILER_SIZE,
  MAX_GZIP_HEADER_SIZE,
  isGzip,
  parseGzipHeader,
  type GzipHeader,
} from '../format/gzipHeader';

export interface GzipMember {
  index: number;
  offset: number;
  compressedSize: number;
  header: GzipHeader;
  /** Where the member's content starts in the decompressed stream. */
  contentOffset: number;
  /** Exact when the member was inflated; ISIZE (the size modulo 2^32) for BGZF blocks. */
  contentSize: number;
  crc32: number;
  /** ISIZE as stored. */
  isize: number;
}

export interface WalkOptions {
  signal?: AbortSignal;
  /** Called with the compressed bytes walked so far. */
  onProgress?: (bytesDone: number) => void;
}

const INFLATE_STEP = 1 << 20;

async function readHeader(source: ByteSource, offset: number, index: number): Promise<GzipHeader> {
  // 64 bytes hold a BGZF header and most others; names and comments need the retry below.
  const first = await source.read(offset, Math.min(64, source.size - offset));
  try {
    return parseGzipHeader(first, offset, index);
  } catch (err) {
    // A long name, comment or extra field: read as much as a header can be, once.
    if (
      !(err instanceof FormatError) ||
      first.length === source.size - offset ||
      !/truncated|unterminated/.test(err.message)
    )
      throw err;
    return parseGzipHeader(
      await source.read(offset, Math.min(MAX_GZIP_HEADER_SIZE, source.size - offset)),
      offset,
      index,
    );
  }
}

/** Inflates the raw deflate stream at `start`; returns the compressed bytes it spans and the output size. */
async function inflateExtent(
  source: ByteSource,
  start: number,
  index: number,
  options: WalkOptions,
): Promise<{ consumed: number; produced: number }> {
  const inflate = zlib().createInflateRaw();
  let produced = 0;
  let ended = false;
  let failure: Error | undefined;
  inflate.on('data', (chunk: Buffer) => (produced += chunk.length));
  const done = new Promise<void>((resolve) => {
    inflate.on('end', () => {
      ended = true;
      resolve();
    });
    inflate.on('error', (err) => {
      failure = err;
      resolve();
    });
  });
  let pos = start;
  while (!ended && !failure && pos < source.size) {
    if (options.signal?.aborted) {
      inflate.destroy();
      throw cancelled();
    }
    const bytes = await source.read(pos, Math.min(INFLATE_STEP, source.size - pos));
    // An error can leave the write callback uncalled; `done` settles then.
    await Promise.race([new Promise<void>((resolve) => inflate.write(bytes, () => resolve())), done]);
    pos += bytes.length;
    options.onProgress?.(pos);
  }
  if (!ended && !failure) inflate.end();
  await done;
  if (!ended && pos >= source.size) {
    throw new FormatError(`member ${index} is truncated: its deflate stream does not end`, start, index);
  }
  if (failure) throw new FormatError(`member ${index} does not inflate: ${failure.message}`, start, index);
  if (!ended) throw new FormatError(`member ${index} is truncated: its deflate stream does not end`, start, index);
  return { consumed: inflate.bytesWritten, produced };
}

/** Every member of a gzip file, from offset 0 to its end. */
export async function* walkGzipMembers(source: ByteSource, options: WalkOptions = {}): AsyncGenerator<GzipMember> {
  let offset = 0;
  let contentOffset = 0;
  for (let index = 0; offset < source.size; index++) {
    const head = await source.read(offset, Math.min(2, source.size - offset));
    if (!isGzip(head)) {
      const rest = await source.read(offset, Math.min(4096, source.size - offset));
      // Some writers pad the end with zeros; anything else after a member is an error.
      if (index > 0 && rest.every((b) => b === 0) && offset + rest.length === source.size) return;
      throw new FormatError(`expected a gzip member (1f 8b) after member ${index - 1}`, offset, index);
    }
    const header = await readHeader(source, offset, index);
    let compressedSize: number;
    let produced: number | undefined;
    if (header.bgzfBlockSize !== undefined) {
      compressedSize = header.bgzfBlockSize;
    } else {
      const extent = await inflateExtent(source, offset + header.headerSize, index, options);
      compressedSize = header.headerSize + extent.consumed + GZIP_TRAILER_SIZE;
      produced = extent.produced;
    }
    if (offset + compressedSize > source.size) {
      throw new FormatError(
        `member ${index} needs ${compressedSize} bytes but the file ends ${source.size - offset} bytes after its start`,
        offset,
        index,
      );
    }
    const trailer = await source.read(offset + compressedSize - GZIP_TRAILER_SIZE, GZIP_TRAILER_SIZE);
    const view = new DataView(trailer.buffer, trailer.byteOffset, GZIP_TRAILER_SIZE);
    const crc32 = view.getUint32(0, true);
    const isize = view.getUint32(4, true);
    if (produced !== undefined && produced % 2 ** 32 !== isize) {
      throw new FormatError(
        `member ${index} inflates to ${produced} bytes but its ISIZE says ${isize}`,
        offset + compressedSize - 4,
        index,
      );
    }
    const contentSize = produced ?? isize;
    yield { index, offset, compressedSize, header, contentOffset, contentSize, crc32, isize };
    offset += compressedSize;
    contentOffset += contentSize;
    options.onProgress?.(offset);
  }
}
