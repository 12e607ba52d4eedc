/**
 * Verify's look at a seekable archive's index before it decodes: the manifest against the table
 * (free), then each frame's header where the table puts it. When every header is where the table
 * says, with the size it says, the frames are decoded as the table lists them and each entry's
 * Checksum is compared with its frame's content; otherwise the file's own frames are found by one
 * walk from header to header, every entry is compared with them, and those frames are decoded, so
 * that the data is checked whatever the index says.
 */
import { SEEK_TABLE_FOOTER_SIZE } from '../format/constants';
import { MAX_FRAME_HEADER_SIZE, parseFrameHeader } from '../format/frameHeader';
import { parseSeekFooter, parseSeekTable } from '../format/seekTable';
import { FormatError } from '../format/formatError';
import { compareManifest, compareWithFrames, type IndexFinding } from '../inspection/indexCheck';
import { walkDataFrames, type ArchiveInfo, type FrameRow, type InspectProblem } from '../inspection/inspect';
import { withArchive, type ArchiveFile } from '../io/archiveFile';

export interface IndexCheck {
  findings: IndexFinding[];
  /** The frames as found by the walk, when the table's were not where it says; else undefined. */
  frames: FrameRow[] | undefined;
  /** Damage the walk ran into (what precedes it is in `frames`). */
  problem: InspectProblem | undefined;
}

/** Header reads in flight at once: a few hundred frames take a few milliseconds. */
const PROBES_AT_ONCE = 64;

export async function checkIndex(info: ArchiveInfo): Promise<IndexCheck> {
  const findings = compareManifest(info);
  const listed = info.frames.filter((f) => f.role === 'data');
  // The listed frames must end where the trailing skippable frames begin, and each start with a
  // header that declares the listed size.
  const trailer = info.frames.find((f) => f.role !== 'data')?.offset;
  const covered = listed.reduce((sum, f) => sum + f.compressedSize, 0) === trailer;
  if (covered && (await withArchive(info.file, (archive) => headersWhereListed(archive, listed))))
    return { findings, frames: undefined, problem: undefined };
  const walked = await walkDataFrames(info.file);
  findings.push(...compareWithFrames(info.seekTable!, listed, walked.frames));
  return { findings, frames: walked.frames, problem: walked.problem };
}

/**
 * A seek table that could not be read as an index (`info`: the frames found by walking the file
 * instead). Where the table is still whole and only its entries lie (sizes that run past it), each
 * entry is compared with the frame found, so that the finding names the field; otherwise the
 * damage is the finding.
 */
export async function checkDamagedIndex(info: ArchiveInfo, problem: InspectProblem): Promise<IndexFinding[]> {
  const table = await withArchive(info.file, async (archive) => {
    const footer = parseSeekFooter(
      await archive.readAt(archive.size - SEEK_TABLE_FOOTER_SIZE, SEEK_TABLE_FOOTER_SIZE),
      archive.size,
    );
    if (!footer) return undefined;
    return parseSeekTable(await archive.readAt(archive.size - footer.tableSize, footer.tableSize), archive.size, {
      lenient: true,
    });
  }).catch((err: unknown) => {
    if (err instanceof FormatError) return undefined;
    throw err;
  });
  const found = info.frames.filter((f) => f.role === 'data');
  if (!table) return [damagedIndex(problem)];
  // The manifest's entry (version 2) is the last, decoding to nothing, with checksum 0.
  const last = table.entries.at(-1);
  const entries =
    last && last.decompressedSize === 0 && last.checksum === 0 && table.entries.length === found.length + 1
      ? table.entries.slice(0, -1)
      : table.entries;
  let offset = 0;
  const listed: FrameRow[] = entries.map((e, index) => {
    const row: FrameRow = {
      index,
      role: 'data',
      offset,
      compressedSize: e.compressedSize,
      contentOffset: undefined,
      contentSize: e.decompressedSize,
      checksum: e.checksum,
    };
    offset += e.compressedSize;
    return row;
  });
  const findings = compareWithFrames(table, listed, found);
  return findings.length > 0 ? findings : [damagedIndex(problem)];
}

/** A seek table or manifest too damaged to compare entry by entry. */
export function damagedIndex(problem: InspectProblem): IndexFinding {
  return {
    entry: problem.frame,
    field: 'structure',
    stored: '',
    actual: '',
    offset: problem.offset,
    message: problem.message,
  };
}

/** Whether a zstd frame header starts at each listed offset and declares the listed size. */
async function headersWhereListed(archive: ArchiveFile, frames: readonly FrameRow[]): Promise<boolean> {
  for (let start = 0; start < frames.length; start += PROBES_AT_ONCE) {
    const batch = frames.slice(start, start + PROBES_AT_ONCE);
    const agree = await Promise.all(
      batch.map(async (f) => {
        const length = Math.min(MAX_FRAME_HEADER_SIZE, archive.size - f.offset);
        if (length <= 0) return false;
        try {
          const header = parseFrameHeader(await archive.readAt(f.offset, length), f.offset, f.index);
          return header.contentSize === f.contentSize;
        } catch (err) {
          if (err instanceof FormatError) return false;
          throw err;
        }
      }),
    );
    if (!agree.every(Boolean)) return false;
  }
  return true;
}
