/**
 * Shingles for near dedup (The Stack v2 recipe): lowercase, split on non-word characters, slide a window
 * of `ngram` words; a document with fewer words gives one shingle of all of them. Each shingle is hashed
 * once to 32 bits and the set is deduplicated, so MinHash permutes each distinct shingle once.
 *
 * Word characters are ASCII letters, digits and `_`, plus every non-ASCII code unit (so `café` and
 * `变量` stay words). Only ASCII is lowercased. Hashing is hand-written 32-bit arithmetic (FNV-1a per
 * word, a murmur3-style mix per shingle): a WASM call per shingle would cost more than the hash.
 */
import { fmix32 } from './mix.js';

/** ASCII code → its lowercased code when it is a word character, else 0. */
const WORD = new Uint8Array(128);
for (let c = 48; c < 58; c++) WORD[c] = c;
for (let c = 97; c < 123; c++) WORD[c] = c;
for (let c = 65; c < 91; c++) WORD[c] = c + 32;
WORD[95] = 95;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Reference tokenizer (slow, for tests and explanations): the words the fast path hashes. */
export function tokenize(text: string): string[] {
  return text
    .replace(/[A-Z]/g, (c) => c.toLowerCase())
    .split(/[\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]+/)
    .filter((w) => w.length > 0);
}

/** Reference shingles as strings (words joined by a space), for tests. */
export function shingleStrings(text: string, ngram = 5): Set<string> {
  const words = tokenize(text);
  if (words.length === 0) return new Set();
  if (words.length < ngram) return new Set([words.join(' ')]);
  const out = new Set<string>();
  for (let i = 0; i + ngram <= words.length; i++) out.add(words.slice(i, i + ngram).join(' '));
  return out;
}


/**
 * Turns texts into sets of 32-bit shingle hashes. Keeps its buffers between calls: one instance per
 * thread, and the returned view is only valid until the next call.
 */
export class Shingler {
  private words: Int32Array = new Int32Array(4096);
  private hashes: Int32Array = new Int32Array(4096);
  private table: Int32Array = new Int32Array(8192);

  constructor(readonly ngram = 5) {}

  /** Distinct shingle hashes of `text`, in first-seen order; empty when the text has no word. */
  hash(text: string): Int32Array {
    const words = this.hashWords(text);
    const n = this.hashShingles(words);
    return this.hashes.subarray(0, this.unique(n));
  }

  /** FNV-1a of every word into `this.words`; returns how many. */
  private hashWords(text: string): number {
    let words = this.words;
    let count = 0;
    const len = text.length;
    let i = 0;
    while (i < len) {
      let c = text.charCodeAt(i++);
      if (c < 128) {
        c = WORD[c]!;
        if (c === 0) continue;
      }
      let h = Math.imul(FNV_OFFSET ^ c, FNV_PRIME);
      // The rest of the word in a tight loop; stops on (and then skips) the separator after it.
      while (i < len) {
        c = text.charCodeAt(i);
        if (c < 128) {
          c = WORD[c]!;
          if (c === 0) break;
        }
        h = Math.imul(h ^ c, FNV_PRIME);
        i++;
      }
      i++;
      if (count === words.length) words = this.words = grow(words);
      words[count++] = h;
    }
    return count;
  }

  /** One hash per window of `ngram` words (or one for all words when there are fewer). */
  private hashShingles(count: number): number {
    const words = this.words;
    const size = count < this.ngram ? count : this.ngram;
    const n = count === 0 ? 0 : count - size + 1;
    if (this.hashes.length < n) this.hashes = new Int32Array(Math.max(n, 2 * this.hashes.length));
    const out = this.hashes;
    for (let w = 0; w < n; w++) {
      let s = 0x9747b28c ^ size;
      for (let k = w; k < w + size; k++) {
        s = Math.imul(s ^ words[k]!, 0x9e3779b1);
        s = (s << 15) | (s >>> 17);
      }
      out[w] = fmix32(s);
    }
    return n;
  }

  /** Moves the distinct values of hashes[0..n) to the front (open addressing; 0 is tracked apart). */
  private unique(n: number): number {
    let cap = 16;
    while (cap < 2 * n) cap *= 2;
    if (this.table.length < cap) this.table = new Int32Array(cap);
    const table = this.table;
    table.fill(0, 0, cap);
    const mask = cap - 1;
    const hashes = this.hashes;
    let m = 0;
    let zero = false;
    for (let j = 0; j < n; j++) {
      const x = hashes[j]!;
      if (x === 0) {
        if (!zero) hashes[m++] = 0;
        zero = true;
        continue;
      }
      let p = x & mask; // x is already well mixed
      for (;;) {
        const y = table[p]!;
        if (y === 0) {
          table[p] = x;
          hashes[m++] = x;
          break;
        }
        if (y === x) break;
        p = (p + 1) & mask;
      }
    }
    return m;
  }
}

function grow(a: Int32Array): Int32Array {
  const bigger = new Int32Array(a.length * 2);
  bigger.set(a);
  return bigger;
}
