/**
 * Finding a fixed string's bytes as grep does: memchr (Buffer.indexOf of one byte) for the
 * string's rarest byte (byteFrequencies.ts), then a comparison of the rest at each place it
 * occurs. On the kernel tree, "EXPORT_SYMBOL_GPL" is found so four times as fast as by
 * Buffer.indexOf's own search (its 'Y' occurs once in 680 bytes). Where that byte turns out to be
 * common in what is searched (more than one place in 128 bytes), the call goes on with
 * Buffer.indexOf, so the worst case is about twice its time. Pure.
 */
import { BYTE_FREQUENCIES } from './byteFrequencies';

/** The first place of `needle` in `haystack` from `from` on, or -1: what haystack.indexOf(needle, from) gives. */
export type NeedleFinder = (haystack: Buffer, from: number) => number;

export function needleFinder(needle: Buffer): NeedleFinder {
  const m = needle.length;
  if (m < 2) return (haystack, from) => haystack.indexOf(needle, from);
  let k = 0;
  for (let i = 1; i < m; i++) if (BYTE_FREQUENCIES[needle[i]] < BYTE_FREQUENCIES[needle[k]]) k = i;
  const rare = needle[k];
  return (haystack, from) => {
    const start0 = Math.max(0, from);
    let candidates = 0;
    for (let at = haystack.indexOf(rare, start0 + k); at >= 0; at = haystack.indexOf(rare, at + 1)) {
      const start = at - k;
      if (start + m > haystack.length) return -1;
      let j = 0;
      while (j < m && haystack[start + j] === needle[j]) j++;
      if (j === m) return start;
      // Every place before start + 1 has been looked at.
      if (++candidates > 16 + ((at - start0) >> 7)) return haystack.indexOf(needle, start + 1);
    }
    return -1;
  };
}
