/**
 * Reads of a mounted archive's members, for the extension's file system: stat from the member tree
 * alone; content through the frame cache where the frames say where their content lies (ours,
 * seekable, pzstd), straight from the file for a plain tar, and as a range decode otherwise (a
 * .tar.gz, a single-frame .tar.zst: decoded from the start up to the member).
 */
import { ChunkpressError } from './engine/errors';
import { readRange } from './engine/decoding/decompress';
import { FrameCache, MAX_CACHED_FRAME } from './engine/decoding/frameCache';
import type { WorkerPool } from './engine/pool/pool';
import { formatSize } from './engine/sizes';
import { withArchive } from './engine/io/archiveFile';
import { versionOf, type InspectionCache } from './inspections';
import type { MemberStat, MemberTrees } from './memberTrees';
import { MAX_READ_BYTES } from './protocol';

export class MemberReads {
  private readonly frames = new FrameCache();

  constructor(
    private readonly trees: MemberTrees,
    private readonly inspections: InspectionCache,
    private readonly pool: WorkerPool,
  ) {}

  async stat(file: string, path: string, signal?: AbortSignal): Promise<MemberStat> {
    const found = (await this.trees.get(file, { signal })).lookup(path);
    if (!found) throw new ChunkpressError(`"${file}" has no member "${path}"`, 'ENOENT', file);
    return found;
  }

  async read(file: string, path: string, signal?: AbortSignal): Promise<Buffer> {
    const found = await this.stat(file, path, signal);
    if (found.type === 'directory') throw new ChunkpressError(`"${file}": "${path}" is a folder`, 'EISDIR', file);
    const range = found.content!;
    if (range.length > MAX_READ_BYTES)
      throw new ChunkpressError(
        `"${path}" in "${file}" holds ${formatSize(range.length)}, more than the ${formatSize(MAX_READ_BYTES)} read at once: extract it instead`,
        'EFBIG',
        file,
      );
    const { info } = await this.inspections.get(file, { signal });
    if (info.layout === 'tar') return Buffer.from(await withArchive(file, (a) => a.readAt(range.offset, range.length)));
    const data = info.frames.filter((f) => f.role === 'data');
    const placed = data.length > 0 && data.every((f) => f.contentOffset !== undefined && f.contentSize !== undefined);
    const small = data.every((f) => (f.contentSize ?? Infinity) <= MAX_CACHED_FRAME);
    if (placed && small && !info.problem) return this.frames.read(file, (await versionOf(file)).key, data, range);
    return readRange(file, range, this.pool, MAX_READ_BYTES, signal);
  }
}
