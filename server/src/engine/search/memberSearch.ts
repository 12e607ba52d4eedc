/**
 * One member's matches from its pieces, in order (lineSearch.ts): lines numbered across pieces,
 * and the lines cut at piece boundaries joined and matched here.
 */
import { lineMatches, MAX_JOINED_LINE, type Matcher, type PieceMatches } from './lineSearch';

export interface MemberMatches {
  /** Matching lines (also when their text was not kept). */
  count: number;
  /** 1-based line numbers and text, in order. */
  matches: Array<{ line: number; text: string }>;
  binary: boolean;
}

export class MemberAssembler {
  private lines = 0;
  private carry: Uint8Array[] = [];
  private carried = 0;
  private readonly result: MemberMatches = { count: 0, matches: [], binary: false };

  constructor(
    private readonly matcher: Matcher,
    private readonly limit = Infinity,
  ) {}

  get full(): boolean {
    return this.result.count >= this.limit;
  }

  /** The next piece's result; `last` when it ends the member. */
  add(piece: PieceMatches, first: boolean, last: boolean): void {
    if (first) this.result.binary = piece.binary === true;
    if (!first && piece.head !== undefined) {
      this.keep(piece.head);
      const ended = piece.newlines > 0 || last;
      if (ended) this.joined(this.lines + 1);
    }
    for (const m of piece.matches) this.push(this.lines + m.line + 1, m.text);
    // Counted, but their text not kept (-c, -l).
    this.result.count += piece.count - piece.matches.length;
    this.lines += piece.newlines;
    if (piece.tail !== undefined) this.keep(piece.tail);
    if (last && this.carried > 0) this.joined(this.lines + 1);
  }

  finish(): MemberMatches {
    return this.result;
  }

  private keep(bytes: Uint8Array): void {
    // A line longer than any honest text file has is matched by its ends alone.
    if (this.carried + bytes.length > MAX_JOINED_LINE)
      bytes = bytes.subarray(0, Math.max(0, MAX_JOINED_LINE - this.carried));
    this.carry.push(bytes);
    this.carried += bytes.length;
  }

  /** The carried line is complete: match it as line `line`. */
  private joined(line: number): void {
    const bytes = Buffer.concat(this.carry);
    this.carry = [];
    this.carried = 0;
    if (!this.full && lineMatches(this.matcher, bytes)) {
      const options = this.matcher.options;
      const text = options.countOnly ? '' : bytes.toString('utf8');
      this.push(line, options.preview === undefined ? text : text.slice(0, options.preview), options.countOnly);
    }
  }

  private push(line: number, text: string, countOnly = false): void {
    if (this.full) return;
    this.result.count++;
    if (!countOnly) this.result.matches.push({ line, text });
  }
}
