/**
 * The helper's custom LSP methods, declared once and imported by both the extension (client/) and
 * the server. Everything here is plain JSON over IPC; no `vscode` import, and engine types only.
 */
import {
  ProgressType,
  ProtocolRequestType,
  RequestType,
  RequestType0,
  type PartialResultParams,
  type WorkDoneProgressParams,
} from 'vscode-languageserver-protocol';
// Type-only: the wire shape is the engine's record; nothing of the engine is bundled into the client.
import type { DecodeResult as EngineDecodeResult, FrameOutcome } from './engine/decoding/decompress';
import type { FrameDetail } from './engine/inspection/frameDetail';
import type { ArchiveInfo, FrameRow } from './engine/inspection/inspect';
import type { ChunkRecord, Stage } from './engine/progress';
import type { ExtractResult as EngineExtractResult } from './engine/extraction/extractArchive';
import type { OverwriteAnswer } from './engine/extraction/targetTree';
import type { Manifest, ManifestMember } from './engine/format/manifest';
import type { ArchiveFormat, GzipLayout } from './engine/compression/compressOptions';

/** Where a job is, as the engine's ProgressSnapshot (plain numbers, JSON-safe). */
export interface JobProgress {
  stage: Stage;
  bytesIn: number;
  bytesOut: number;
  totalBytes: number | null;
  chunksDone: number;
  totalChunks: number | null;
  elapsedMs: number;
  bytesPerSecond: number;
  etaMs: number | null;
  /** A tree's files: packed so far, of how many, and the one being packed; null for a single file. */
  files?: { done: number; total: number; current: string | null } | null;
}

/** One finished frame (index, offsets, sizes, checksum, digest, time), streamed while the job runs. */
export type ChunkInfo = ChunkRecord;

/** Partial result of `chunkpress/compress`: chunks finished since the last one, and where the job is. */
export interface CompressPartial {
  chunks: ChunkInfo[];
  progress: JobProgress;
}

/** Folders and files into one tar archive: each root stored under its name. */
export interface TreeParams {
  roots: Array<{ path: string; name: string }>;
  /** The archive's own name for what it holds (the folder's, or the selection's parent's). */
  name: string;
  respectGitignore: boolean;
  exclude: string[];
}

export interface CompressParams extends WorkDoneProgressParams, PartialResultParams {
  /** File system path of the input file (a tree: the first root, for messages). */
  input: string;
  /** Set for a tar of folders and files: `input` is then only a label. */
  tree?: TreeParams;
  /** File system path of the archive to create. */
  output: string;
  /** False: fail with code EEXIST when `output` exists. */
  overwrite: boolean;
  /** zstd (the default) or gzip, in one member or BGZF blocks (with their `.gzi` if asked). */
  format?: ArchiveFormat;
  gzipLayout?: GzipLayout;
  gzi?: boolean;
  /**
   * An interrupted job of the same target: `resume` goes on from it (with its options), `discard`
   * starts over. Without either the request fails with code EINTERRUPTED, its message saying how
   * far the job got.
   */
  resume?: 'resume' | 'discard';
  level?: number;
  chunkSize?: number;
  /** Upper bound on workers; omitted = automatic. */
  threads?: number;
  memoryFactor?: number;
}

export interface CompressResult {
  input: string;
  output: string;
  inputSize: number;
  outputSize: number;
  chunks: number;
  elapsedMs: number;
  bytesPerSecond: number;
  format: ArchiveFormat;
  /** gzip: the layout written. */
  gzipLayout?: GzipLayout;
  level: number;
  chunkSize: number;
  threads: number;
  /** Why that many workers (cores, memory, request, input size). */
  threadReason: string;
  digest: string;
  warnings: string[];
  /** Chunks an interrupted job had made, found intact and kept. */
  resumedChunks?: number;
  /**
   * A tree's counts, and the members whose content is not what the file holds now (unreadable,
   * changed while packed), each "path: why" (also in `warnings`).
   */
  tree?: { files: number; folders: number; links: number; problems: string[] };
}

/** `data` of a failed request's ResponseError: lets the client react (e.g. ask before overwriting). */
export interface JobErrorData {
  code: string;
  path?: string;
}

