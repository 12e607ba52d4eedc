/**
 * Names of outputs: where decoded output goes by default (beside the archive, named after it), and
 * the temporary name any output is written under. Pure path logic (the client uses it too).
 */
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

/** The longest file name Linux file systems take (ext4, xfs, btrfs, tmpfs), in bytes. */
const NAME_MAX = 255;

/**
 * The hidden name an output is written under until it is complete, beside it:
 * `.big.log.zst.1a2b3c4d.partial`. A name near the limit is shortened, by whole characters, so
 * that the temporary name fits wherever the final one does.
 */
export function partialName(finalPath: string, tag: string): string {
  const suffix = `.${tag}.partial`;
  const room = NAME_MAX - 1 - Buffer.byteLength(suffix); // 1 for the leading dot
  let base = '';
  let bytes = 0;
  for (const char of path.basename(finalPath)) {
    bytes += Buffer.byteLength(char);
    if (bytes > room) break;
    base += char;
  }
  return path.join(path.dirname(finalPath), `.${base}${suffix}`);
}
