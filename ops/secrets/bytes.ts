/**
 * The text as the prefilter sees it: one byte per UTF-16 code unit, code units above 0xFF narrowed
 * to 0x00 (from 0x8000) or 0xFF as `i8x16.narrow_i16x8_u` does, and a class table over bytes. Shared
 * by the WebAssembly kernel (kernel.ts, which gets the table in its memory) and its JavaScript twin
 * (anchors.ts), so both read the same bytes the same way.
 */

export const BYTE_FLAGS = {
  /** `[A-Za-z0-9+/_-]` */
  B64: 1,
  /** `[0-9A-Fa-f]` */
  HEX: 2,
  /** `[\w$.-]`: assignment names */
  NAME: 4,
  /** `\s` as far as bytes tell: ASCII blanks and 0xA0, and 0x00 and 0xFF, which may stand for a blank above 0xFF */
  SPACE: 8,
  /** `[A-Za-z0-9]` */
  ALNUM: 16,
  /** `[A-Za-z0-9._%+-]`: the local part of an email address */
  LOCAL: 32,
  /** `[\s/?#@"'`<>]` (blanks without 0x00 and 0xFF): where the user and password of a URL stop */
  URL_STOP: 64,
  /** `\w` */
  WORD: 128,
} as const;

/** What anchors.ts says of a name before an operator. */
export const NAME_FLAGS = {
  /** ASSIGNMENT's name starts here, and rules.ts `kindOfName` tells its kind. */
  KIND: 1,
  /** The name ends in `key` with `aws` 12 to 21 characters before its end: the AWS secret rule may match. */
  AWS: 2,
} as const;

/** The kernel's runs are at least this long: a shorter one fits inside one of its 16-byte blocks. */
export const MIN_RUN = 15;

/** What anchors.ts says of a run it keeps. */
export const RUN = {
  /** It starts with a vendor token's prefix (at the start of a run, or after `+ / -` inside one). */
  TOKEN: 1,
  /** An entropy candidate: surroundings, alphabet and entropy pass (see UNSURE). */
  CANDIDATE: 2,
  /** Its entropy is too close to the threshold (or the run too long) to tell here: compute it exactly. */
  UNSURE: 4,
  /** All hex digits. */
  HEX: 8,
  /** An AWS key id starts here (`AKIA` and sixteen capitals and digits): the "run" is the key. */
  AWS: 16,
} as const;

const ALNUMS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BLANKS = '\t\n\v\f\r \u00a0';

export const BYTE_CLASS = new Uint8Array(256);
const mark = (chars: string, flag: number): void => {
  for (const c of chars) BYTE_CLASS[c.charCodeAt(0)]! |= flag;
};
mark(ALNUMS + '+/_-', BYTE_FLAGS.B64);
mark('0123456789abcdefABCDEF', BYTE_FLAGS.HEX);
mark(ALNUMS + '_$.-', BYTE_FLAGS.NAME);
mark(BLANKS + '\u0000\u00ff', BYTE_FLAGS.SPACE);
mark(ALNUMS, BYTE_FLAGS.ALNUM);
mark(ALNUMS + '._%+-', BYTE_FLAGS.LOCAL);
mark(BLANKS + '/?#@"\'`<>', BYTE_FLAGS.URL_STOP);
mark(ALNUMS + '_', BYTE_FLAGS.WORD);

/** Runs longer than this skip the entropy estimate (and keep their anchor). */
export const ENTROPY_MAX_RUN = 4096;

/** `c * log2(c)` for every count a run up to ENTROPY_MAX_RUN can have: H = (T[L] - Σ T[c]) / L. */
export const C_LOG2_C = Float64Array.from({ length: ENTROPY_MAX_RUN + 1 }, (_, c) => (c === 0 ? 0 : c * Math.log2(c)));

/** A run's entropy is compared with its threshold less this, so rounding never drops a candidate. */
export const ENTROPY_SLACK = 1e-9;

/** The byte a code unit narrows to. */
export function narrowed(code: number): number {
  return code <= 0xff ? code : code >= 0x8000 ? 0 : 0xff;
}
