/**
 * Everything the quality filters look at, measured in one pass over the text: lines and their
 * lengths, letters and digits, and spans of encoded data.
 *
 * Encoded data is three kinds of run (in the spirit of The Stack v2's regular expressions, written as
 * one state machine so the text is read once):
 *   base64   ≥ 64 characters of [A-Za-z0-9+/=] mixing at least two of upper, lower and digits; a
 *            run continues over a line break (plus indentation) when the line before held at least
 *            40 of them, so wrapped blobs count as one run;
 *   hex      ≥ 8 hex tokens separated only by spaces, tabs, line breaks or commas: `0x1f`, `\x1f`,
 *            or bare groups of an even number of hex digits (`7f 45 4c`, `7f45 4c46`); at least one
 *            token must have a prefix or a letter, so a table of decimal numbers is not hex;
 *   unicode  ≥ 8 consecutive `\uXXXX` escapes.
 * Spans of the three kinds are merged before measuring, so overlaps are not counted twice.
 */
import { ASCII, B64_EXTRA, BASE64, DIGIT, HEX_LETTER, isAstralLetter, isBmpLetter, isHexCode, LETTER, LOWER, NONHEX_LETTER, SEPARATOR, UPPER, WORD } from './chars.js';

export const MIN_BASE64_RUN = 64;
export const BASE64_WRAP_MIN = 40;
export const MIN_HEX_TOKENS = 8;
export const MIN_UNICODE_ESCAPES = 8;

export interface TextMeasures {
  /** UTF-16 code units. */
  chars: number;
  /** Lines as `splitlines` counts them: a final line break does not start another line. */
  lines: number;
  /** Longest line, without its line break (CRLF counts as one break). */
  maxLineLength: number;
  /** Characters outside line breaks per line. */
  avgLineLength: number;
  letters: number;
  digits: number;
  /** letters / chars (0 for empty text). */
  alphaFraction: number;
  /** (letters + digits) / chars. */
  alnumFraction: number;
  /** Longest merged encoded-data span. */
  encodedMaxRun: number;
  /** Characters inside encoded-data spans. */
  encodedChars: number;
  /** encodedChars / chars. */
  encodedFraction: number;
}

const CLASS_BITS = UPPER | LOWER | DIGIT;

/**
 * Whether [start, end) — a maximal run of base64 characters — is one hex token: `0x` + ≥ 1 hex digits
 * (+ up to 3 of u/U/l/L), or an even number (≥ 2) of bare hex digits, with no word character on
 * either side. Returns 0 (no), 1 (bare digits only) or 2 (prefixed or has a hex letter).
 */
export function hexToken(text: string, start: number, end: number, classes: number): number {
  if ((classes & B64_EXTRA) !== 0) return 0;
  if (start > 0) {
    const prev = text.charCodeAt(start - 1);
    if (prev < 128 && (ASCII[prev]! & WORD) !== 0) return 0;
  }
  if (end < text.length && text.charCodeAt(end) === 95) return 0; // `_` continues the word
  if (end - start > 2 && text.charCodeAt(start) === 48 && (text.charCodeAt(start + 1) | 32) === 120) {
    let j = start + 2;
    while (j < end && isHexCode(text.charCodeAt(j))) j++;
    if (j === start + 2) return 0;
    for (let s = 0; s < 3 && j < end; s++) {
      const d = text.charCodeAt(j) | 32;
      if (d !== 117 && d !== 108) break; // u, l
      j++;
    }
    return j === end ? 2 : 0;
  }
  if ((classes & NONHEX_LETTER) !== 0 || (end - start) % 2 !== 0) return 0;
  return (classes & HEX_LETTER) !== 0 ? 2 : 1;
}

const twoClasses = (bits: number) => {
  const b = bits & CLASS_BITS;
  return b !== 0 && (b & (b - 1)) !== 0;
};

const isHex4 = (text: string, i: number) =>
  isHexCode(text.charCodeAt(i)) && isHexCode(text.charCodeAt(i + 1)) && isHexCode(text.charCodeAt(i + 2)) && isHexCode(text.charCodeAt(i + 3));

/** Letters among the hex digits at [i, i + n) (for escapes the loop steps over). */
function hexLetters(text: string, i: number, n: number): number {
  let k = 0;
  for (let j = i; j < i + n; j++) if ((ASCII[text.charCodeAt(j)]! & LETTER) !== 0) k++;
  return k;
}

