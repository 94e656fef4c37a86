/**
 * The ASSIGNMENT rule as its global regex scans a text, to tell whether an earlier match covers a
 * position (`label = "password: 1234"` hides the `password:` inside it).
 *
 * The scan is replayed from a point where its state is known: a line start, unless the line opens
 * with an operator (only there can a match run on from the line before: nothing but the blank
 * between name and operator crosses a newline). From there it goes from operator to operator rather
 * than trying the regex at every character: a match is a name, maybe a quote, blanks and an operator,
 * so the operator tells where the only match that can use it starts, and the regex runs there.
 * Queries come in ascending order and share the replay.
 */
import { CHARS, NAME, SPACE, WORD } from './chars.js';
import { ASSIGNMENT } from './rules.js';

/** ASSIGNMENT sticky and without match indices: only where a match ends matters here. */
const AT = new RegExp(ASSIGNMENT.source, 'y');
const OPERATOR_AHEAD = /\s*[:=]/y;
const DOLLAR = 36;
const QUOTE = 34;
const APOSTROPHE = 39;

export class Replay {
  /** Where the global scan looks for its next match. */
  private position = 0;
  /** Its last match before the queried position (start -1: none). */
  private lastStart = -1;
  private lastEnd = -1;
  /** Its next match, once looked for (start -1: none). */
  private looked = false;
  private nextStart = -1;
  private nextEnd = -1;
  /** The next `=` and `:` at or after `position`, or the text's length (-1: not looked for). */
  private equals = -1;
  private colon = -1;
  /** The replay's start for queries on the line before `lineEnd` (the next newline, or the text's end). */
  private from = 0;
  private lineEnd = -1;

  constructor(private readonly text: string) {}

  covered(at: number): boolean {
    const from = this.startFor(at);
    if (this.position <= from) {
      this.position = from;
      this.lastStart = -1;
      this.looked = false;
    }
    for (;;) {
      if (!this.looked) this.findNext();
      if (this.nextStart < 0 || this.nextStart >= at) break;
      this.lastStart = this.nextStart;
      this.lastEnd = this.nextEnd;
      this.position = this.nextEnd;
      this.looked = false;
    }
    return this.lastStart >= 0 && this.lastStart < at && at < this.lastEnd;
  }

  /** Where to replay from for a query at `at`: the start of its line, or of an earlier one. */
  private startFor(at: number): number {
    if (at <= this.lineEnd) return this.from;
    const text = this.text;
    let start = text.lastIndexOf('\n', at - 1) + 1;
    const newline = text.indexOf('\n', at);
    this.lineEnd = newline < 0 ? text.length : newline;
    for (;;) {
      OPERATOR_AHEAD.lastIndex = start;
      if (start === 0 || !OPERATOR_AHEAD.test(text)) break;
      start = start >= 2 ? text.lastIndexOf('\n', start - 2) + 1 : 0;
    }
    return (this.from = start);
  }

  /** The global scan's leftmost match at or after `position`. */
  private findNext(): void {
    const text = this.text;
    const from = this.position;
    this.looked = true;
    if (this.equals < from) this.equals = next(text, '=', from);
    if (this.colon < from) this.colon = next(text, ':', from);
    for (;;) {
      const operator = Math.min(this.equals, this.colon);
      if (operator === text.length) break;
      const start = nameStart(text, operator, from);
      if (start >= 0) {
        AT.lastIndex = start;
        const m = AT.exec(text);
        if (m !== null) {
          this.nextStart = start;
          this.nextEnd = start + m[0].length;
          return;
        }
      }
      if (operator === this.equals) this.equals = next(text, '=', operator + 1);
      else this.colon = next(text, ':', operator + 1);
    }
    this.nextStart = -1;
  }
}

const next = (text: string, char: string, from: number): number => {
  const i = text.indexOf(char, from);
  return i < 0 ? text.length : i;
};

/**
 * Where the one match that can use the operator at `operator` starts, not before `from`, or -1: the
 * name before it (`[\w$.-]*` up to an optional quote and blanks) at its first position that starts
 * with `[A-Za-z_$]` and does not follow `[\w$]`.
 */
function nameStart(text: string, operator: number, from: number): number {
  let i = operator - 1;
  while (i >= from && (CHARS[text.charCodeAt(i)]! & SPACE) !== 0) i--;
  if (i >= from && (text.charCodeAt(i) === QUOTE || text.charCodeAt(i) === APOSTROPHE)) i--;
  const end = i + 1;
  while (i >= from && (CHARS[text.charCodeAt(i)]! & NAME) !== 0) i--;
  for (let s = i + 1; s < end; s++) {
    const first = text.charCodeAt(s);
    const isFirst = first === DOLLAR || ((CHARS[first]! & WORD) !== 0 && (first < 48 || first > 57));
    if (isFirst && (s === 0 || !isWordOrDollar(text.charCodeAt(s - 1)))) return s;
  }
  return -1;
}

const isWordOrDollar = (c: number): boolean => c === DOLLAR || (CHARS[c]! & WORD) !== 0;
