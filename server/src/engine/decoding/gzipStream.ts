/** The gzip path: one zlib stream, members in order. */
import * as fs from 'node:fs';
import { cancelled, ChunkpressError, describeFsError } from '../errors';
import { WRITE_PIECE } from '../io/fileWrites';
import { zlib } from '../lazyBuiltins';
import { emit, outcomeOf, STREAM_READ, type RunContext } from './decodeJob';

/** gzip, multi-member and BGZF included: zlib checks every member's CRC32 and ISIZE. */
export async function runGzip(ctx: RunContext): Promise<void> {
  const { job, meter } = ctx;
  const source = fs.createReadStream(job.input, { highWaterMark: STREAM_READ });
  // Pieces of the size files are written in: a sixteenth of the awaits of zlib's default 16 KiB.
  const gunzip = zlib().createGunzip({ chunkSize: WRITE_PIECE });
  let read = 0;
  source.on('data', (chunk) => void (read += chunk.length));
  source.pipe(gunzip);
  let contentOffset = 0;
  try {
    for await (const piece of gunzip as AsyncIterable<Buffer>) {
      if (job.signal?.aborted) throw cancelled();
      await emit(ctx, piece, contentOffset);
      contentOffset += piece.length;
      if (ctx.range && contentOffset >= ctx.range.offset + ctx.range.length) break;
      job.onProgress?.(meter.snapshot());
    }
  } catch (err) {
    if (err instanceof ChunkpressError) throw err;
    if ((err as NodeJS.ErrnoException).syscall) throw describeFsError(err, job.input, 'read');
    const message = `the gzip stream does not decode near byte ${read}: ${(err as Error).message}`;
    if (!job.verify) throw new ChunkpressError(`"${job.input}": ${message}`, 'EFORMAT', job.input);
    ctx.failures.push({
      index: -1,
      offset: read,
      compressedSize: 0,
      contentOffset,
      contentSize: undefined,
      ok: false,
      message,
    });
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  meter.chunksDone = ctx.info.frames.length;
  // zlib checked every member's CRC32 and length; a failure above cannot be pinned on one member.
  if (ctx.failures.length === 0 && !ctx.range)
    for (const member of ctx.info.frames)
      if (member.role === 'member') job.onFrame?.({ ...outcomeOf(member), ok: true });
}
