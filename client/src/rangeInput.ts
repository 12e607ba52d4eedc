/** Extract Range's two inputs, checked as they are typed: sizes with K/M/G suffixes (KiB, MiB, GiB). Pure. */
import { formatSize, parseSize } from '../../server/src/engine/sizes';

/** The offset in bytes, or why it is not one. `total` is the content size, when known. */
export function parseOffset(text: string, total: number | undefined): number | string {
  let offset: number;
  try {
    offset = parseSize(text);
  } catch (err) {
    return (err as Error).message;
  }
  if (total !== undefined && offset >= Math.max(1, total))
    return `The content is ${formatSize(total)} (${total} B); the offset must be below that`;
  return offset;
}

/** The length in bytes (empty: to the end), or why it is not one. */
export function parseLength(text: string, offset: number, total: number | undefined): number | string {
  if (text.trim() === '') return total === undefined ? 'The content size is unknown: give a length' : total - offset;
  let length: number;
  try {
    length = parseSize(text);
  } catch (err) {
    return (err as Error).message;
  }
  if (length === 0) return 'A length of at least 1 byte';
  if (total !== undefined && offset + length > total)
    return `Only ${formatSize(total - offset)} (${total - offset} B) follow offset ${offset}`;
  return length;
}
