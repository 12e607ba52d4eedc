/** libdeflate's version, e.g. "1.14". */
export const version: string;
/**
 * Raw DEFLATE of `input` into `output` at `level` (1-12); returns the bytes written, or 0 when
 * they do not fit. Compressors are kept per level and per thread.
 */
export function deflate(input: Uint8Array, output: Uint8Array, level: number): number;
/**
 * Inflates raw DEFLATE `input` into `output`, which must be exactly its content's size; throws
 * when the data is bad or decodes to another size.
 */
export function inflate(input: Uint8Array, output: Uint8Array): void;
