/**
 * The member index of a tar archive that carries none (any .tar.zst, .tzst, .tar.gz, .tgz or
 * .tar not made by Chunkpress): one pass that decodes the archive (frames in parallel where their
 * sizes are known) into a tar header reader that counts past the content, with progress and
 * cancel. The index holds each member's tar offsets, so that its content is then read as a range
 * of the decoded stream, and (for zstd) the frame its header is in.
 */
import * as fs from 'node:fs';
import { decode } from '../decoding/decompress';
import { cancelled, ChunkpressError, describeFsError } from '../errors';
import { FormatError } from '../format/formatError';
import { stream } from '../lazyBuiltins';
import type { ManifestMember } from '../format/manifest';
import { MemberIndex } from '../format/memberIndex';
import { TarReader, type TarRecord } from '../format/tarReader';
import type { ArchiveInfo } from '../inspection/inspect';
import type { WorkerPool } from '../pool/pool';
import type { ArchiveMembers } from './tarIndex';

export interface WalkOptions {
  pool: WorkerPool;
  signal?: AbortSignal;
  /** Bytes of the tar read so far, of how many (now and then). */
  onProgress?: (read: number, total: number) => void;
}

/** Reads every header of the tar inside the archive `info` describes (zstd, gzip or plain). */
export async function walkTarMembers(info: ArchiveInfo, options: WalkOptions): Promise<ArchiveMembers> {
  const records: TarRecord[] = [];
  const reader = new TarReader((r) => records.push(r));
  await readTar(info, options, reader, (bytes) => reader.push(bytes));
  return { info, members: indexOf(records, info), via: 'walk' };
}

/**
 * Passes the tar inside the archive `info` describes (zstd, gzip or plain) to `take`, in order,
 * then ends `reader` (which `take` feeds): the stream may not stop inside a member. `take` may
 * return a promise, which holds the stream until it settles; its bytes are valid until then.
 * A FormatError becomes a ChunkpressError that names the file.
 */
export async function readTar(
  info: ArchiveInfo,
  options: WalkOptions,
  reader: TarReader,
  take: (bytes: Buffer) => void | Promise<void>,
): Promise<void> {
  const file = info.file;
  const named = (err: unknown): unknown =>
    err instanceof FormatError
      ? new ChunkpressError(`"${file}" is not a tar archive: ${err.message}`, 'EFORMAT', file)
      : err;
  const fail = (err: unknown): never => {
    throw named(err);
  };
  if (info.layout === 'empty')
    throw new ChunkpressError(`"${file}" is empty: it holds no tar archive`, 'EFORMAT', file);
  // An uncompressed tar, or neither zstd nor gzip (then the reader says it is no tar either).
  const plain = info.layout === 'tar' || (info.dataFrames === 0 && info.problem !== undefined);
  if (plain) {
    await readPlain(file, reader, options, take).catch(fail);
  } else {
    const sink = new (stream().Writable)({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _encoding, done) {
        const failed = (err: unknown): void => done(named(err) as Error);
        try {
          const pending = take(chunk);
          if (pending) pending.then(() => done(), failed);
          else done();
        } catch (err) {
          failed(err);
        }
      },
    });
    // A failed write reaches the decode through its callback; the event would go unheard.
    sink.on('error', () => undefined);
    // Decoded bytes against the content's size (the headers give it for gzip and most zstd), not
    // against the compressed file's: that would say 100% a fifth of the way into a .tar.gz.
    const total = info.contentSize ?? info.fileSize;
    await decode({
      input: file,
      output: { kind: 'stream', stream: sink, label: 'the tar reader' },
      pool: options.pool,
      signal: options.signal,
      onProgress: (s) => options.onProgress?.(Math.min(total, s.bytesIn), total),
    }).catch(fail);
  }
  try {
    reader.end();
  } catch (err) {
    fail(err);
  }
}

/** A file that is neither zstd nor gzip: read as a tar, as it is. */
async function readPlain(
  file: string,
  reader: TarReader,
  options: WalkOptions,
  take: (bytes: Buffer) => void | Promise<void>,
): Promise<void> {
  const size = fs.statSync(file).size;
  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  let read = 0;
  try {
    for await (const piece of stream as AsyncIterable<Buffer>) {
      if (options.signal?.aborted) throw cancelled();
      await take(piece);
      read += piece.length;
      options.onProgress?.(read, size);
      if (reader.ended) break;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).syscall) throw describeFsError(err, file, 'read');
    throw err;
  } finally {
    stream.destroy();
  }
}

function indexOf(records: readonly TarRecord[], info: ArchiveInfo): MemberIndex {
  const starts = info.frames.filter((f) => f.role === 'data' || f.role === 'member').map((f) => f.contentOffset);
  const frameOf = (at: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    if (hi < 0 || starts.some((s) => s === undefined)) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const members: ManifestMember[] = [];
  for (const r of records) {
    if (r.type === 'other') continue;
    const { typeFlag: _flag, ...member } = r;
    members.push({ ...member, type: r.type, frame: frameOf(r.headerOffset), sha256: null });
  }
  const contentSize = records.reduce((end, r) => Math.max(end, r.dataOffset + r.size), 0);
  return MemberIndex.of(members, { contentSize, frames: Math.max(1, starts.length) });
}
