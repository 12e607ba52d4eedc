/** Byte sizes as people type them: "4M", "512k", "1.5G" (binary units), or plain bytes. */

const UNITS: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** Parses "4M", "4MiB", "4 MB" (all binary: K/M/G mean KiB/MiB/GiB) into bytes. */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a size (examples: 4M, 512K, 1G, 65536)`);
  const bytes = Number(match[1]) * UNITS[match[2].toLowerCase()];
  if (!Number.isSafeInteger(Math.round(bytes))) throw new RangeError(`"${text}" is too large`);
  return Math.round(bytes);
}

/** 4194304 -> "4 MiB", 1536 -> "1.5 KiB", 12 -> "12 B". */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))} ${units[unit]}`;
}

/** 0:04, 1:02:03 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Throughput in decimal MB/s, as zstd and pv print it. */
export function formatRate(bytesPerSecond: number): string {
  const mb = bytesPerSecond / 1e6;
  // A tiny job (a 100-byte range) would read "0.0 MB/s".
  if (mb < 1) return `${Math.round(bytesPerSecond / 1e3)} kB/s`;
  return `${mb >= 100 ? mb.toFixed(0) : mb.toFixed(1)} MB/s`;
}
