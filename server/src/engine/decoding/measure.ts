/**
 * Measures a frame that does not declare its content size by decoding it (streaming, bounded
 * memory, nothing kept). The only way to know, so it reports progress and can be cancelled.
 */
import { withArchive } from '../io/archiveFile';
import { FrameDecoder } from '../codec/codec';
import { cancelled, ChunkpressError } from '../errors';

export interface MeasureOptions {
  signal?: AbortSignal;
  /** Compressed bytes of the frame decoded so far. */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

const READ_SIZE = 1 << 20;

/** Decodes frame `index` (`compressedSize` bytes at `offset`) and returns how many bytes it holds. */
export async function measureFrame(
  file: string,
  frame: { index: number; offset: number; compressedSize: number },
  options: MeasureOptions = {},
): Promise<number> {
  const where = `frame ${frame.index} at byte ${frame.offset}`;
  return withArchive(file, async (archive) => {
    if (frame.offset + frame.compressedSize > archive.size) {
      throw new ChunkpressError(`"${file}": ${where} runs past the end of the file`, 'EFORMAT', file);
    }
    const decoder = new FrameDecoder();
    decoder.reset();
    let decoded = 0;
    let done = 0;
    while (done < frame.compressedSize) {
      if (options.signal?.aborted) throw cancelled();
      const piece = await archive.readAt(frame.offset + done, Math.min(READ_SIZE, frame.compressedSize - done));
      let result;
      try {
        result = decoder.feed(piece, (out) => void (decoded += out.length));
      } catch (err) {
        throw new ChunkpressError(
          `"${file}": ${where} does not decode: ${(err as Error).message} (within bytes ${frame.offset + done}..${frame.offset + done + piece.length})`,
          'EFORMAT',
          file,
        );
      }
      done += result.consumed;
      options.onProgress?.(done, frame.compressedSize);
      if (result.frameDone) {
        if (done !== frame.compressedSize) {
          throw new ChunkpressError(
            `"${file}": ${where} ends after ${done} of its ${frame.compressedSize} bytes`,
            'EFORMAT',
            file,
          );
        }
        return decoded;
      }
    }
    throw new ChunkpressError(`"${file}": ${where} is truncated: its last block is missing`, 'EFORMAT', file);
  });
}
