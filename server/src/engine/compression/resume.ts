/**
 * Resuming an interrupted compression: the partial file and its journal are enough, the journal
 * alone never is. Every frame the journal lists is read back from the partial file and its bytes
 * hashed (a torn last write, garbage after the last frame, a journal ahead of the file: the file
 * is cut back to the last frame that matches), and the part of the source those frames hold is
 * read again and hashed: a resume never makes an archive of two versions of the source. Hashing
 * only, on the pool: a few hundred MB/s of re-reading per core, no compression.
 */
import * as path from 'node:path';
import { ChunkpressError } from '../errors';
import type { CompressHeader, JournalFrame } from '../format/jobJournal';
import { openPartial, type InterruptedJob } from '../io/interruptedJobs';
import type { WorkerPool } from '../pool/pool';
import { rangeDigests as digests } from '../pool/rangeDigests';

export interface ResumePoint {
  header: CompressHeader;
  journalPath: string;
  /** The frames kept: all those the journal lists up to the first that the file does not hold. */
  frames: JournalFrame[];
  /** Where the kept frames end in the partial file: the rest is cut off. */
  length: number;
  /** Frames the journal listed that the partial file did not hold intact. */
  dropped: number;
}

/** What the job resumed is of: a file (open, re-read here) or trees (re-read by the pipeline). */
export type ResumedSource =
  | { kind: 'file'; path: string; fd: number }
  | { kind: 'tree'; roots: ReadonlyArray<{ path: string; name: string }> };

/**
 * Checks `job` against its partial file and (a file's) the source, and says where to go on from;
 * a folder's frames are checked by the pipeline as it makes them again. Refuses (ECHANGED) when a kept frame's part of the source is not what it
 * was, naming the chunk and its bytes; EFORMAT when the journal cannot be read or its partial
 * file is gone.
 */
export async function prepareResume(
  job: InterruptedJob,
  source: ResumedSource,
  pool: WorkerPool,
  lanes: number,
  signal: AbortSignal | undefined,
): Promise<ResumePoint> {
  const how = '(--discard removes it, and compressing again starts over)';
  if (!job.journal)
    throw new ChunkpressError(`The interrupted job cannot be resumed: ${job.problem} ${how}`, 'EFORMAT');
  const { frames } = job.journal;
  const header = job.journal.header;
  if (header.job !== 'compress')
    throw new ChunkpressError(`"${job.journalPath}" is not the journal of a compression`, 'EINVAL', job.journalPath);
  const was = header.tree ? header.tree.roots.map((r) => path.resolve(r.path)) : [path.resolve(header.source.path)];
  const now = source.kind === 'tree' ? source.roots.map((r) => path.resolve(r.path)) : [path.resolve(source.path)];
  if ((source.kind === 'tree') !== (header.tree !== undefined) || was.join('\0') !== now.join('\0'))
    throw new ChunkpressError(
      `The interrupted job making "${header.target}" compressed ${was.map((p) => `"${p}"`).join(', ')}, not ${now.map((p) => `"${p}"`).join(', ')} ${how}`,
      'EINVAL',
      header.target,
    );
  const partial = await openPartial(
    header.partial,
    `The interrupted job making "${header.target}"`,
    header.target,
    how,
  );
  try {
    const size = (await partial.stat()).size;
    // Only frames the file holds whole can be intact; the bytes of each are checked too.
    const whole = frames.filter((f) => f.offset + f.compressedSize <= size);
    const [inFile, inSource] = await Promise.all([
      digests(
        pool,
        whole.map((f) => ({ fd: partial.fd, position: f.offset, length: f.compressedSize })),
        lanes,
        signal,
      ),
      // A folder's frames are made again from the tree and hashed by the pipeline itself.
      source.kind === 'file'
        ? digests(
            pool,
            whole.map((f) => ({ fd: source.fd, position: f.contentOffset, length: f.decompressedSize })),
            lanes,
            signal,
          )
        : Promise.resolve([]),
    ]);
    let kept = whole.findIndex((f, i) => inFile[i].digest !== f.frameDigest || inFile[i].read !== f.compressedSize);
    if (kept < 0) kept = whole.length;
    if (source.kind === 'file') checkSource(source.path, whole.slice(0, kept), inSource, how);
    const keptFrames = whole.slice(0, kept);
    const lastFrame = keptFrames.at(-1);
    return {
      header,
      journalPath: job.journalPath,
      frames: keptFrames,
      // With no frame kept, the file starts over (a gzip header is written again).
      length: lastFrame ? lastFrame.offset + lastFrame.compressedSize : 0,
      dropped: frames.length - kept,
    };
  } finally {
    await partial.close();
  }
}

/** Refuses (ECHANGED) when a kept frame's part of the file `source` is not what it holds now. */
function checkSource(
  source: string,
  frames: readonly JournalFrame[],
  now: ReadonlyArray<{ digest: string; read: number }>,
  how: string,
): void {
  frames.forEach((f, i) => {
    const first = f.contentOffset;
    const last = f.contentOffset + f.decompressedSize - 1;
    if (now[i].read < f.decompressedSize)
      throw new ChunkpressError(
        `"${source}" changed since the job was interrupted: it now ends at byte ${f.contentOffset + now[i].read}, inside chunk ${i} (bytes ${first}..${last}) that was compressed then ${how}`,
        'ECHANGED',
        source,
      );
    if (now[i].digest !== f.digest)
      throw new ChunkpressError(
        `"${source}" changed since the job was interrupted: chunk ${i} (bytes ${first}..${last}) is not what was compressed then ${how}`,
        'ECHANGED',
        source,
      );
  });
}
