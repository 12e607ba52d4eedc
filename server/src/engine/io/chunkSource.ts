import type { Readable } from 'node:stream';

/** Where chunks come from. */
export type ChunkSource =
  /**
   * A regular file of `size` bytes (when the job started), open as `fd`: each worker reads its own
   * chunk, on the core that then compresses it (about 3% faster than reading here and handing the
   * chunk over: it is still in that core's cache).
   */
  | { kind: 'file'; size: number; fd: number; path: string }
  /** Anything else (stdin, a pipe, a FIFO), of unknown length: read here, in order. */
  | StreamSource;

export interface StreamSource {
  kind: 'stream';
  size: undefined;
  /** Fills `into` completely unless the input ends first; returns the bytes filled (0 at the end). */
  read(into: Uint8Array): Promise<number>;
}

/** Chunks a stream of unknown length (stdin, a pipe) by copying its pieces into whole chunks. */
export function streamSource(stream: Readable): StreamSource {
  const pieces = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let carry: Buffer | undefined;
  let ended = false;
  return {
    kind: 'stream',
    size: undefined,
    async read(into) {
      let filled = 0;
      while (filled < into.length) {
        if (!carry || carry.length === 0) {
          if (ended) break;
          const next = await pieces.next();
          if (next.done) {
            ended = true;
            break;
          }
          carry = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
          continue;
        }
        const n = Math.min(carry.length, into.length - filled);
        into.set(carry.subarray(0, n), filled);
        carry = carry.subarray(n);
        filled += n;
      }
      return filled;
    },
  };
}
