/**
 * zstd's default compression parameters for inputs over 256 KiB (lib/compress/clevels.h),
 * used only to estimate a worker's working set before deciding how many workers fit in memory.
 */
interface LevelParams {
  windowLog: number;
  chainLog: number;
  hashLog: number;
  /** btopt and above keep extra optimal-parser tables. */
  optimal: boolean;
}

// [windowLog, chainLog, hashLog, optimal] for levels 0 (negative levels use it too) .. 22.
const TABLE: ReadonlyArray<readonly [number, number, number, boolean]> = [
  [19, 12, 13, false],
  [19, 13, 14, false],
  [20, 15, 16, false],
  [21, 16, 17, false],
  [21, 18, 18, false],
  [21, 18, 19, false],
  [21, 18, 19, false],
  [21, 19, 20, false],
  [21, 19, 20, false],
  [22, 20, 21, false],
  [22, 21, 22, false],
  [22, 21, 22, false],
  [22, 22, 23, false],
  [22, 22, 22, false],
  [22, 22, 23, false],
  [22, 23, 23, false],
  [22, 22, 22, true],
  [23, 23, 22, true],
  [23, 23, 22, true],
  [23, 24, 22, true],
  [25, 25, 23, true],
  [26, 26, 24, true],
  [27, 27, 25, true],
];

export const MIN_LEVEL = -131072; // ZSTD_minCLevel() of zstd 1.5.x
export const MAX_LEVEL = 22;

function levelParams(level: number): LevelParams {
  const [windowLog, chainLog, hashLog, optimal] = TABLE[Math.min(Math.max(level, 0), MAX_LEVEL)];
  return { windowLog, chainLog, hashLog, optimal };
}

/**
 * Approximate bytes of one compression context working on `chunkSize`-byte frames at `level`:
 * zstd shrinks the window to the frame size and the tables to the window (ZSTD_adjustCParams).
 */
export function estimateContextBytes(level: number, chunkSize: number): number {
  const p = levelParams(level);
  const srcLog = Math.max(10, Math.ceil(Math.log2(Math.max(chunkSize, 1))));
  const windowLog = Math.min(p.windowLog, srcLog);
  const hashLog = Math.min(p.hashLog, windowLog + 1);
  const chainLog = Math.min(p.chainLog, windowLog + 1);
  const tables = 4 * (2 ** hashLog + 2 ** chainLog);
  const blockState = 1 << 20; // sequence store, literal buffers, entropy tables
  const optimal = p.optimal ? 3 << 20 : 0;
  return 2 ** windowLog + tables + blockState + optimal;
}
