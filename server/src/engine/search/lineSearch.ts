/**
 * grep's matching of lines, on one piece of a member's content at a time: the pieces of a member
 * that spans frames are searched by different workers, so a piece reports its complete lines'
 * matches and leaves its partial first and last lines (and how many newlines it holds) to the
 * caller, which joins them across the boundary (memberSearch.ts). Pure: no I/O.
 *
 * A fixed, case-sensitive pattern is found in the bytes (Buffer.indexOf, no decoding); anything
 * else is matched line by line in the UTF-8 text, as grep does (no match spans a newline).
 */
import { needleFinder, type NeedleFinder } from './needleSearch';

export interface SearchPattern {
  /** The text to find, or a JavaScript regular expression. */
  pattern: string;
  regex: boolean;
  ignoreCase: boolean;
  /** Stop after this many matching lines in a member (-l: 1); undefined for all. */
  maxPerMember?: number;
  /** Matching lines' text is not wanted, only how many (-c, -l). */
  countOnly: boolean;
  /** Cut each matching line's text to this many characters (a preview); undefined for all of it. */
  preview?: number;
}

export interface LineMatch {
  /** Newlines before the line within the piece (the line's index in it, its partial first line being 0). */
  line: number;
  /** The line's text, without its newline ('' when only counted). */
  text: string;
}

export interface PieceMatches {
  matches: LineMatch[];
  /** Matching lines, also when their text was not kept. */
  count: number;
  /** Newlines in the piece. */
  newlines: number;
  /** The piece's partial first line (before its first newline), when the piece does not start the member. */
  head?: Uint8Array;
  /** Its partial last line, when it does not end the member. */
  tail?: Uint8Array;
  /**
   * A NUL in the member's first 8 KiB (seen by its first piece, when lines are wanted): grep's
   * "Binary file … matches".
   */
  binary?: boolean;
}

const NL = 0x0a;
/** A line cut at a piece boundary is joined up to this long; beyond, its ends are searched apart. */
export const MAX_JOINED_LINE = 1 << 20;

const decoder = new TextDecoder();

/** A compiled pattern: the byte needle of the fast path (and how it is found), or a line regex. */
export interface Matcher {
  needle?: Buffer;
  find?: NeedleFinder;
  regex?: RegExp;
  options: SearchPattern;
}

export function compileMatcher(options: SearchPattern): Matcher {
  if (!options.regex && !options.ignoreCase) {
    const needle = Buffer.from(options.pattern);
    return { needle, find: needleFinder(needle), options };
  }
  const source = options.regex ? options.pattern : options.pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { regex: new RegExp(source, `m${options.ignoreCase ? 'i' : ''}`), options };
}

/** Whether `line` (one line, no newline) matches. */
export function lineMatches(m: Matcher, line: Uint8Array): boolean {
  if (m.needle) return Buffer.from(line.buffer, line.byteOffset, line.length).indexOf(m.needle) >= 0;
  return m.regex!.test(decoder.decode(line));
}

/**
 * Searches `bytes`, a piece of a member: `first` when it starts the member, `last` when it ends it.
 * `limit` caps the matching lines counted (what the member may still have).
 */
export function searchPiece(
  m: Matcher,
  bytes: Uint8Array,
  first: boolean,
  last: boolean,
  limit = Infinity,
): PieceMatches {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const result: PieceMatches = { matches: [], count: 0, newlines: 0 };
  // Only output needs it; -c and -l count a binary file's lines as any other's.
  if (first && !m.options.countOnly) result.binary = buf.subarray(0, 8192).includes(0);
  // The complete lines: from the start (or after the first newline) to the end (or the last newline).
  let from = 0;
  if (!first) {
    const nl = buf.indexOf(NL);
    if (nl < 0) {
      // No newline at all: the whole piece is the middle of one line.
      result.head = bytes;
      return result;
    }
    result.head = bytes.subarray(0, nl);
    from = nl + 1;
  }
  let to = buf.length;
  // A member's final newline ends its last line; no empty line follows it.
  if (last && to > from && buf[to - 1] === NL) to--;
  if (!last) {
    const nl = buf.lastIndexOf(NL);
    if (nl < from - 1 || nl < 0) {
      result.tail = bytes.subarray(from);
      result.newlines = first ? 0 : 1;
      return result;
    }
    result.tail = bytes.subarray(nl + 1);
    to = nl; // the last complete line ends here
  }
  // Lines are numbered by the newlines before them, counted only as far as each match.
  let counted = 0;
  let line = first ? 0 : 1;
  const lineAt = (at: number): number => {
    for (let nl = buf.indexOf(NL, counted); nl >= 0 && nl < at; nl = buf.indexOf(NL, nl + 1)) {
      line++;
      counted = nl + 1;
    }
    counted = Math.max(counted, at);
    return line;
  };
  counted = from;
  const record = (start: number, end: number): boolean => {
    const index = lineAt(start);
    result.count++;
    if (!m.options.countOnly) {
      const text = decoder.decode(buf.subarray(start, end));
      result.matches.push({
        line: index,
        text: m.options.preview === undefined ? text : text.slice(0, m.options.preview),
      });
    }
    return result.count < limit;
  };
  if (m.needle && m.find) {
    const find = m.find;
    for (let at = find(buf, from); at >= 0 && at < to; ) {
      const start = buf.lastIndexOf(NL, at) + 1;
      let end = buf.indexOf(NL, at);
      if (end < 0 || end > to) end = to;
      if (at + m.needle.length > end) {
        at = find(buf, at + 1); // it ran over the line's end
        continue;
      }
      if (!record(Math.max(start, from), end)) break;
      at = end + 1 >= to ? -1 : find(buf, end + 1);
    }
  } else {
    const text = decoder.decode(buf.subarray(from, to));
    const global = new RegExp(m.regex!.source, `g${m.regex!.flags}`);
    // Byte offsets of the text's lines are needed for numbering: track them with the text's own.
    let charLine = 0;
    let charCounted = 0;
    const lineOfChar = (at: number): number => {
      for (let nl = text.indexOf('\n', charCounted); nl >= 0 && nl < at; nl = text.indexOf('\n', nl + 1)) {
        charLine++;
        charCounted = nl + 1;
      }
      charCounted = Math.max(charCounted, at);
      return charLine;
    };
    for (let found = global.exec(text); found; found = global.exec(text)) {
      const start = text.lastIndexOf('\n', found.index - 1) + 1;
      let end = text.indexOf('\n', found.index);
      if (end < 0) end = text.length;
      const lineText = text.slice(start, end);
      if (found[0].includes('\n') && !m.regex!.test(lineText)) {
        global.lastIndex = found.index + 1;
        continue;
      }
      const index = lineOfChar(start) + (first ? 0 : 1);
      result.count++;
      if (!m.options.countOnly)
        result.matches.push({
          line: index,
          text: m.options.preview === undefined ? lineText : lineText.slice(0, m.options.preview),
        });
      if (result.count >= limit) break;
      global.lastIndex = end + 1;
      if (end >= text.length) break;
    }
  }
  if (!last || !first) {
    // A member in pieces needs every piece's newlines to number the next one's lines.
    let n = 0;
    for (let nl = buf.indexOf(NL); nl >= 0; nl = buf.indexOf(NL, nl + 1)) n++;
    result.newlines = n;
  }
  return result;
}
