import type { Writable } from 'node:stream';
import type { Manifest } from '../format/manifest';
import type { SeekEntry } from '../format/seekTable';
import { fileSink, streamSink, type Sink, type SourceStat } from '../io/outputSink';
import { seekableZstd, type Container, type FrameFacts } from './containers';

/**
 * Writes an archive in order: what its container puts first, the data frames, then what it puts
 * last (containers.ts). File output goes to a temporary name beside the target and is renamed only
 * when complete, so a partial archive never sits under the final name.
 *
 * Resuming later needs only what this keeps: `entries` and `digests` for the frames written so
 * far and `committedBytes`, the offset right after the last complete frame of the temporary file.
 */
export class ArchiveWriter {
  readonly entries: SeekEntry[] = [];
  readonly digests: string[] = [];
  committedBytes = 0;
  private started = false;
  private finished = false;

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
  ): Promise<ArchiveWriter> {
    return new ArchiveWriter(await fileSink(finalPath, { overwrite, like }), finalPath, container);
  }

  static toStream(stream: Writable, label = 'stdout', container: Container = seekableZstd()): ArchiveWriter {
    return new ArchiveWriter(streamSink(stream, label), undefined, container);
  }

  /** Appends one complete data frame. */
  async appendFrame(frame: Uint8Array, entry: SeekEntry, digest: string, facts: FrameFacts = {}): Promise<void> {
    await this.start();
    await this.sink.write(frame);
    this.container.frame(entry, facts);
    this.entries.push(entry);
    this.digests.push(digest);
    this.committedBytes += frame.length;
  }

  /** Writes what follows the frames, then publishes the archive. Returns its total size and any warnings. */
  async finish(manifest: Manifest): Promise<{ size: number; warnings: string[] }> {
    await this.start();
    const trailer = this.container.tail(manifest);
    await this.sink.write(trailer);
    const warnings = await this.sink.commit();
    this.finished = true;
    return { size: this.committedBytes + trailer.length, warnings };
  }

  /** Drops a partial archive. Does nothing once `finish` has succeeded. */
  async abort(): Promise<void> {
    if (!this.finished) await this.sink.discard();
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.container.head.length === 0) return;
    await this.sink.write(this.container.head);
    this.committedBytes += this.container.head.length;
  }
}
