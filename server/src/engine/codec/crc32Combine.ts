/**
 * CRC-32 (the gzip polynomial) of two pieces joined, from the pieces' CRCs and the second one's
 * length: what zlib's crc32_combine computes (zlib 1.2.12's method, multiplication modulo the
 * polynomial by x^(8 * length)). A gzip member compressed in parallel takes its CRC from its chunks'.
 */
const POLY = 0xedb88320;
const TOP = 0x80000000;

/** a(x) * b(x) modulo p(x), in CRC bit order (x^0 in the top bit). */
function multModP(a: number, b: number): number {
  let m = TOP;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(2^k) modulo p(x), for k = 0..31. */
const X2N: number[] = (() => {
  const table: number[] = [];
  let p = TOP >>> 1; // x^1
  table.push(p);
  for (let k = 1; k < 32; k++) table.push((p = multModP(p, p)));
  return table;
})();

/** x^(n * 2^k) modulo p(x); `n` may exceed 32 bits (lengths up to 2^53). */
function x2nModP(n: number, k: number): number {
  let p = TOP; // x^0
  while (n > 0) {
    if (n % 2 === 1) p = multModP(X2N[k & 31], p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** CRC-32 of A then B, given crc(A), crc(B) and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB === 0) return crcA >>> 0;
  return (multModP(x2nModP(lengthB, 3), crcA >>> 0) ^ crcB) >>> 0;
}