export const compressRequest = new ProtocolRequestType<
  CompressParams,
  CompressResult,
  CompressPartial,
  JobErrorData,
  void
>('chunkpress/compress');

/** Partial results of `chunkpress/compress` travel as `$/progress` on its partialResultToken. */
export const compressPartialType = new ProgressType<CompressPartial>();

export interface ServerInfo {
  version: string;
  zstdVersion: string;
  /** What deflates BGZF blocks: "libdeflate 1.14", or zlib without our addon. */
  bgzfEngine: string;
  cores: number;
  poolSize: number;
  pid: number;
}

export const serverInfoRequest = new RequestType0<ServerInfo, void>('chunkpress/serverInfo');

// ---- Interrupted jobs ----

/** A compression that did not end, as its journal tells it. */
export interface InterruptedJobInfo {
  journal: string;
  /** What the job was (undefined when the journal cannot be read). */
  job: 'compress' | 'decompress' | 'extract' | undefined;
  /**
   * What it was making (an archive, a decoded file, the folder extracted into) and from what (the
   * file or folder compressed, the archive decoded).
   */
  target: string | undefined;
  source: string | undefined;
  /** A folder's job: its roots (source is the first) and the archive's name for itself. */
  tree?: { roots: string[]; name: string };
  /** How far it got: chunks or frames, or files for an extraction. */
  chunksDone: number;
  totalChunks: number;
  /** When it last wrote (ms since the epoch). */
  stoppedAt: number;
  /** "was interrupted at 45% (12 of 27 chunks), 3 minutes ago" */
  description: string;
  problem: string | undefined;
}

export interface InterruptedJobsParams {
  /** Journals found in the workspace. */
  journals: string[];
  /** Jobs that stopped longer ago than this are removed, not listed. */
  keepDays: number;
}

export interface InterruptedJobsResult {
  jobs: InterruptedJobInfo[];
  /** Journals of jobs removed for their age, each "target (stopped N days ago)". */
  removed: string[];
}

export const interruptedJobsRequest = new RequestType<InterruptedJobsParams, InterruptedJobsResult, JobErrorData>(
  'chunkpress/interruptedJobs',
);

/** Removes an interrupted job's partial archive and journal. */
export const discardJobRequest = new RequestType<{ journal: string }, void, JobErrorData>('chunkpress/discardJob');

// ---- Archives panel: inspection, from headers alone ----

export interface InspectParams extends WorkDoneProgressParams {
  /** File system path of the archive. */
  path: string;
}

/**
 * An archive without its frame list, which comes in pages (`chunkpress/frames`): a BGZF file can
 * have a hundred thousand members. `problem` is set for a corrupt or truncated file.
 */
export type ArchiveSummary = Omit<ArchiveInfo, 'frames' | 'manifest'> & {
  /** The manifest without its member index, which comes by folder (`chunkpress/members`). */
  manifest: Omit<Manifest, 'members'> | undefined;
  /** Members in the manifest's index; null when it has none. */
  memberCount: number | null;
  frameCount: number;
  mtimeMs: number;
  /** Time the server spent inspecting (0 when answered from its cache). */
  elapsedMs: number;
};

/** Inspects an archive; reports progress while inflating gzip members, and honours cancellation. */
export const inspectRequest = new ProtocolRequestType<InspectParams, ArchiveSummary, never, JobErrorData, void>(
  'chunkpress/inspect',
);

export interface FramesParams {
  path: string;
  /** `data`: zstd frames holding content, or gzip members; `skippable`: every other frame. */
  kind: 'data' | 'skippable';
  start: number;
  count: number;
}

export interface FramesResult {
  frames: FrameRow[];
  frameCount: number;
}

/** Rows `start`..`start + count` of an archive's data frames (or of its skippable frames), and how many there are. */
export const framesRequest = new RequestType<FramesParams, FramesResult, JobErrorData>('chunkpress/frames');

export interface FrameDetailParams {
  path: string;
  index: number;
  offset: number;
  blockStart: number;
  blockCount: number;
}

/** One frame's header fields and a page of its blocks. */
export const frameDetailRequest = new RequestType<FrameDetailParams, FrameDetail, JobErrorData>(
  'chunkpress/frameDetail',
);

