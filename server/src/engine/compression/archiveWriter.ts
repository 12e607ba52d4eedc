import type { Writable } from 'node:stream';
import { compressManifestBody } from '../codec/codec';
import { writeManifest, type Manifest } from '../format/manifest';
import { writeSeekTable, type SeekEntry } from '../format/seekTable';
import { fileSink, streamSink, type Sink, type SourceStat } from '../io/outputSink';

/**
 * Writes an archive in order: data frames, then the manifest and the seek table. File output goes
 * to a temporary name beside the target and is renamed only when complete, so a partial archive
 * never sits under the final name.
 *
 * Resuming later needs only what this keeps: `entries` and `digests` for the frames written so
 * far and `committedBytes`, the offset right after the last complete frame of the temporary file.
 */
export class ArchiveWriter {
  readonly entries: SeekEntry[] = [];
  readonly digests: string[] = [];
  committedBytes = 0;
  private finished = false;

  private constructor(
    private readonly sink: Sink,
    /** Final path, or undefined for a stream. */
    readonly path: string | undefined,
  ) {}

  /**
   * Opens a temporary file beside `finalPath`. Fails at once if the target exists and `overwrite`
   * is false. The archive takes `like`'s permissions, owner and times, as zstd's do.
   */
  static async toFile(finalPath: string, overwrite: boolean, like?: SourceStat): Promise<ArchiveWriter> {
    return new ArchiveWriter(await fileSink(finalPath, { overwrite, like }), finalPath);
  }

  static toStream(stream: Writable, label = 'stdout'): ArchiveWriter {
    return new ArchiveWriter(streamSink(stream, label), undefined);
  }

  /** Appends one complete data frame. */
  async appendFrame(frame: Uint8Array, entry: SeekEntry, digest: string): Promise<void> {
    await this.sink.write(frame);
    this.entries.push(entry);
    this.digests.push(digest);
    this.committedBytes += frame.length;
  }

  /**
   * Writes the manifest and seek table, then publishes the archive. Returns its total size and any
   * warnings. The manifest frame has its own entry, as the seekable format asks of every frame
   * (Decompressed_Size 0, checksum 0).
   */
  async finish(manifest: Manifest): Promise<{ size: number; warnings: string[] }> {
    const manifestFrame = writeManifest(manifest, compressManifestBody);
    const entries = [...this.entries, { compressedSize: manifestFrame.length, decompressedSize: 0, checksum: 0 }];
    const trailer = Buffer.concat([manifestFrame, writeSeekTable(entries)]);
    await this.sink.write(trailer);
    const warnings = await this.sink.commit();
    this.finished = true;
    return { size: this.committedBytes + trailer.length, warnings };
  }

  /** Drops a partial archive. Does nothing once `finish` has succeeded. */
  async abort(): Promise<void> {
    if (!this.finished) await this.sink.discard();
  }
}
