/**
 * The one place that talks to zstd (zstd-napi, Node-API). Each compressor owns one context with
 * nbWorkers = 0: parallelism lives in our pool, not inside zstd.
 */
import * as zstd from 'zstd-napi/binding';

/**
 * How much input is fed to zstd between two checks of the abort flag: about 100 ms of work at the
 * level's typical speed, so cancelling stays prompt even at level 22. A chunk that fits in one
 * slice is compressed in one call, which gives the same frame as ZSTD_compress2 (smaller output
 * than feeding it piecewise). Depends on the level only, so output never depends on threads.
 */
export function sliceFor(level: number): number {
  if (level <= 3) return 32 << 20;
  if (level <= 6) return 16 << 20;
  if (level <= 9) return 4 << 20;
  if (level <= 12) return 2 << 20;
  if (level <= 15) return 1 << 20;
  if (level <= 19) return 256 << 10;
  return 128 << 10;
}

/**
 * ZSTD_c_blockSplitterLevel (zstd 1.5.7's experimental parameter 20); 1 turns the pre-splitter off,
 * 0 lets zstd choose by strategy. At the fast and dfast levels (up to 4) it costs 4-12% of the CPU
 * for at most 0.1% of size on the kernel tar in 4 MiB chunks; from level 5 on it pays its way.
 */
const BLOCK_SPLITTER_LEVEL = 1017 as zstd.CParameter;
const splitterFor = (level: number): number => (level <= 4 ? 1 : 0);

export class ChunkCompressor {
  private readonly cctx = new zstd.CCtx();
  private level: number | undefined;

  constructor() {
    // zstd would hash every byte for the frame checksum, and we hash it anyway for the manifest's
    // 64-bit digest; so zstd writes no checksum and compressFrame appends ours (saves ~2% CPU).
    this.cctx.setParameter(zstd.CParameter.checksumFlag, 0);
    this.cctx.setParameter(zstd.CParameter.contentSizeFlag, 1);
    this.cctx.setParameter(zstd.CParameter.nbWorkers, 0);
  }

  /**
   * Compresses `src` into one complete frame in `dst` (at least compressBound(src.length) bytes)
   * with content size and the Content_Checksum `checksum` (the low 32 bits of XXH64(src)).
   * Returns the frame's length, or undefined once `stopped()` says so. The bytes are exactly what
   * zstd writes with its checksum flag on: the flag is one bit of the frame header descriptor and
   * the checksum trails the last block, so neither changes how the blocks are coded.
   */
  compressFrame(
    src: Uint8Array,
    dst: Uint8Array,
    level: number,
    checksum: number,
    stopped: () => boolean,
  ): number | undefined {
    this.cctx.reset(zstd.ResetDirective.sessionOnly);
    if (level !== this.level) {
      this.cctx.setParameter(zstd.CParameter.compressionLevel, level);
      this.cctx.setParameter(BLOCK_SPLITTER_LEVEL, splitterFor(level));
      this.level = level;
    }
    this.cctx.setPledgedSrcSize(src.length);
    const slice = sliceFor(level);
    let inPos = 0;
    let outPos = 0;
    for (;;) {
      if (stopped()) return undefined;
      const end = Math.min(src.length, inPos + slice);
      const directive = end === src.length ? zstd.EndDirective.end : zstd.EndDirective.continue;
      const [remaining, produced, consumed] = this.cctx.compressStream2(
        dst.subarray(outPos),
        src.subarray(inPos, end),
        directive,
      );
      outPos += produced;
      inPos += consumed;
      if (directive === zstd.EndDirective.end && remaining === 0) return appendChecksum(dst, outPos, checksum);
      if (outPos >= dst.length) throw new RangeError('zstd output exceeded compressBound');
    }
  }
}

const CHECKSUM_FLAG = 0x04; // Frame_Header_Descriptor bit 2 (RFC 8878, 3.1.1.1.1)

function appendChecksum(frame: Uint8Array, length: number, checksum: number): number {
  if (length + 4 > frame.length) throw new RangeError('zstd output exceeded compressBound');
  frame[4] |= CHECKSUM_FLAG;
  new DataView(frame.buffer, frame.byteOffset + length, 4).setUint32(0, checksum >>> 0, true);
  return length + 4;
}

/** Decompresses one whole frame whose content size is known (tests and small reads). */
export function decompressFrame(frame: Uint8Array, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  decompressInto(frame, out);
  return out;
}

// One decompression context per thread, reused: zstd's one-shot ZSTD_decompress allocates and
// initialises a fresh one (about 160 KiB) for every frame.
let oneShot: zstd.DCtx | undefined;

/**
 * Decodes one frame into `out`, which must be exactly its declared content size: a frame that
 * decodes to more (zstd: "Destination buffer is too small") or fewer bytes is an error, and so is
 * a content checksum that does not match (zstd checks it).
 */
