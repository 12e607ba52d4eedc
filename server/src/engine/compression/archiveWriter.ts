import type { Writable } from 'node:stream';
import { xxh64 } from '../codec/hash';
import type { JournalFrame } from '../format/jobJournal';
import type { Manifest } from '../format/manifest';
import type { JournalWriter } from '../io/journalFile';
import type { SeekEntry } from '../format/seekTable';
import { fileSink, streamSink, type Sink, type SourceStat } from '../io/outputSink';
import { seekableZstd, type Container, type FrameFacts } from './containers';

/** An interrupted job's partial file, to go on writing after its last checked frame. */
export interface ResumedOutput {
  tempPath: string;
  /** The frames it holds (journalled and checked), and where they end. */
  frames: readonly JournalFrame[];
  length: number;
}

/**
 * Writes an archive in order: what its container puts first, the data frames, then what it puts
 * last (containers.ts). File output goes to a temporary name beside the target and is renamed only
 * when complete, so a partial archive never sits under the final name. With a journal, each frame
 * is recorded there once its bytes are written, so that an interrupted job can be resumed.
 */
export class ArchiveWriter {
  readonly entries: SeekEntry[] = [];
  readonly digests: string[] = [];
  committedBytes = 0;
  /** Where the next frame's content starts in the source. */
  contentBytes = 0;
  private started = false;
  private finished = false;
  private journal: JournalWriter | undefined;

  private constructor(
    private readonly sink: Sink,
    /** Final path, or undefined for a stream. */
    readonly path: string | undefined,
    readonly container: Container,
  ) {}

  /**
   * Opens a temporary file beside `finalPath`. Fails at once if the target exists and `overwrite`
   * is false. The archive takes `like`'s permissions, owner and times, as zstd's do.
   */
  static async toFile(
    finalPath: string,
    overwrite: boolean,
    like?: SourceStat,
    container: Container = seekableZstd(),
    resumed?: ResumedOutput,
  ): Promise<ArchiveWriter> {
    const resume = resumed && { tempPath: resumed.tempPath, length: resumed.length };
    const writer = new ArchiveWriter(await fileSink(finalPath, { overwrite, like, resume }), finalPath, container);
    if (resumed && resumed.length > 0) {
      // What the file holds is in the container's state as if just written.
      writer.started = true;
      writer.committedBytes = resumed.frames[0]?.offset ?? resumed.length;
      for (const f of resumed.frames) {
        const entry = { compressedSize: f.compressedSize, decompressedSize: f.decompressedSize, checksum: f.checksum };
        container.frame(entry, { crc32: f.crc32, blocks: f.blocks });
        writer.entries.push(entry);
        writer.digests.push(f.digest);
        writer.committedBytes += f.compressedSize;
        writer.contentBytes += f.decompressedSize;
      }
    }
    return writer;
  }

  /** The temporary file, while a file is written. */
  get tempPath(): string | undefined {
    return this.sink.tempPath;
  }

  /** Records each frame from now on in `journal`. */
  keepJournal(journal: JournalWriter): void {
    this.journal = journal;
  }

  static toStream(stream: Writable, label = 'stdout', container: Container = seekableZstd()): ArchiveWriter {
    return new ArchiveWriter(streamSink(stream, label), undefined, container);
  }

  /** Appends one complete data frame. */
  async appendFrame(frame: Uint8Array, entry: SeekEntry, digest: string, facts: FrameFacts = {}): Promise<void> {
    await this.start();
    await this.sink.write(frame);
    this.container.frame(entry, facts);
    this.journal?.append({
      index: this.entries.length,
      offset: this.committedBytes,
      compressedSize: frame.length,
      contentOffset: this.contentBytes,
      decompressedSize: entry.decompressedSize,
      checksum: entry.checksum ?? 0,
      digest,
      frameDigest: xxh64(frame),
      ...(facts.crc32 !== undefined && { crc32: facts.crc32 }),
      ...(facts.blocks && { blocks: [...facts.blocks] }),
      ...(facts.members && { members: facts.members }),
    });
    this.entries.push(entry);
    this.digests.push(digest);
    this.committedBytes += frame.length;
    this.contentBytes += entry.decompressedSize;
  }

  /** Writes what follows the frames, then publishes the archive. Returns its total size and any warnings. */
  async finish(manifest: Manifest): Promise<{ size: number; warnings: string[] }> {
    await this.start();
    await this.journal?.flush().catch(() => undefined);
    let size = this.committedBytes;
    for (const piece of this.container.tail(manifest)) {
      await this.sink.write(piece);
      size += piece.length;
    }
    const warnings = await this.sink.commit();
    this.finished = true;
    await this.journal?.remove();
    return { size, warnings };
  }

  /** Drops a partial archive and its journal. Does nothing once `finish` has succeeded. */
  async abort(): Promise<void> {
    if (this.finished) return;
    await this.sink.discard();
    await this.journal?.remove();
  }

  /**
   * Stops, keeping the partial archive and its journal for a resume (a full disk); returns whether
   * it did. Without a journal, or a frame in it, there is nothing to resume from: the same as abort.
   */
  async interrupt(why: string): Promise<boolean> {
    if (this.finished) return false;
    if (!this.journal || !this.sink.abandon || this.entries.length === 0) {
      await this.abort();
      return false;
    }
    await this.journal.stop(why);
    await this.sink.abandon();
    return true;
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.container.head.length === 0) return;
    await this.sink.write(this.container.head);
    this.committedBytes += this.container.head.length;
  }
}
