/**
 * The journal a compression keeps beside its partial output, so that a job that did not end (a
 * kill, a crash, a full disk, a closed window) can go on after its last complete frame: JSON
 * lines, `.<archive>.<tag>.journal` beside `.<archive>.<tag>.partial`. The first line says what
 * the job is (target, options, the source's fingerprint); each next line is one frame that was
 * written to the partial file, in order, with what checks it (the XXH64 of its content and of its
 * own bytes). A torn last line (the process died mid-write) is dropped; anything else that does
 * not parse makes the journal unreadable. Pure: text in, records out.
 */
import { FormatError } from './formatError';

export const JOURNAL_KIND = 'chunkpress-journal';
export const JOURNAL_VERSION = 1;

/** The file as it was when the job started: a resume re-reads it anyway. */
export interface SourceFingerprint {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}

export interface JournalHeader {
  journal: typeof JOURNAL_KIND;
  version: number;
  job: 'compress';
  /** The archive being made (absolute), and the partial file it is written to. */
  target: string;
  partial: string;
  /** When the job started (ms since the epoch), and the process running it. */
  startedAt: number;
  pid: number;
  options: {
    format: 'zstd' | 'gzip';
    gzipLayout: 'single' | 'bgzf';
    gzi: boolean;
    level: number;
    chunkSize: number;
  };
  source: SourceFingerprint;
  /** A folder's job: what goes in (`source` is then its first root). */
  tree?: { roots: Array<{ path: string; name: string }>; name: string; respectGitignore: boolean; exclude: string[] };
  /** Chunks the job makes in all, for an interrupted job's progress (a folder's: 0 until walked). */
  totalChunks: number;
  /** Bytes before the first frame (a gzip member's header). */
  headBytes: number;
}

/** One frame in the partial file: where, what it holds, and the digests that check it. */
export interface JournalFrame {
  index: number;
  /** Where it starts in the partial file. */
  offset: number;
  compressedSize: number;
  /** Its content: bytes `contentOffset`..`+decompressedSize` of the source. */
  contentOffset: number;
  decompressedSize: number;
  checksum: number;
  /** XXH64 of its content (the manifest's chunk digest) and of its own bytes in the file. */
  digest: string;
  frameDigest: string;
  crc32?: number;
  blocks?: number[];
  /** A folder's frame: the paths of the first and last members it holds. */
  members?: [string, string];
}

export interface Journal {
  header: JournalHeader;
  frames: JournalFrame[];
  /** The last line was cut short (the process stopped while writing it) and was dropped. */
  torn: boolean;
  /** Why the job stopped, when it said so itself (a full disk); a killed one says nothing. */
  stopped: string | undefined;
}

export const headerLine = (header: JournalHeader): string => `${JSON.stringify(header)}\n`;
export const frameLine = (frame: JournalFrame): string => `${JSON.stringify({ frame })}\n`;
export const stoppedLine = (why: string): string => `${JSON.stringify({ stopped: why })}\n`;
/** A folder's walk is over: the job makes `chunks` frames in all. */
export const plannedLine = (chunks: number): string => `${JSON.stringify({ planned: chunks })}\n`;

const HEX16 = /^[0-9a-f]{16}$/;

/** Parses a journal's text; `file` names it in errors, which give the byte offset of the bad line. */
export function parseJournal(text: string, file: string): Journal {
  const lines = text.split('\n');
  // A text that does not end with a newline ends with a line the process did not finish.
  const torn = lines.at(-1) !== '';
  lines.pop();
  let offset = 0;
  const bad = (why: string): never => {
    throw new FormatError(`"${file}" is not a journal this version can read: ${why}`, offset);
  };
  if (lines.length === 0) return bad('it is empty');
  let header: JournalHeader | undefined;
  const frames: JournalFrame[] = [];
  let stopped: string | undefined;
  for (const [i, line] of lines.entries()) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      bad(`line ${i + 1} is not JSON`);
    }
    if (i === 0) header = checkHeader(value, bad);
    else {
      const record = value as { frame?: unknown; stopped?: unknown; planned?: unknown } | null;
      if (record?.frame !== undefined) frames.push(checkFrame(record.frame, frames.at(-1), header!, bad));
      if (typeof record?.stopped === 'string') stopped = record.stopped;
      if (Number.isSafeInteger(record?.planned)) header!.totalChunks = record!.planned as number;
    }
    offset += Buffer.byteLength(line) + 1;
  }
  return { header: header!, frames, torn, stopped };
}

function checkHeader(value: unknown, bad: (why: string) => never): JournalHeader {
  const h = value as Partial<JournalHeader> | null;
  if (!h || h.journal !== JOURNAL_KIND) bad('its first line is not a Chunkpress journal header');
  if (typeof h!.version !== 'number' || h!.version > JOURNAL_VERSION)
    bad(`it was written by a newer Chunkpress (journal version ${h!.version}; this one reads ${JOURNAL_VERSION})`);
  const o = h!.options;
  const s = h!.source;
  if (
    h!.job !== 'compress' ||
    typeof h!.target !== 'string' ||
    typeof h!.partial !== 'string' ||
    typeof h!.startedAt !== 'number' ||
    typeof h!.pid !== 'number' ||
    !o ||
    (o.format !== 'zstd' && o.format !== 'gzip') ||
    (o.gzipLayout !== 'single' && o.gzipLayout !== 'bgzf') ||
    !Number.isInteger(o.level) ||
    !Number.isInteger(o.chunkSize) ||
    o.chunkSize <= 0 ||
    !s ||
    typeof s.path !== 'string' ||
    !Number.isSafeInteger(s.size) ||
    !Number.isSafeInteger(h!.totalChunks) ||
    !Number.isSafeInteger(h!.headBytes)
  )
    bad('its header lacks a field or has one of the wrong kind');
  return h as JournalHeader;
}

function checkFrame(
  value: unknown,
  previous: JournalFrame | undefined,
  header: JournalHeader,
  bad: (why: string) => never,
): JournalFrame {
  const f = value as Partial<JournalFrame> | null;
  const index = previous ? previous.index + 1 : 0;
  const offset = previous ? previous.offset + previous.compressedSize : header.headBytes;
  const contentOffset = previous ? previous.contentOffset + previous.decompressedSize : 0;
  if (
    !f ||
    f.index !== index ||
    f.offset !== offset ||
    f.contentOffset !== contentOffset ||
    !Number.isSafeInteger(f.compressedSize) ||
    f.compressedSize! <= 0 ||
    !Number.isSafeInteger(f.decompressedSize) ||
    f.decompressedSize! < 0 ||
    !Number.isInteger(f.checksum) ||
    typeof f.digest !== 'string' ||
    !HEX16.test(f.digest) ||
    typeof f.frameDigest !== 'string' ||
    !HEX16.test(f.frameDigest)
  )
    bad(`frame ${index}'s line does not follow frame ${index - 1}'s`);
  return f as JournalFrame;
}
