/** The streaming path: one zstd context over the whole file, in order. */
import { FrameDecoder } from '../codec/codec';
import { cancelled, ChunkpressError } from '../errors';
import { openArchive, type ArchiveFile } from '../io/archiveFile';
import type { FrameRow } from '../inspection/inspect';
import { emit, isData, outcomeOf, STREAM_READ, where, type FrameOutcome, type RunContext } from './decodeJob';

/**
 * One streaming context over the whole file, frame after frame (skippable frames are skipped by
 * zstd). Memory is the window plus one read; the server stays responsive between reads.
 */
export async function runStreaming(ctx: RunContext): Promise<void> {
  const { job, meter } = ctx;
  const archive: ArchiveFile = await openArchive(job.input);
  const decoder = new FrameDecoder();
  decoder.reset();
  let contentOffset = 0;
  let pending: Uint8Array[] = [];
  // Every frame in file order: zstd reports the end of a skippable frame as it does a data frame's.
  const frames = ctx.info.frames;
  let frame = 0;
  /** The data frame being decoded, if the listing reaches it. */
  const current = (): FrameRow | undefined => {
    while (frames[frame] && !isData(frames[frame])) frame++;
    return frames[frame];
  };
  try {
    for (let pos = 0; pos < archive.size; ) {
      if (job.signal?.aborted) throw cancelled();
      if (ctx.range && contentOffset >= ctx.range.offset + ctx.range.length) break;
      const bytes = await archive.readAt(pos, Math.min(STREAM_READ, archive.size - pos));
      let used = 0;
      while (used < bytes.length) {
        let result;
        try {
          result = decoder.feed(bytes.subarray(used), (out) => void pending.push(Buffer.from(out)));
        } catch (err) {
          const f = current();
          const message = `${f ? where(f) : `the frame after byte ${pos + used}`} does not decode: ${(err as Error).message}`;
          if (!job.verify) throw new ChunkpressError(`"${job.input}": ${message}`, 'EFORMAT', job.input);
          const failure: FrameOutcome = {
            index: f?.index ?? frames.length,
            offset: f?.offset ?? pos + used,
            compressedSize: f?.compressedSize ?? 0,
            contentOffset: f?.contentOffset,
            contentSize: f?.contentSize,
            ok: false,
            message,
          };
          ctx.failures.push(failure);
          job.onFrame?.(failure);
          return; // a streaming decoder cannot resynchronise after damage
        }
        used += result.consumed;
        for (const piece of pending) {
          await emit(ctx, piece, contentOffset);
          contentOffset += piece.length;
        }
        pending = [];
        if (result.frameDone) {
          const f = frames[frame];
          if (!f || isData(f)) meter.chunksDone++;
          if (f && isData(f)) job.onFrame?.({ ...outcomeOf(f), ok: true });
          frame++;
          decoder.reset();
        }
      }
      pos += bytes.length;
      job.onProgress?.(meter.snapshot());
    }
  } finally {
    await archive.close();
  }
  if (ctx.range && contentOffset < ctx.range.offset + ctx.range.length && ctx.range.length > 0)
    throw new ChunkpressError(
      `The range ${ctx.range.offset}..${ctx.range.offset + ctx.range.length} goes past the end of "${job.input}": its content is ${contentOffset} bytes`,
      'EINVAL',
      job.input,
    );
}
