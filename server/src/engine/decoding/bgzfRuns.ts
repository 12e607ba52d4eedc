/**
 * BGZF blocks hold 64 KiB each: too small to be a worker's task on their own (a task costs a round
 * trip of about 1 ms), so consecutive blocks are decoded in runs of about 4 MiB of content, each
 * run one task, like a frame of a seekable zstd archive.
 */
import type { FrameRow } from '../inspection/inspect';

export const BGZF_RUN_CONTENT = 4 << 20;

/** The runs of `members` (a BGZF file's blocks, sizes known), as data frames numbered from 0. */
export function bgzfRuns(members: readonly FrameRow[]): FrameRow[] {
  const runs: FrameRow[] = [];
  let run: FrameRow | undefined;
  for (const m of members) {
    if (m.role !== 'member' || m.contentSize === undefined || m.contentOffset === undefined) continue;
    if (!run || run.contentSize! + m.contentSize > BGZF_RUN_CONTENT) {
      run = {
        index: runs.length,
        role: 'data',
        offset: m.offset,
        compressedSize: 0,
        contentOffset: m.contentOffset,
        contentSize: 0,
        checksum: undefined,
        blocks: [],
      };
      runs.push(run);
    }
    run.compressedSize += m.compressedSize;
    run.contentSize! += m.contentSize;
    run.blocks!.push({ size: m.contentSize, crc32: m.checksum });
  }
  return runs;
}
