/**
 * The journal a job keeps beside what it writes, so that a job that did not end (a kill, a crash,
 * a full disk, a closed window) can go on from where it got: JSON lines. The first line says what
 * the job is (its target, options and the fingerprint of what it reads); the next lines say what
 * is done, by job:
 * - compress (`.<archive>.<tag>.journal` beside `.<archive>.<tag>.partial`): each frame written to
 *   the partial file, in order, with what checks it (the XXH64 of its content and of its bytes);
 * - decompress (beside the partial output, named the same way): each frame whose content is in the
 *   partial file (`decoded`, in any order: frames are written at their places);
 * - extract (`.<archive>.<tag>.extract.journal` in the target folder): the files, folders and
 *   hidden replacements the job creates, each recorded before it is made, and how many files are
 *   complete.
 * A torn last line (the process died mid-write) is dropped; anything else that does not parse
 * makes the journal unreadable. Pure: text in, records out.
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

interface HeaderBase {
  journal: typeof JOURNAL_KIND;
  version: number;
  /** What the job makes (absolute): an archive, a decoded file, or the folder extracted into. */
  target: string;
  /** When the job started (ms since the epoch), and the process running it. */
  startedAt: number;
  pid: number;
  /** What the job reads: the file or folder compressed, or the archive decoded. */
  source: SourceFingerprint;
  /** Frames (compress, decompress) or files (extract) the job makes in all; 0 until known. */
  totalChunks: number;
}

export interface CompressHeader extends HeaderBase {
  job: 'compress';
  /** The partial file the archive is written to. */
  partial: string;
  options: {
    format: 'zstd' | 'gzip';
    gzipLayout: 'single' | 'bgzf';
    gzi: boolean;
    level: number;
    chunkSize: number;
  };
  /** A folder's job: what goes in (`source` is then its first root). */
  tree?: { roots: Array<{ path: string; name: string }>; name: string; respectGitignore: boolean; exclude: string[] };
  /** Bytes before the first frame (a gzip member's header). */
  headBytes: number;
}

export interface DecompressHeader extends HeaderBase {
  job: 'decompress';
  /** The partial file the content is written to. */
  partial: string;
}

/** What decides which members an extraction writes where (extraction.ts's options). */
export interface ExtractJournalOptions {
  overwrite: 'ask' | 'replace' | 'skip' | 'stop';
  members?: string[];
  base?: string;
  keepSetuid: boolean;
  sameOwner: boolean;
}

export interface ExtractHeader extends HeaderBase {
  job: 'extract';
  options: ExtractJournalOptions;
}

export type JournalHeader = CompressHeader | DecompressHeader | ExtractHeader;

/** What an extraction created, by path relative to its target (replacements: absolute hidden names). */
export interface ExtractMade {
  files: string[];
  folders: string[];
  temps: string[];
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
  /** compress: the frames in the partial file, in order. */
  frames: JournalFrame[];
  /** decompress: the frames whose content is in the partial file, as they were recorded. */
  decoded: number[];
  /** extract: what the job created, and how many of its files are complete. */
  made: ExtractMade;
  extracted: number;
  /** The last line was cut short (the process stopped while writing it) and was dropped. */
  torn: boolean;
  /** Why the job stopped, when it said so itself (a full disk); a killed one says nothing. */
  stopped: string | undefined;
}

export const headerLine = (header: JournalHeader): string => `${JSON.stringify(header)}\n`;
export const frameLine = (frame: JournalFrame): string => `${JSON.stringify({ frame })}\n`;
export const stoppedLine = (why: string): string => `${JSON.stringify({ stopped: why })}\n`;
/** A folder's walk (or an extraction's plan) is over: the job makes `chunks` frames (files) in all. */
export const plannedLine = (chunks: number): string => `${JSON.stringify({ planned: chunks })}\n`;
/** A decompression: frame `index`'s content is written. */
export const decodedLine = (index: number): string => `${JSON.stringify({ decoded: index })}\n`;
/** An extraction is about to create `made`, and has `extracted` files complete. */
export const madeLine = (made: Partial<ExtractMade> | undefined, extracted?: number): string =>
  `${JSON.stringify({ ...(made && { made }), ...(extracted !== undefined && { extracted }) })}\n`;