export interface MeasureParams extends WorkDoneProgressParams {
  path: string;
  index: number;
  offset: number;
  compressedSize: number;
}

/** Decodes a frame that does not declare its size, to tell it; with progress and cancellation. */
export const measureFrameRequest = new ProtocolRequestType<
  MeasureParams,
  { contentSize: number },
  never,
  JobErrorData,
  void
>('chunkpress/measureFrame');

/** The full listing as text, the same as `chunkpress inspect` prints. */
export const reportRequest = new RequestType<{ path: string }, { text: string }, JobErrorData>('chunkpress/report');

// ---- Decoding: decompress, verify, extract, and reads for the editor ----

export type DecodeKind = 'decompress' | 'verify' | 'extract';

export interface DecodeParams extends WorkDoneProgressParams, PartialResultParams {
  kind: DecodeKind;
  /** File system path of the archive. */
  input: string;
  /** decompress and extract: the file to write (verify keeps nothing). */
  output?: string;
  /** False: fail with code EEXIST when `output` exists. */
  overwrite: boolean;
  /** extract: the bytes of the content to write. */
  range?: { offset: number; length: number };
  /** Upper bound on workers; omitted = automatic. */
  threads?: number;
  /**
   * decompress: an interrupted job of the same output: `resume` goes on from it (what it wrote
   * checked frame by frame), `discard` starts over; without either, code EINTERRUPTED.
   */
  resume?: 'resume' | 'discard';
}

/** One frame decoded (and, for verify, checked), naming its byte and content offsets. */
export type FrameCheck = FrameOutcome;

export type DecodeResult = EngineDecodeResult;

/** Partial result of `chunkpress/decode`: frames finished since the last one, and where the job is. */
export interface DecodePartial {
  frames: FrameCheck[];
  progress: JobProgress;
}

/** Decodes an archive in parallel: to a file, to nowhere with every check (verify), or one range of it. */
export const decodeRequest = new ProtocolRequestType<DecodeParams, DecodeResult, DecodePartial, JobErrorData, void>(
  'chunkpress/decode',
);

export const decodePartialType = new ProgressType<DecodePartial>();

export interface ReadRangeParams {
  path: string;
  offset: number;
  length: number;
}

/** The bytes, base64 (JSON carries no binary); lengths over MAX_READ_BYTES are refused. */
export const readRangeRequest = new RequestType<ReadRangeParams, { base64: string }, JobErrorData>(
  'chunkpress/readRange',
);

/** The most `chunkpress/readRange` returns at once; it is held in memory on both sides. */
export const MAX_READ_BYTES = 64 << 20;

// ---- Tar archives: members, by folder ----

export interface MembersParams extends WorkDoneProgressParams {
  /** File system path of the archive. */
  path: string;
  /** The folder inside the archive whose children are wanted ('' for the top). */
  folder: string;
}

/**
 * One row of the Members tree: a member (or a folder implied by its members' paths, when the tar
 * has no entry for it: `member` is then null), and how many children a folder has.
 */
export interface MemberRow {
  name: string;
  path: string;
  member: ManifestMember | null;
  children: number;
  /** Where its content lies in the tar stream (a hard link's: its target's); null without content. */
  content: { offset: number; length: number } | null;
  /** A symlink's: what it leads to inside the archive, or null (outside, or nowhere). */
  linkTo?: 'file' | 'directory' | null;
}

export interface MembersResult {
  rows: MemberRow[];
  /** Members in the whole archive. */
  total: number;
  /** `index`: the archive's own; `walk`: found by one pass over its tar headers. */
  via: 'index' | 'walk';
}

/**
 * A folder's children in a tar archive, folders first, each group sorted by name. The first call for
 * an archive without an index of its own reads every header once (with progress and cancel).
 */
export const membersRequest = new ProtocolRequestType<MembersParams, MembersResult, never, JobErrorData, void>(
  'chunkpress/members',
);

// ---- Extraction: members into a folder ----

