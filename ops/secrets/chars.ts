/**
 * Character classes as one lookup table over UTF-16 code units, for the detectors' hand-written
 * checks around an anchor: a class test is one load and a mask instead of a regex call. Each flag
 * mirrors a class the rules' regexes use (tested against the regexes).
 */

/** `[A-Za-z0-9+/_-]`: base64 and base64url, the alphabet of entropy candidates and token bodies. */
export const B64 = 1;
/** `[0-9A-Fa-f]`. */
export const HEX = 2;
/** `\w`, i.e. `[A-Za-z0-9_]`. */
export const WORD = 4;
/** `[A-Za-z0-9]`. */
export const ALNUM = 8;
/** `[A-Za-z0-9._%+-]`: the local part of an email address. */
export const LOCAL = 16;
/** `[A-Za-z0-9+.-]`: a URL scheme. */
export const SCHEME = 32;
/** `[\w$.-]`: the name of an assignment. */
export const NAME = 64;
/** `\s`: JavaScript's whitespace and line terminators. */
export const SPACE = 128;

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
mark(ALNUMS, ALNUM);
mark(ALNUMS + '._%+-', LOCAL);
mark(ALNUMS + '+.-', SCHEME);
mark(ALNUMS + '_$.-', NAME);
mark('\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff', SPACE);

/** The code unit at `i`, or -1 outside the text (so table lookups and comparisons need no bounds check). */
export function codeAt(text: string, i: number): number {
  return i >= 0 && i < text.length ? text.charCodeAt(i) : -1;
}

/** Whether `text` holds `word` (lower-case ASCII letters) at `at`, in any case. */
export function hasWordAt(text: string, at: number, word: string): boolean {
  if (at < 0 || at + word.length > text.length) return false;
  // `| 0x20` folds exactly one upper-case letter onto each lower-case one and nothing else onto it.
  for (let i = 0; i < word.length; i++) if ((text.charCodeAt(at + i) | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}
