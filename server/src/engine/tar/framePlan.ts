/**
 * How a tar stream is cut into frames so that one member is read by decoding only its frames:
 * frames hold whole records (a header, its content, the padding); small members are packed
 * together up to the chunk size; a member that does not fit starts a new frame, and one larger
 * than a chunk is cut into chunk-size frames; a header always sits in the frame where its content
 * starts (zstd:chunked puts it at the end of the frame before). The end-of-archive blocks go in
 * the last frame. Pure: sizes in, offsets out.
 */
import { END_OF_ARCHIVE_SIZE, TAR_BLOCK, tarPadding } from '../format/tarHeader';

/** What a frame's bytes are made of, in order. */
export type Segment =
  /** Header blocks of member `member`. */
  | { kind: 'header'; member: number; length: number }
  /** Bytes `offset`..`offset + length` of member `member`'s content. */
  | { kind: 'content'; member: number; offset: number; length: number }
  /** Zeros: a member's padding, or the end of the archive. */
  | { kind: 'zeros'; length: number };

export interface PlannedFrame {
  index: number;
  /** Where its bytes start in the tar stream. */
  tarOffset: number;
  size: number;
  segments: Segment[];
}

export interface PlannedMember {
  headerOffset: number;
  dataOffset: number;
  /** The frame holding its header and the start of its content, and the last one it reaches. */
  firstFrame: number;
  lastFrame: number;
}

export interface TarPlan {
  frames: PlannedFrame[];
  members: PlannedMember[];
  tarSize: number;
}

/** Each member by its header's size and its content's size (0 for folders and links). */
export interface MemberSizes {
  header: number;
  content: number;
}

/**
 * The plan made member by member, as a walk finds them: frames before the one still being filled
 * are final (`ready`), so compression can start on them while the walk goes on. Each member's
 * place is returned by `add`, not kept: a packer keeps it in its own compact table.
 */
export class TarFramer {
  readonly frames: PlannedFrame[] = [];
  /** Members planned so far. */
  members = 0;
  /** Bytes of the tar stream planned so far. */
  offset = 0;
  private current: PlannedFrame | undefined;
  private ended = false;

  constructor(private readonly chunkSize: number) {
    if (!(chunkSize >= TAR_BLOCK) || chunkSize % TAR_BLOCK !== 0)
      throw new RangeError(`a tar's chunk size must be a multiple of ${TAR_BLOCK} bytes (got ${chunkSize})`);
  }

  /** Frames that no later member can change. */
  get ready(): number {
    if (this.ended) return this.frames.length;
    return this.current ? this.current.index : this.frames.length;
  }

  add({ header, content }: MemberSizes): PlannedMember {
    const member = this.members++;
    const padding = tarPadding(content);
    const record = header + content + padding;
    const current = this.current;
    // A member that does not fit what is left of the frame starts the next one.
    let frame = current && current.size + record <= this.chunkSize ? current : undefined;
    frame ??= current && current.size === 0 ? current : this.open();
    const headerOffset = this.offset;
    const firstFrame = frame.index;
    this.put(frame, { kind: 'header', member, length: header });
    // Its content starts here: as much as the chunk leaves room for (at least a block, so that
    // a header bigger than a chunk still has its content's start beside it), then whole chunks.
    let done = 0;
    if (content > 0) {
      const first = Math.min(content, Math.max(TAR_BLOCK, this.chunkSize - frame.size));
      this.put(frame, { kind: 'content', member, offset: 0, length: first });
      done = first;
    }
    while (done < content) {
      frame = this.open();
      const length = Math.min(this.chunkSize, content - done);
      this.put(frame, { kind: 'content', member, offset: done, length });
      done += length;
    }
    if (padding > 0) this.put(frame, { kind: 'zeros', length: padding });
    const planned = { headerOffset, dataOffset: headerOffset + header, firstFrame, lastFrame: frame.index };
    // A frame that a big member filled takes no more members.
    this.current = frame.size >= this.chunkSize ? undefined : frame;
    return planned;
  }

  /** The end-of-archive blocks, in the last frame: every frame is then ready. Returns the tar's size. */
  end(): number {
    if (!this.ended) {
      this.put(this.current ?? this.frames.at(-1) ?? this.open(), { kind: 'zeros', length: END_OF_ARCHIVE_SIZE });
      this.ended = true;
    }
    return this.offset;
  }

  private open(): PlannedFrame {
    const frame = { index: this.frames.length, tarOffset: this.offset, size: 0, segments: [] };
    this.frames.push(frame);
    this.current = frame;
    return frame;
  }

  private put(frame: PlannedFrame, segment: Segment): void {
    frame.segments.push(segment);
    frame.size += segment.length;
    this.offset += segment.length;
  }
}

export function planTarFrames(sizes: readonly MemberSizes[], chunkSize: number): TarPlan {
  const framer = new TarFramer(chunkSize);
  const members = sizes.map((size) => framer.add(size));
  const tarSize = framer.end();
  return { frames: framer.frames, members, tarSize };
}
