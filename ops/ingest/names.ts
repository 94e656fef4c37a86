/**
 * File names from bytes: directory listings, tar headers, git trees. Only UTF-8 names are read. A
 * name decoded with U+FFFD for its bad bytes could equal another file's name (or name no file at
 * all), so a bad name is skipped instead, and reported with each byte that is not UTF-8 written as
 * `\xNN`: two bad names, or a bad name and the good one U+FFFD would make of it, stay apart in reports.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The name, and whether it was UTF-8; when not, `name` is the report form (never a path to read). */
export function decodeName(bytes: Uint8Array): { name: string; utf8: boolean } {
  try {
    return { name: utf8.decode(bytes), utf8: true };
  } catch {
    return { name: escapeName(bytes), utf8: false };
  }
}

/** Valid UTF-8 sequences as text, every other byte as `\xNN`. */
function escapeName(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    out += n === 0 ? `\\x${bytes[i]!.toString(16).padStart(2, '0')}` : utf8.decode(bytes.subarray(i, i + n));
    i += n === 0 ? 1 : n;
  }
  return out;
}

/** Length of the well-formed UTF-8 sequence at `i` (Unicode table 3-7), or 0. */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const [lo, hi] = c === 0xe0 ? [0xa0, 0xbf] : c === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const [lo, hi] = c === 0xf0 ? [0x90, 0xbf] : c === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
