/** Messages between the pool (main thread) and a compression worker. Buffers travel by transfer. */

export interface CompressTask {
  id: number;
  level: number;
  /** Holds `inputLength` bytes of the chunk; comes back untouched for reuse. */
  input: ArrayBuffer;
  inputLength: number;
  /** At least compressBound(inputLength) bytes; comes back holding the frame. */
  output: ArrayBuffer;
  /** Int32 at index 0 becomes non-zero when the job is cancelled. */
  abortFlag: SharedArrayBuffer;
}

export type TaskOutcome =
  | { kind: 'done'; compressedSize: number; digest: string; elapsedMs: number }
  | { kind: 'aborted' }
  | { kind: 'failed'; message: string };

export interface TaskReply {
  id: number;
  input: ArrayBuffer;
  output: ArrayBuffer;
  outcome: TaskOutcome;
}
