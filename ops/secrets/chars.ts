/**
 * Character classes as one lookup table over UTF-16 code units, for the hand-written scanners: a
 * class test is one load and a mask instead of a regex call. Each flag mirrors a class the rules'
 * regexes use, so the scanners and the regexes agree on every code unit (tested against the regexes).
 */

/** `[A-Za-z0-9+/_-]`: base64 and base64url, the alphabet of entropy candidates and token bodies. */
export const B64 = 1;
/** `[0-9A-Fa-f]`. */
export const HEX = 2;
/** `\w`, i.e. `[A-Za-z0-9_]`. */
export const WORD = 4;
/** `[\w$.-]`: characters of an assignment's name. */
export const NAME = 8;
/** `\s`: JavaScript whitespace, line terminators included. */
export const SPACE = 16;
/** `[A-Za-z0-9]`. */
export const ALNUM = 32;
/** `[A-Za-z0-9._%+-]`: the local part of an email address. */
export const LOCAL = 64;
/** `[A-Za-z0-9+.-]`: a URL scheme. */
export const SCHEME = 128;

export const CHARS = new Uint8Array(0x10000);

function mark(chars: string, flag: number): void {
  for (let i = 0; i < chars.length; i++) CHARS[chars.charCodeAt(i)]! |= flag;
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUMS = UPPER + LOWER + DIGITS;
mark(ALNUMS + '+/_-', B64);
mark(DIGITS + 'abcdefABCDEF', HEX);
mark(ALNUMS + '_', WORD);
mark(ALNUMS + '_$.-', NAME);
mark(ALNUMS, ALNUM);
mark(ALNUMS + '._%+-', LOCAL);
mark(ALNUMS + '+.-', SCHEME);
// The code units `/\s/` matches (ECMAScript WhiteSpace and LineTerminator).
mark('\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff', SPACE);
for (let c = 0x2000; c <= 0x200a; c++) CHARS[c]! |= SPACE;

/**
 * What can stand right before an `=` or `:` that ends an assignment to a secret word: the last
 * letter of one (s d e t n y, any case), a trailing `_ $ . -`, the name's closing quote, or the
 * blank before the operator. Anything else rules the operator out in one load.
 */
export const OPERATOR_PREV = new Uint8Array(0x10000);
for (const c of 'sdetnySDETNY_$.-"\'') OPERATOR_PREV[c.charCodeAt(0)] = 1;
for (let c = 0; c < 0x10000; c++) if ((CHARS[c]! & SPACE) !== 0) OPERATOR_PREV[c] = 1;

/** The code unit at `i`, or -1 outside the text (so table lookups and comparisons need no bounds check). */
export function codeAt(text: string, i: number): number {
  return i >= 0 && i < text.length ? text.charCodeAt(i) : -1;
}

/** Whether the code unit at `i` is in the class; false outside the text. */
export function isAt(text: string, i: number, flag: number): boolean {
  return i >= 0 && i < text.length && (CHARS[text.charCodeAt(i)]! & flag) !== 0;
}

/** Whether `text` holds `word` (lower-case ASCII letters) at `at`, in any case. */
export function hasWordAt(text: string, at: number, word: string): boolean {
  if (at < 0 || at + word.length > text.length) return false;
  // `| 0x20` folds exactly one upper-case letter onto each lower-case one and nothing else onto it.
  for (let i = 0; i < word.length; i++) if ((text.charCodeAt(at + i) | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}
