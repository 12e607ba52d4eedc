/**
 * One value of a member column (memberIndex.ts) read from the column's JSON bytes without parsing
 * the column whole: finding one member of a kernel tree's 84,000 then costs a search of the path
 * column's bytes (memchr, in Buffer.indexOf) instead of 84,000 strings made, checked and collected.
 *
 * Only the shape writers give is scanned: a text column is one JSON string whose values are
 * separated by the escape `\u0000`; a number column is a JSON array. When a value is not where
 * that shape puts it (another writer's escapes or spaces, a damaged column) the answer is
 * `undefined` or -1, and the caller parses the column whole, which reads it or says what is wrong
 * with it. Each read walks the bytes up to its value: for a few lookups, not for every member.
 * Pure: bytes in, values out.
 */

/** `\u0000`, as JSON.stringify writes U+0000. */
const SEPARATOR_TEXT = '\\u0000';
const SEPARATOR = Buffer.from(SEPARATOR_TEXT, 'latin1');
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * The index of the value `key` in a text column, found by its bytes as JSON.stringify escapes
 * them; -1 when they are not there as a whole value.
 */
export function findText(bytes: Uint8Array, key: string): number {
  const column = asBuffer(bytes);
  if (column.length < 2 || column[0] !== QUOTE || column[column.length - 1] !== QUOTE) return -1;
  const needle = Buffer.from(JSON.stringify(key).slice(1, -1), 'utf8');
  for (let at = column.indexOf(needle, 1); at >= 0; at = column.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    const startsValue = at === 1 || (at > SEPARATOR.length && separatorAt(column, at - SEPARATOR.length));
    const endsValue = end === column.length - 1 || separatorAt(column, end);
    if (startsValue && endsValue && parsed(`"${slice(column, at, end)}"`) === key) return separatorsBefore(column, at);
  }
  return -1;
}

/** Value `i` of a text column, unescaped; undefined if the column does not have it so. */
export function textAt(bytes: Uint8Array, i: number): string | undefined {
  const column = asBuffer(bytes);
  if (column.length < 2 || column[0] !== QUOTE || column[column.length - 1] !== QUOTE) return undefined;
  let start = 1;
  for (let k = 0; k < i; k++) {
    const at = nextSeparator(column, start);
    if (at < 0) return undefined;
    start = at + SEPARATOR.length;
  }
  const next = nextSeparator(column, start);
  const value = parsed(`"${slice(column, start, next < 0 ? column.length - 1 : next)}"`);
  return typeof value === 'string' ? value : undefined;
}

/** Value `i` of a number column; undefined if the column does not have it so. */
export function numberAt(bytes: Uint8Array, i: number): number | undefined {
  const column = asBuffer(bytes);
  if (column.length < 3 || column[0] !== 0x5b || column[column.length - 1] !== 0x5d) return undefined;
  const start = nthElement(column, i);
  if (start < 0) return undefined;
  const next = column.indexOf(COMMA, start);
  const value = parsed(slice(column, start, next < 0 ? column.length - 1 : next));
  return typeof value === 'number' ? value : undefined;
}

/** Whether a `\u0000` at `at` is one: its backslash not itself escaped (an even run before it). */
function separatorAt(column: Buffer, at: number): boolean {
  if (at + SEPARATOR.length > column.length) return false;
  for (let k = 0; k < SEPARATOR.length; k++) if (column[at + k] !== SEPARATOR[k]) return false;
  let run = 0;
  while (at - run - 1 >= 0 && column[at - run - 1] === BACKSLASH) run++;
  return run % 2 === 0;
}

/**
 * The next `\u0000` from `from`, which must be where an escape may start (a value's start): each
 * backslash found starts an escape, so an escaped one (`\\`) is stepped over with its pair.
 */
function nextSeparator(column: Buffer, from: number): number {
  for (let at = column.indexOf(BACKSLASH, from); at >= 0; at = column.indexOf(BACKSLASH, at + 2)) {
    if (column[at + 1] === 0x75 && separatorAt(column, at)) return at;
  }
  return -1;
}

/**
 * The `\u0000` separators before byte `end`. Latin-1 gives a character per byte, so the text's
 * indexOf (a builtin, no call into C++) finds them at byte positions: 2-3x faster than a loop over
 * the bytes, which runs once and cold.
 */
function separatorsBefore(column: Buffer, end: number): number {
  const text = column.toString('latin1', 0, end);
  let count = 0;
  for (let at = text.indexOf(SEPARATOR_TEXT, 1); at >= 0; ) {
    // A backslash before it may escape its own: rare in paths, so only then is the run counted.
    if (text.charCodeAt(at - 1) !== BACKSLASH || separatorAt(column, at)) {
      count++;
      at = text.indexOf(SEPARATOR_TEXT, at + SEPARATOR.length);
    } else at = text.indexOf(SEPARATOR_TEXT, at + 1);
  }
  return count;
}

/** Where number `i` of a JSON array starts (after its comma), by one loop over the bytes; -1 past the end. */
function nthElement(column: Buffer, i: number): number {
  let start = 1;
  for (let k = 0; k < i; k++) {
    while (start < column.length && column[start] !== COMMA) start++;
    if (start >= column.length) return -1;
    start++;
  }
  return start;
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

function slice(column: Buffer, start: number, end: number): string {
  return column.toString('utf8', start, end);
}

function parsed(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}
