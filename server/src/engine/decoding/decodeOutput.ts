/**
 * Where a decode writes: a file (under a temporary name until complete, with its archive's
 * permissions, owner and times), a stream, or nowhere (verify). Refused up front: an output that
 * would replace its own input, and a declared size beyond the free space.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChunkpressError, describeFsError } from '../errors';
import { descriptorSink, fileSink, streamSink, type Sink, type SourceStat } from '../io/outputSink';
import type { SystemInfo } from '../io/system';
import { formatSize } from '../sizes';
import type { DecodeJob } from './decodeJob';

/** The sink for `job`'s output (undefined for verify); `wanted` bytes, `whole` content or a range. */
export async function openOutput(
  job: DecodeJob,
  wanted: number | undefined,
  whole: boolean,
  system: SystemInfo,
  resume?: { tempPath: string; length: number },
): Promise<Sink | undefined> {
  if (job.output.kind === 'file' && path.resolve(job.output.path) === path.resolve(job.input))
    throw new ChunkpressError(`The output "${job.output.path}" would replace its own input`, 'EINVAL', job.output.path);
  if (job.output.kind === 'file' && wanted !== undefined) {
    const free = await system.freeSpace(path.dirname(path.resolve(job.output.path)));
    if (free !== undefined && free < wanted)
      throw new ChunkpressError(
        `Not enough space for "${job.output.path}": it needs ${formatSize(wanted)} (${wanted} B) but only ${formatSize(free)} (${free} B) are free`,
        'ENOSPC',
        job.output.path,
      );
  }
  return job.output.kind === 'file'
    ? await fileSink(job.output.path, {
        overwrite: job.output.overwrite,
        durable: false,
        like: await sourceStat(job.input, whole),
        sparse: true,
        resume,
      })
    : job.output.kind === 'stream'
      ? streamSink(job.output.stream, job.output.label)
      : job.output.kind === 'descriptor'
        ? descriptorSink(job.output.fd, job.output.label)
        : undefined;
}

/**
 * What a decoded file takes from its archive, as `zstd -d` and `gzip -d` do: permissions and owner,
 * and the times too when it is the whole content (an extracted range is a new file).
 */
async function sourceStat(archive: string, whole: boolean): Promise<SourceStat> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(archive);
  } catch (err) {
    throw describeFsError(err, archive, 'read');
  }
  const { mode, uid, gid, atimeMs, mtimeMs } = stat;
  return whole ? { mode, uid, gid, atimeMs, mtimeMs } : { mode, uid, gid };
}