export function decompressInto(frame: Uint8Array, out: Uint8Array): void {
  const written = decompressBounded(frame, out);
  if (written !== out.length) throw new Error(`decodes to ${written} bytes but declares ${out.length}`);
}

/**
 * Decodes one frame that does not declare its size into `space` (sized from its block count, so
 * it cannot be too small for a valid frame); returns the bytes it decoded to.
 */
export function decompressBounded(frame: Uint8Array, space: Uint8Array): number {
  oneShot ??= new zstd.DCtx();
  return oneShot.decompress(space, frame);
}

export const zstdVersion = (): string => zstd.versionString();

/**
 * Decodes one frame piece by piece through a fixed output buffer, so memory is the frame's window
 * plus `outputSize`, whatever the content size. Windows over 2^27 (zstd's own default limit) are
 * refused by zstd with "Frame requires too much memory".
 */
export class FrameDecoder {
  private readonly dctx = new zstd.DCtx();
  private readonly out: Buffer;

  constructor(outputSize = 256 << 10) {
    this.out = Buffer.allocUnsafe(outputSize);
  }

  /** Starts a new frame. */
  reset(): void {
    this.dctx.reset(zstd.ResetDirective.sessionOnly);
  }

  /**
   * Feeds `input`; `onOutput` sees each decoded piece (valid only during the call). Returns the
   * bytes of `input` consumed and whether the frame is complete (then the rest is not consumed).
   */
  feed(input: Uint8Array, onOutput: (piece: Uint8Array) => void): { consumed: number; frameDone: boolean } {
    let consumed = 0;
    for (;;) {
      const [hint, produced, used] = this.dctx.decompressStream(this.out, input.subarray(consumed));
      consumed += used;
      if (produced > 0) onOutput(this.out.subarray(0, produced));
      if (hint === 0) return { consumed, frameDone: true };
      // Output full: more may be pending even with no input left.
      if (produced === this.out.length) continue;
      if (consumed === input.length) return { consumed, frameDone: false };
    }
  }
}

/** A manifest column's level: a kernel tree's index (16 MB of JSON) in 0.2 s; level 9 saves 6% in twice the time. */
const MANIFEST_LEVEL = 3;
/** What a compressed manifest body may declare: an index from elsewhere is hostile. */
const MANIFEST_MAX = 1 << 30;

/** Compresses a manifest's JSON body, given in pieces, into one frame with its content size. */
export function compressManifestBody(pieces: Iterable<Uint8Array>, size: number): Buffer {
  return manifestDeflater()(pieces, size);
}

/**
 * Compresses manifest bodies one after another (a manifest's head, then its member columns) with
 * one context, each streamed in from its pieces with its size pledged (the frame declares it, as
 * readers ask): a kernel tree's path column is never one 5 MB text, nor its frame a buffer as big.
 */
export function manifestDeflater(): (pieces: Iterable<Uint8Array>, size: number) => Buffer {
  const cctx = new zstd.CCtx();
  return (pieces, size) => {
    cctx.reset(zstd.ResetDirective.sessionAndParameters);
    cctx.setParameter(zstd.CParameter.compressionLevel, MANIFEST_LEVEL);
    cctx.setParameter(zstd.CParameter.checksumFlag, 1);
    cctx.setPledgedSrcSize(size);
    // Room for the worst case, of which only the pages the frame fills are ever touched.
    const out = Buffer.allocUnsafe(zstd.compressBound(size));
    let written = 0;
    const drain = (input: Uint8Array, end: boolean): void => {
      let consumed = 0;
      for (;;) {
        const [remaining, produced, used] = cctx.compressStream2(
          out.subarray(written),
          input.subarray(consumed),
          end ? zstd.EndDirective.end : zstd.EndDirective.continue,
        );
        consumed += used;
        written += produced;
        if (end ? remaining === 0 : consumed === input.length) return;
        if (written === out.length) throw new RangeError('the manifest outgrew its compress bound');
      }
    };
    for (const piece of pieces) drain(piece, false);
    drain(new Uint8Array(0), true);
    return out.subarray(0, written);
  };
}

/** Decodes a compressed manifest body, which must declare its size (at most 1 GiB). */
export function decompressManifestBody(frame: Uint8Array): Buffer {
  const size = zstd.getFrameContentSize(frame);
  if (size === null) throw new Error('the frame does not declare its size');
  if (size > MANIFEST_MAX) throw new Error(`the frame declares ${size} bytes, more than a manifest may have`);
  if (zstd.findFrameCompressedSize(frame) !== frame.length) throw new Error('bytes follow its one frame');
  return decompressFrame(frame, size);
}
