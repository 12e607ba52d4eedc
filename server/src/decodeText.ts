/** What a decode or a verification did, in the words the CLI and the extension both print. */
import type { DecodeResult } from './engine/decoding/decompress';
import { formatSize } from './engine/sizes';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "12 frames in parallel on 2 threads", "1 frame on 1 thread", "3 of 12 frames, streaming". */
export function howDecoded(r: DecodeResult): string {
  const frames = r.framesDecoded === r.frames ? `${r.frames}` : `${r.framesDecoded} of ${r.frames}`;
  const unit = `${r.mode === 'gzip' ? 'member' : 'frame'}${r.frames === 1 ? '' : 's'}`;
  const resumed = r.resumedFrames === undefined ? '' : `; resumed, ${r.resumedFrames} written before checked and kept`;
  if (r.mode === 'parallel')
    return `${r.threads === 1 ? `${frames} ${unit} on 1 thread` : `${frames} ${unit} in parallel on ${r.threads} threads`}${resumed}`;
  return `${frames} ${unit}, ${r.note ?? r.mode}${resumed}`;
}

/** Whether a verification found nothing wrong: every frame, the digests and the index. */
export const verified = (r: DecodeResult): boolean => r.failures.length === 0 && r.indexFindings.length === 0;

/**
 * One sentence for the end of a verification: what was checked when all is well; else what is
 * wrong, and whether the data frames themselves are intact (an index can lie about good frames).
 */
export function verifySummary(name: string, r: DecodeResult): string {
  const checks = ['its checksum'];
  if (r.digestsChecked) checks.push("the manifest's digest");
  const each = `each matching ${checks.join(' and ')}`;
  const findings = r.indexFindings.length;
  if (verified(r)) {
    const index = r.indexChecked ? '; the seek table matches every frame' : '';
    return `${name}: OK. ${formatSize(r.bytesOut)} checked: ${howDecoded(r)}, ${each}${index}`;
  }
  const disagrees = findings > 0 ? `the index disagrees with the frames in ${plural(findings, 'place')}` : '';
  if (r.failures.length === 0)
    return `${name}: ${disagrees}. The data frames themselves are intact: ${howDecoded(r)}, ${each}`;
  return `${name}: ${plural(r.failures.length, 'problem')} (${howDecoded(r)})${disagrees ? `; ${disagrees}` : ''}`;
}
