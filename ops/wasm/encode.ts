/**
 * The pieces of the WebAssembly binary format that every hand-assembled kernel here needs (the
 * MinHash kernel in ops/dedup/simd.ts, the secrets kernel in ops/secrets/wasm.ts): LEB128 integers,
 * vectors, sections, names.
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32 constants). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** A vector: its length, then its items. */
export const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A section: its id, its size, then its bytes. */
export const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
/** A name: its UTF-8 bytes as a vector. */
export const name = (s: string): number[] => vector([...Buffer.from(s, 'utf8')].map((b) => [b]));
