/**
 * XXH64 of ranges of open files, on the pool: how a resume checks what an interrupted job wrote (a
 * partial archive's frames, a partial output's frames) and read (the source's chunks) without
 * compressing or decoding anything.
 */
import { cancelled, ChunkpressError } from '../errors';
import type { TaskGroup, WorkerPool } from './pool';
import type { TaskReply } from './workerMessages';

/** Bytes `position`..`position + length` of the open file `fd`. */
export interface RangeCheck {
  fd: number;
  position: number;
  length: number;
  /** Also the CRC-32 of each consecutive piece of these lengths. */
  crc32Pieces?: number[];
}

/** XXH64 of each range, on the pool, at most `lanes * 2` at a time; stops early on a cancel. */
export async function rangeDigests(
  pool: WorkerPool,
  checks: readonly RangeCheck[],
  lanes: number,
  signal: AbortSignal | undefined,
): Promise<Array<{ digest: string; read: number; crc32s?: number[] }>> {
  const abortFlag = new SharedArrayBuffer(4);
  const group: TaskGroup = { lanes };
  const results: Array<{ digest: string; read: number; crc32s?: number[] }> = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < checks.length) {
      if (signal?.aborted) throw cancelled();
      const i = next++;
      const reply: TaskReply = await pool.run({ kind: 'digest', ...checks[i], abortFlag }, group);
      const o = reply.outcome;
      if (o.kind === 'digested') results[i] = { digest: o.digest, read: o.read, crc32s: o.crc32s };
      else if (o.kind === 'aborted') throw cancelled();
      else throw new ChunkpressError(o.kind === 'failed' ? o.message : `unexpected ${o.kind}`, 'EIO');
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, lanes * 2) }, lane));
  } finally {
    Atomics.store(new Int32Array(abortFlag), 0, 1);
  }
  return results;
}
