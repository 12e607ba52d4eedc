/**
 * How a parallel gzip member's chunks get their dictionaries: chunk `seq` is primed with the last
 * 32 KiB of the stream before it (pigz's method), and those bytes are known only to the worker that
 * read chunk `seq - 1` (a file's pieces are read by the workers, never by the job's thread). So
 * each worker, once its chunk is in, publishes the stream's last 32 KiB so far in a ring of shared
 * memory and the next chunk's worker waits for it. Reading is a few ms of a chunk's hundreds, so the
 * waits are short; and as every chunk is published by the worker that read it, the dictionary is
 * always exactly the bytes before it, even if a file changes while it is packed.
 *
 * Memory: Int32 pairs (seq published, length) per entry, then the entries' bytes. `entries` must
 * exceed the chunks in flight: entry `seq % entries` is then reused only once chunk `seq + 1`,
 * its one reader, is written. No deadlock: tasks start in order on every worker, so the earliest
 * chunk not yet published is running or behind a chunk that has published.
 */
import { DEFLATE_WINDOW } from '../codec/deflate';

/** How long a wait sleeps between two looks at the job's abort flag. */
const WAIT_MS = 50;

export class TailChain {
  private readonly heads: Int32Array;

  constructor(
    readonly entries: number,
    readonly memory = TailChain.allocate(entries),
  ) {
    this.heads = new Int32Array(memory, 0, entries * 2);
  }

  private static allocate(entries: number): SharedArrayBuffer {
    const memory = new SharedArrayBuffer(entries * 8 + entries * DEFLATE_WINDOW);
    new Int32Array(memory, 0, entries * 2).fill(-1);
    return memory;
  }

  /** The stream's last bytes before chunk `seq` (empty for the first), or undefined once `stopped`. */
  before(seq: number, stopped: () => boolean): Uint8Array | undefined {
    if (seq === 0) return new Uint8Array(0);
    const entry = (seq - 1) % this.entries;
    while (Atomics.load(this.heads, entry * 2) !== seq - 1) {
      if (stopped()) return undefined;
      Atomics.wait(this.heads, entry * 2, Atomics.load(this.heads, entry * 2), WAIT_MS);
    }
    return this.bytes(entry, this.heads[entry * 2 + 1]);
  }

  /** Chunk `seq` is `input`, after `previous` (what `before` gave): publishes the stream's tail. */
  publish(seq: number, previous: Uint8Array, input: Uint8Array): void {
    const entry = seq % this.entries;
    const fromInput = Math.min(input.length, DEFLATE_WINDOW);
    const fromPrevious = Math.min(previous.length, DEFLATE_WINDOW - fromInput);
    const into = this.bytes(entry, fromPrevious + fromInput);
    into.set(previous.subarray(previous.length - fromPrevious), 0);
    into.set(input.subarray(input.length - fromInput), fromPrevious);
    this.heads[entry * 2 + 1] = fromPrevious + fromInput;
    Atomics.store(this.heads, entry * 2, seq);
    Atomics.notify(this.heads, entry * 2);
  }

  /**
   * Chunk `seq`, read into `input`: waits for the bytes before it, publishes the stream's tail for
   * the next chunk, and returns them (its dictionary); undefined once `stopped`.
   */
  handOn(seq: number, input: Uint8Array, stopped: () => boolean): Uint8Array | undefined {
    const before = this.before(seq, stopped);
    if (before) this.publish(seq, before, input);
    return before;
  }

  private bytes(entry: number, length: number): Uint8Array {
    return new Uint8Array(this.memory, this.entries * 8 + entry * DEFLATE_WINDOW, length);
  }
}