export interface ExtractParams extends WorkDoneProgressParams, PartialResultParams {
  /** File system path of the tar archive. */
  archive: string;
  /** The folder to extract into (made when missing). */
  target: string;
  /** Only these members (a folder stands for everything under it); all when omitted. */
  members?: string[];
  /** A folder of the archive whose content goes at the top of the target. */
  base?: string;
  /** Where a member's path exists: ask the client (`chunkpress/askOverwrite`), replace, or keep it. */
  overwrite: 'ask' | 'replace' | 'skip';
  threads?: number;
  /**
   * An interrupted extraction of the same archive into the same folder: `resume` goes on from it
   * (with its options; the files it made checked against the archive), `discard` removes what it
   * made and starts over; without either, code EINTERRUPTED.
   */
  resume?: 'resume' | 'discard';
}

export type ExtractResult = EngineExtractResult;

/** Partial result of `chunkpress/extract`: where the job is. */
export interface ExtractPartial {
  progress: JobProgress;
}

/** Extracts a tar archive's members into a folder: ours in parallel, any other in one pass. */
export const extractRequest = new ProtocolRequestType<ExtractParams, ExtractResult, ExtractPartial, JobErrorData, void>(
  'chunkpress/extract',
);

export const extractPartialType = new ProgressType<ExtractPartial>();

export interface OverwriteQuestion {
  /** The archive being extracted, and the existing path its member would replace. */
  archive: string;
  path: string;
  existing: 'file' | 'symlink' | 'other';
}

/**
 * Server to client, during an extraction whose policy is `ask`: a member's path exists. The answer
 * is one of Replace, Skip, Replace All, Skip All, or cancel (the job stops and removes what it made).
 */
export const askOverwriteRequest = new RequestType<OverwriteQuestion, { answer: OverwriteAnswer }, void>(
  'chunkpress/askOverwrite',
);

// ---- Archives as folders: a file system over the member index ----

export interface MemberPathParams {
  /** File system path of the archive. */
  archive: string;
  /** The member's path inside it ('' for the top). */
  path: string;
}

/** What a path of a mounted archive is: from the index alone, links followed inside the archive. */
export interface MemberStatResult {
  /** Where it resolved to, symlinks followed ('' for the top). */
  path: string;
  type: 'file' | 'directory';
  symlink: boolean;
  size: number;
  mtimeMs: number;
}

/** Fails with code ENOENT when the archive has no such member. */
export const memberStatRequest = new RequestType<MemberPathParams, MemberStatResult, JobErrorData>(
  'chunkpress/memberStat',
);

/**
 * A member's content, base64, decoding only its frames (kept in a small cache shared by every read);
 * EISDIR for a folder, EFBIG over MAX_READ_BYTES.
 */
export const readMemberRequest = new RequestType<MemberPathParams, { base64: string }, JobErrorData>(
  'chunkpress/readMember',
);

// ---- Find in Archive: member paths, and a content search ----

/** Every file's path in a tar archive (for a quick pick over them), in archive order. */
export const memberPathsRequest = new RequestType<{ archive: string }, { paths: string[] }, JobErrorData>(
  'chunkpress/memberPaths',
);

export interface SearchParams extends WorkDoneProgressParams, PartialResultParams {
  archive: string;
  /** Text, or a JavaScript regular expression. */
  pattern: string;
  regex: boolean;
  ignoreCase: boolean;
  /** Only these members (folders stand for their content). */
  members?: string[];
}

/** One matching line: its member, 1-based line number and (the start of) its text. */
export interface SearchMatch {
  path: string;
  line: number;
  text: string;
}

export interface SearchPartial {
  matches: SearchMatch[];
  progress: JobProgress;
}

export interface SearchSummary {
  files: number;
  matchedFiles: number;
  lines: number;
  /** The search stopped at MAX_SEARCH_MATCHES lines. */
  truncated: boolean;
  elapsedMs: number;
}

/** At most this many matching lines are sent; the search stops there. */
export const MAX_SEARCH_MATCHES = 10_000;

/** Searches a tar archive's files line by line; matches stream as partial results, in archive order. */
export const searchRequest = new ProtocolRequestType<SearchParams, SearchSummary, SearchPartial, JobErrorData, void>(
  'chunkpress/search',
);

export const searchPartialType = new ProgressType<SearchPartial>();
