/**
 * Character classes for the single-pass measure: one table lookup per ASCII code unit, and a lazily
 * built bitmap of the Basic Multilingual Plane's letters (what Python's `str.isalpha` calls alphabetic)
 * for everything else.
 */

export const UPPER = 1;
export const LOWER = 2;
export const DIGIT = 4;
/** `+`, `/` and `=`: base64 besides letters and digits. */
export const B64_EXTRA = 8;
/** a–f and A–F. */
export const HEX_LETTER = 16;
/** `_` (word character that is neither letter nor digit). */
export const UNDERSCORE = 32;
/** Space, tab, CR, LF and comma: what may separate the bytes of a hex dump or array. */
export const SEPARATOR = 64;
/** Letters that are not hex digits (g–z, G–Z). */
export const NONHEX_LETTER = 128;

export const LETTER = UPPER | LOWER;
export const WORD = UPPER | LOWER | DIGIT | UNDERSCORE;
export const BASE64 = UPPER | LOWER | DIGIT | B64_EXTRA;

export const ASCII = new Uint8Array(128);
for (let c = 65; c <= 90; c++) ASCII[c] = UPPER;
for (let c = 97; c <= 122; c++) ASCII[c] = LOWER;
for (let c = 48; c <= 57; c++) ASCII[c] = DIGIT;
for (let c = 65; c <= 90; c++) ASCII[c]! |= c <= 70 ? HEX_LETTER : NONHEX_LETTER;
for (let c = 97; c <= 122; c++) ASCII[c]! |= c <= 102 ? HEX_LETTER : NONHEX_LETTER;
for (const ch of '+/=') ASCII[ch.charCodeAt(0)] = B64_EXTRA;
ASCII[95] = UNDERSCORE;
for (const ch of ' \t\r\n,') ASCII[ch.charCodeAt(0)] = SEPARATOR;

let bmpLetters: Uint8Array | undefined;

/** Whether a non-ASCII BMP code unit is a letter (surrogates are not; see `isAstralLetter`). */
export function isBmpLetter(c: number): boolean {
  if (!bmpLetters) {
    bmpLetters = new Uint8Array(65536 / 8);
    const letter = /\p{L}/u;
    for (let u = 128; u < 65536; u++) {
      if (u >= 0xd800 && u <= 0xdfff) continue;
      if (letter.test(String.fromCharCode(u))) bmpLetters[u >>> 3]! |= 1 << (u & 7);
    }
  }
  return (bmpLetters[c >>> 3]! & (1 << (c & 7))) !== 0;
}

const astralLetter = /^\p{L}$/u;

/** Whether the surrogate pair at `i` encodes a letter (rare in code; a regex is fine). */
export function isAstralLetter(text: string, i: number): boolean {
  const cp = text.codePointAt(i)!;
  return cp > 0xffff && astralLetter.test(String.fromCodePoint(cp));
}

export const isHexCode = (c: number): boolean => c < 128 && ((ASCII[c]! & DIGIT) !== 0 || (ASCII[c]! & HEX_LETTER) !== 0);
