/**
 * How a job's workers take turns writing one file, through memory they share: a lock for frames
 * whose places are known, and turns for frames that learn their place only once every frame before
 * them has decoded (no declared content size, as pzstd writes them).
 */

/**
 * Runs `fn` while no other worker of the job writes. Buffered writes to one file from two threads
 * contend on its inode lock, where the kernel spins: measured here, two concurrent writers took
 * 1.5-3x the system time and more wall time than one at a time (again with 256 KiB pieces: the
 * kernel tar decoded in 1.56-2.40 s without the lock, 0.87-1.36 s with it). `lock`: Int32 at 0;
 * waiting sleeps.
 */
export function holding(lock: Int32Array, fn: () => void): void {
  while (Atomics.compareExchange(lock, 0, 0, 1) !== 0) Atomics.wait(lock, 0, 1);
  try {
    fn();
  } finally {
    Atomics.store(lock, 0, 0);
    Atomics.notify(lock, 0, 1);
  }
}

/** A frame's state in its ring entry. */
const DECODING = 0;
const PARKED = 1;
const CLAIMED = 2;

/**
 * Frames written one after the other, each where the last ended, without anyone waiting: a frame
 * whose turn has not come is parked (its content stays in its arena slot), and whoever writes the
 * frame before it writes it too. (Tried first: each worker waited for its turn. A pzstd archive of
 * the kernel tar then decoded in 1.20-1.53 s, the workers idle 0.3-0.5 s of it.)
 *
 * Shared memory: Int32 0, the frame whose turn it is; float64 at byte 8, where it goes; then a
 * ring of entries, one per frame in flight (seq % ring): its state, and (float64) its decoded
 * size and where its content is in the job's arena. `ring` is the arena's slot count: a frame
 * holds its slot until it is written, so no more than that many are between the turn and the
 * newest frame, and an entry is reused only once its frame is written. Plain fields are published
 * by the Atomics operation after their write and read after the one that observes it.
 */
export class WriteTurns {
  private readonly turn: Int32Array;
  private readonly position: Float64Array;
  private readonly states: Int32Array;
  private readonly sizes: Float64Array;
  private readonly offsets: Float64Array;

  constructor(
    readonly ring: number,
    readonly memory = new SharedArrayBuffer(16 + ring * 24),
  ) {
    this.turn = new Int32Array(memory, 0, 1);
    this.position = new Float64Array(memory, 8, 1);
    this.sizes = new Float64Array(memory, 16, ring);
    this.offsets = new Float64Array(memory, 16 + ring * 8, ring);
    this.states = new Int32Array(memory, 16 + ring * 16, ring);
  }

  /** The job's thread, before it sends frame `seq`: its content will be at `arenaOffset`. */
  register(seq: number, arenaOffset: number): void {
    const entry = seq % this.ring;
    this.offsets[entry] = arenaOffset;
    Atomics.store(this.states, entry, DECODING);
  }

  /** Frames before this one are written (their slots may be reused). */
  writtenBefore(): number {
    return Atomics.load(this.turn, 0);
  }

  /**
   * Frame `seq` decoded to `size` bytes at the start of its content region in `arena`. Writes it
   * with `write(bytes, position)` if its turn has come, then every parked frame after it; else
   * parks it for the writer of the frame before.
   */
  deliver(
    seq: number,
    size: number,
    arena: ArrayBufferLike,
    write: (bytes: Uint8Array, position: number) => void,
  ): void {
    const entry = seq % this.ring;
    this.sizes[entry] = size;
    if (Atomics.load(this.turn, 0) === seq) return this.writeFrom(seq, arena, write);
    Atomics.store(this.states, entry, PARKED);
    // The turn may have come meanwhile, its writer gone before this frame was parked: then
    // whichever of the two claims it first writes it.
    if (Atomics.load(this.turn, 0) === seq && Atomics.compareExchange(this.states, entry, PARKED, CLAIMED) === PARKED)
      this.writeFrom(seq, arena, write);
  }

  private writeFrom(seq: number, arena: ArrayBufferLike, write: (bytes: Uint8Array, position: number) => void): void {
    let position = this.position[0];
    for (let next = seq; ; ) {
      const entry = next % this.ring;
      const size = this.sizes[entry];
      write(new Uint8Array(arena, this.offsets[entry], size), position);
      position += size;
      this.position[0] = position;
      Atomics.store(this.turn, 0, ++next);
      const following = next % this.ring;
      if (Atomics.compareExchange(this.states, following, PARKED, CLAIMED) !== PARKED) return;
    }
  }
}
