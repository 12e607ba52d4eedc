/**
 * Decompression to a file that did not end: its partial output and journal say which frames were
 * written, and none is taken on trust. Each frame the journal lists is read back from the partial
 * file and hashed on the pool (XXH64, or a BGZF run's CRC-32 block by block; no decoding) and kept
 * only where that matches the archive's own checksum of it (the manifest's digest, else the
 * frame's content checksum, else each block's CRC-32); every other frame is decoded again. The
 * archive must be the one the job was decoding.
 */
import type * as fs from 'node:fs';
import * as path from 'node:path';
import { ChunkpressError } from '../errors';
import { decodedLine, JOURNAL_KIND, JOURNAL_VERSION, type DecompressHeader } from '../format/jobJournal';
import type { FrameRow } from '../inspection/inspect';
import { meetInterrupted, openPartial, refuseChangedArchive } from '../io/interruptedJobs';
import { fingerprintOf, journalPathOf, JournalWriter } from '../io/journalFile';
import type { Sink } from '../io/outputSink';
import type { WorkerPool } from '../pool/pool';
import { rangeDigests } from '../pool/rangeDigests';

export interface DecodeResumePoint {
  header: DecompressHeader;
  /** The partial file, and the length it is cut to (at most the content's). */
  tempPath: string;
  length: number;
  /** Frames (by index) whose content in the partial file matches their checksum. */
  kept: Set<number>;
  /** Frames the journal listed that did not check out (or had nothing to check them by). */
  dropped: number;
}

/** The decoding that cannot keep frames of an interrupted run: their places are not known ahead. */
export const UNPLACED = `its frames do not say how long they are, so those written cannot be found in the file: decoded again from the start`;

const HOW = '(--discard removes it, and decompressing again starts over)';

/**
 * The interrupted decompression into `target` that this job meets, checked: undefined when there is
 * none or it is discarded; EINTERRUPTED without a decision. `frames` are the archive's data frames
 * (undefined when their sizes are not all known: nothing is kept), `digests` the manifest's XXH64
 * of each, when there is one.
 */
export async function settleInterruptedDecode(
  resume: 'resume' | 'discard' | undefined,
  target: string,
  archive: { path: string; stat: fs.Stats },
  frames: readonly FrameRow[] | undefined,
  digests: readonly string[] | undefined,
  contentSize: number,
  pool: WorkerPool,
  lanes: number,
): Promise<DecodeResumePoint | undefined> {
  const job = await meetInterrupted(resume, path.dirname(target), {
    job: 'decompress',
    target,
    prefix: `.${path.basename(target)}.`,
  });
  if (!job) return undefined;
  if (!job.journal)
    throw new ChunkpressError(
      `The interrupted decompression cannot be resumed: ${job.problem} ${HOW}`,
      'EFORMAT',
      target,
    );
  const header = job.journal.header as DecompressHeader;
  const was = header.source;
  if (path.resolve(was.path) !== path.resolve(archive.path))
    throw new ChunkpressError(
      `The interrupted job making "${target}" decompressed "${was.path}", not "${archive.path}" ${HOW}`,
      'EINVAL',
      target,
    );
  refuseChangedArchive(archive, was, 'decompression', target, HOW);
  const partial = await openPartial(header.partial, `The interrupted decompression into "${target}"`, target, HOW);
  try {
    if (!frames) return { header, tempPath: header.partial, length: 0, kept: new Set(), dropped: 0 };
    const length = Math.min((await partial.stat()).size, contentSize);
    const listed = [...new Set(job.journal.decoded)].filter((i) => i < frames.length).sort((a, b) => a - b);
    // A frame is checked by what the archive says of its content (a run of BGZF blocks, by each
    // block's CRC-32): without that, it is made again.
    const expected = (f: FrameRow): string | undefined =>
      digests?.[f.index] ?? (f.checksum === undefined ? undefined : f.checksum.toString(16).padStart(8, '0'));
    const byBlocks = (f: FrameRow): boolean => f.blocks !== undefined && f.blocks.every((b) => b.crc32 !== undefined);
    const checkable = listed
      .map((i) => frames[i])
      .filter((f) => (byBlocks(f) || expected(f) !== undefined) && f.contentOffset! + f.contentSize! <= length);
    const found = await rangeDigests(
      pool,
      checkable.map((f) => ({
        fd: partial.fd,
        position: f.contentOffset!,
        length: f.contentSize!,
        ...(byBlocks(f) && { crc32Pieces: f.blocks!.map((b) => b.size) }),
      })),
      lanes,
      undefined,
    );
    const kept = new Set<number>();
    checkable.forEach((f, i) => {
      if (found[i].read !== f.contentSize) return;
      if (byBlocks(f)) {
        if (f.blocks!.every((b, k) => found[i].crc32s?.[k] === b.crc32)) kept.add(f.index);
        return;
      }
      const want = expected(f)!;
      // A frame's own checksum is the low 32 bits of its content's XXH64.
      const got = want.length === 8 ? found[i].digest.slice(8) : found[i].digest;
      if (got === want) kept.add(f.index);
    });
    return { header, tempPath: header.partial, length, kept, dropped: listed.length - kept.size };
  } finally {
    await partial.close();
  }
}

/**
 * Starts the journal of a decompression into `target` through `sink`: a new one, or a resumed
 * one's with the frames kept. Returns undefined for a sink that is not a file of ours.
 */
export async function startDecodeJournal(
  sink: Sink,
  target: string,
  archive: { path: string; stat: fs.Stats },
  frames: number,
  point: DecodeResumePoint | undefined,
): Promise<JournalWriter | undefined> {
  if (!sink.tempPath) return undefined;
  const header: DecompressHeader = {
    journal: JOURNAL_KIND,
    version: JOURNAL_VERSION,
    job: 'decompress',
    target,
    partial: path.resolve(sink.tempPath),
    startedAt: point?.header.startedAt ?? Date.now(),
    pid: process.pid,
    source: fingerprintOf(archive.path, archive.stat),
    totalChunks: frames,
  };
  const file = journalPathOf(header.partial);
  return point
    ? await JournalWriter.rewrite(file, header, [...point.kept].map(decodedLine).join(''))
    : await JournalWriter.create(file, header);
}