export function measureText(text: string): TextMeasures {
  const len = text.length;
  let lines = 0;
  let lineStart = 0;
  let maxLine = 0;
  let lineChars = 0;
  let letters = 0;
  let digits = 0;
  const spans: number[] = [];

  let bStart = -1; // base64 run start, -1 when none
  let bClasses = 0;
  let bLastSegment = 0; // length of the run's latest line segment
  let bPend = -1; // ≥ 0 while the run waits across a line break: where it ends if nothing follows
  let bBreaks = 0; // line feeds seen while waiting
  let xStart = -1; // hex run start
  let xEnd = 0;
  let xCount = 0;
  let xHex = false;
  let uStart = -1; // \u run start
  let uEnd = -1;
  let uCount = 0;

  let i = 0;
  while (i < len) {
    let c = text.charCodeAt(i);

    if (c < 128 && (ASCII[c]! & BASE64) !== 0) {
      // A segment: maximal run of base64 characters, read in a tight loop (most of a text is these).
      const start = i;
      let classes = 0;
      let nDigits = 0;
      let nExtra = 0;
      do {
        const cls = ASCII[c]!;
        classes |= cls;
        nDigits += (cls >>> 2) & 1; // DIGIT
        nExtra += (cls >>> 3) & 1; // B64_EXTRA
        if (++i === len) break;
        c = text.charCodeAt(i);
      } while (c < 128 && (ASCII[c]! & BASE64) !== 0);
      digits += nDigits;
      letters += i - start - nDigits - nExtra;

      if (bStart < 0) {
        bStart = start;
        bClasses = classes;
      } else {
        bClasses |= classes; // resumes after a line break
        bPend = -1;
      }
      bLastSegment = i - start;

      // Most words have a letter past f (or a + / =) and cannot be hex, unless they start with 0x.
      const token = (classes & (NONHEX_LETTER | B64_EXTRA)) !== 0 && text.charCodeAt(start) !== 48 ? 0 : hexToken(text, start, i, classes);
      if (token !== 0) {
        if (xStart < 0) {
          xStart = start;
          xCount = 0;
          xHex = false;
        }
        xEnd = i;
        xCount++;
        if (token === 2) xHex = true;
      } else if (xStart >= 0) {
        if (xCount >= MIN_HEX_TOKENS && xHex) spans.push(xStart, xEnd);
        xStart = -1;
      }
      continue;
    }

    // One character outside segments. It ends a base64 run unless the run waits across a line break.
    if (bStart >= 0) {
      let going = false;
      if (bPend >= 0) going = c === 32 || c === 9 || c === 13 || (c === 10 && bBreaks++ === 0);
      else if ((c === 10 || c === 13) && bLastSegment >= BASE64_WRAP_MIN) {
        bPend = i;
        bBreaks = c === 10 ? 1 : 0;
        going = true;
      }
      if (!going) {
        const end = bPend >= 0 ? bPend : i;
        if (end - bStart >= MIN_BASE64_RUN && twoClasses(bClasses)) spans.push(bStart, end);
        bStart = -1;
        bPend = -1;
      }
    }

    if (c >= 128) {
      if (c < 0xd800 || c > 0xdfff ? isBmpLetter(c) : c <= 0xdbff && isAstralLetter(text, i)) letters++;
    } else if (c === 10) {
      let l = i - lineStart;
      if (l > 0 && text.charCodeAt(i - 1) === 13) l--;
      if (l > maxLine) maxLine = l;
      lineChars += l;
      lines++;
      lineStart = i + 1;
    } else if ((ASCII[c]! & SEPARATOR) !== 0) {
      i++; // separators keep a hex run going
      continue;
    } else if (c === 92) {
      const next = text.charCodeAt(i + 1);
      if (next === 120 && isHexCode(text.charCodeAt(i + 2)) && isHexCode(text.charCodeAt(i + 3))) {
        // \xHH: a prefixed hex token; step over it (x is a letter, the digits are counted here).
        if (xStart < 0) {
          xStart = i;
          xCount = 0;
        }
        xEnd = i + 4;
        xCount++;
        xHex = true;
        const hl = hexLetters(text, i + 2, 2);
        letters += 1 + hl;
        digits += 2 - hl;
        i += 4;
        continue;
      }
      if (next === 117 && isHex4(text, i + 2)) {
        // \uXXXX: extends the escape run when it starts where the last one ended.
        if (uStart >= 0 && uEnd === i) uCount++;
        else {
          if (uStart >= 0 && uCount >= MIN_UNICODE_ESCAPES) spans.push(uStart, uEnd);
          uStart = i;
          uCount = 1;
        }
        uEnd = i + 6;
        const hl = hexLetters(text, i + 2, 4);
        letters += 1 + hl;
        digits += 4 - hl;
        if (xStart >= 0) {
          if (xCount >= MIN_HEX_TOKENS && xHex) spans.push(xStart, xEnd);
          xStart = -1;
        }
        i += 6;
        continue;
      }
    }
    // Anything else between tokens ends a hex run.
    if (xStart >= 0 && c !== 10) {
      if (xCount >= MIN_HEX_TOKENS && xHex) spans.push(xStart, xEnd);
      xStart = -1;
    }
    i++;
  }

  if (lineStart < len) {
    const l = len - lineStart;
    if (l > maxLine) maxLine = l;
    lineChars += l;
    lines++;
  }
  if (bStart >= 0) {
    const end = bPend >= 0 ? bPend : len;
    if (end - bStart >= MIN_BASE64_RUN && twoClasses(bClasses)) spans.push(bStart, end);
  }
  if (xStart >= 0 && xCount >= MIN_HEX_TOKENS && xHex) spans.push(xStart, xEnd);
  if (uStart >= 0 && uCount >= MIN_UNICODE_ESCAPES) spans.push(uStart, uEnd);

  const { covered, longest } = mergeSpans(spans);
  return {
    chars: len,
    lines,
    maxLineLength: maxLine,
    avgLineLength: lines === 0 ? 0 : lineChars / lines,
    letters,
    digits,
    alphaFraction: len === 0 ? 0 : letters / len,
    alnumFraction: len === 0 ? 0 : (letters + digits) / len,
    encodedMaxRun: longest,
    encodedChars: covered,
    encodedFraction: len === 0 ? 0 : covered / len,
  };
}

/** Union of [start, end) pairs: characters covered and the longest merged span. */
export function mergeSpans(flat: readonly number[]): { covered: number; longest: number } {
  const pairs: [number, number][] = [];
  for (let k = 0; k < flat.length; k += 2) pairs.push([flat[k]!, flat[k + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let longest = 0;
  let start = -1;
  let end = -1;
  for (const [s, e] of pairs) {
    if (s <= end) {
      if (e > end) end = e;
      continue;
    }
    if (start >= 0) {
      covered += end - start;
      longest = Math.max(longest, end - start);
    }
    start = s;
    end = e;
  }
  if (start >= 0) {
    covered += end - start;
    longest = Math.max(longest, end - start);
  }
  return { covered, longest };
}
