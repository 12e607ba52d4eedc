/** Where decoded output goes by default: beside the archive, named after it. Pure path logic (the client uses it too). */
import * as path from 'node:path';

/** The output name for `archive`: its name without .zst/.gz (.tzst and .tgz become .tar). */
export function decodedName(archive: string): string {
  const base = path.basename(archive);
  const m = /^(.*?)(\.tzst|\.tgz|\.zst|\.zstd|\.gz)$/i.exec(base);
  if (!m || m[1] === '') return path.join(path.dirname(archive), `${base}.out`);
  const stem = /^\.t(zst|gz)$/i.test(m[2]) ? `${m[1]}.tar` : m[1];
  return path.join(path.dirname(archive), stem);
}

/**
 * The name for bytes `offset`..`offset + length - 1` of the content: `big.log.zst` →
 * `big.bytes-1048576-2097151.log`, keeping the extension so that editors recognise the type.
 */
export function rangeName(archive: string, offset: number, length: number): string {
  const whole = decodedName(archive);
  const ext = path.extname(whole);
  const stem = ext && ext !== '.out' ? whole.slice(0, -ext.length) : whole;
  const span = `bytes-${offset}-${offset + Math.max(0, length - 1)}`;
  return ext && ext !== '.out' ? `${stem}.${span}${ext}` : `${stem}.${span}`;
}