/** How much of its work an interrupted job had done, in its own unit. */
export function journalProgress(journal: Journal): { done: number; total: number; unit: 'chunk' | 'frame' | 'file' } {
  const { header } = journal;
  if (header.job === 'compress') return { done: journal.frames.length, total: header.totalChunks, unit: 'chunk' };
  if (header.job === 'decompress')
    return { done: new Set(journal.decoded).size, total: header.totalChunks, unit: 'frame' };
  return { done: journal.extracted, total: header.totalChunks, unit: 'file' };
}

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
  const decoded: number[] = [];
  const made: ExtractMade = { files: [], folders: [], temps: [] };
  let extracted = 0;
  let stopped: string | undefined;
  // What an extraction made is removed on a discard: only plain paths inside its target (and
  // absolute hidden names, checked against the target by who removes them) are taken.
  const strings = (v: unknown, what: string, i: number, absolute = false): string[] => {
    if (v === undefined) return [];
    if (
      !Array.isArray(v) ||
      !v.every((e) => typeof e === 'string' && (absolute ? isAbsolutePlain(e) : isRelativePlain(e)))
    )
      bad(`line ${i + 1}'s ${what} are not paths inside the target folder`);
    return v as string[];
  };
  for (const [i, line] of lines.entries()) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      bad(`line ${i + 1} is not JSON`);
    }
    if (i === 0) header = checkHeader(value, bad);
    else {
      const record = value as {
        frame?: unknown;
        stopped?: unknown;
        planned?: unknown;
        decoded?: unknown;
        made?: { files?: unknown; folders?: unknown; temps?: unknown } | null;
        extracted?: unknown;
      } | null;
      if (record?.frame !== undefined) {
        if (header!.job !== 'compress') bad(`line ${i + 1} records a frame, and this is not a compression's journal`);
        frames.push(checkFrame(record.frame, frames.at(-1), header as CompressHeader, bad));
      }
      if (record?.decoded !== undefined) {
        if (!Number.isSafeInteger(record.decoded) || (record.decoded as number) < 0)
          bad(`line ${i + 1} does not name a frame`);
        decoded.push(record.decoded as number);
      }
      if (record?.made !== undefined) {
        made.files.push(...strings(record.made?.files, 'files', i));
        made.folders.push(...strings(record.made?.folders, 'folders', i));
        made.temps.push(...strings(record.made?.temps, 'hidden files', i, true));
      }
      if (Number.isSafeInteger(record?.extracted)) extracted = record!.extracted as number;
      if (typeof record?.stopped === 'string') stopped = record.stopped;
      if (Number.isSafeInteger(record?.planned)) header!.totalChunks = record!.planned as number;
    }
    offset += Buffer.byteLength(line) + 1;
  }
  return { header: header!, frames, decoded, made, extracted, torn, stopped };
}

/** `a/b/c`: no empty, `.` or `..` part, no NUL. */
const isRelativePlain = (p: string): boolean =>
  p !== '' && !p.includes('\0') && p.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
const isAbsolutePlain = (p: string): boolean => p.startsWith('/') && isRelativePlain(p.slice(1));

function checkHeader(value: unknown, bad: (why: string) => never): JournalHeader {
  const h = value as
    | (Partial<HeaderBase> & { job?: unknown; partial?: unknown; options?: unknown; headBytes?: unknown })
    | null;
  if (!h || h.journal !== JOURNAL_KIND) bad('its first line is not a Chunkpress journal header');
  if (typeof h!.version !== 'number' || h!.version > JOURNAL_VERSION)
    bad(`it was written by a newer Chunkpress (journal version ${h!.version}; this one reads ${JOURNAL_VERSION})`);
  const s = h!.source;
  const lacking = (): never => bad('its header lacks a field or has one of the wrong kind');
  if (
    typeof h!.target !== 'string' ||
    typeof h!.startedAt !== 'number' ||
    typeof h!.pid !== 'number' ||
    !s ||
    typeof s.path !== 'string' ||
    !Number.isSafeInteger(s.size) ||
    !Number.isSafeInteger(h!.totalChunks)
  )
    lacking();
  if (h!.job === 'compress') {
    const o = h!.options as CompressHeader['options'] | undefined;
    if (
      typeof h!.partial !== 'string' ||
      !o ||
      (o.format !== 'zstd' && o.format !== 'gzip') ||
      (o.gzipLayout !== 'single' && o.gzipLayout !== 'bgzf') ||
      !Number.isInteger(o.level) ||
      !Number.isInteger(o.chunkSize) ||
      o.chunkSize <= 0 ||
      !Number.isSafeInteger(h!.headBytes as number)
    )
      lacking();
  } else if (h!.job === 'decompress') {
    if (typeof h!.partial !== 'string') lacking();
  } else if (h!.job === 'extract') {
    const o = h!.options as ExtractJournalOptions | undefined;
    if (!o || !['ask', 'replace', 'skip', 'stop'].includes(o.overwrite)) lacking();
  } else bad(`it is the journal of a job this version does not know ("${String(h!.job)}")`);
  return h as unknown as JournalHeader;
}

function checkFrame(
  value: unknown,
  previous: JournalFrame | undefined,
  header: CompressHeader,
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
