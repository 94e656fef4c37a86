/**
 * Texts as sets of word 3-grams ("shingles"), each a 32-bit hash of three token ids.
 *
 * Reference texts keep theirs as sorted unique `Uint32Array`s (built once). A query text goes into a
 * small open-addressing table instead: no sort per file, and looking a reference's shingles up in a
 * table that fits in L1 is the cheapest way to count what two texts share.
 *
 * With ~250k distinct shingles in the reference texts a 32-bit hash gives a handful of collisions in
 * total, each shifting one score by one shingle: far below anything the matcher decides on.
 */
import { tokenHashes } from './normalize.js';

export const SHINGLE_SIZE = 3;

/**
 * Token hash → id, an open-addressing table. Ids start at 1 and cover the reference texts' tokens;
 * a token no reference uses gets an id above that range derived from its hash, so its shingles still
 * count as text but never match.
 */
export class Vocabulary {
  private keys = new Uint32Array(1 << 15);
  private ids = new Int32Array(1 << 15);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Id for a reference token hash, assigning the next one if new. */
  add(hash: number): number {
    const s = this.slot(hash);
    if (this.ids[s] === 0) {
      this.keys[s] = hash;
      this.ids[s] = ++this.count;
      if (this.count * 2 > this.keys.length) this.grow();
      return this.count;
    }
    return this.ids[s]!;
  }

  /** Makes `variant` the same token as `canonical` (licence → license). */
  alias(variant: number, canonical: number): void {
    const id = this.add(canonical);
    const s = this.slot(variant);
    if (this.ids[s] === 0) this.keys[s] = variant;
    this.ids[s] = id;
  }

  get(hash: number): number {
    const mask = this.keys.length - 1;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const id = this.ids[s]!;
      if (id === 0) return (0x40000000 | hash) >>> 0;
      if (this.keys[s] === hash) return id;
    }
  }

  private slot(hash: number): number {
    const mask = this.keys.length - 1;
    let s = hash & mask;
    while (this.ids[s] !== 0 && this.keys[s] !== hash) s = (s + 1) & mask;
    return s;
  }

  private grow(): void {
    const { keys, ids } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.ids = new Int32Array(keys.length * 2);
    for (let i = 0; i < keys.length; i++) {
      if (ids[i] === 0) continue;
      const s = this.slot(keys[i]!);
      this.keys[s] = keys[i]!;
      this.ids[s] = ids[i]!;
    }
  }
}

/** The distinct shingles of a query text, in a hash table; slots double as positions for bookkeeping. */
export class QueryShingles {
  /** Slot → shingle hash, 0 = empty. */
  readonly slots: Uint32Array;
  /** The distinct hashes, in first-seen order. */
  readonly values: Uint32Array;
  readonly size: number;

  constructor(hashes: ArrayLike<number>) {
    let cap = 16;
    while (cap < hashes.length * 2) cap <<= 1;
    const slots = new Uint32Array(cap);
    const values = new Uint32Array(hashes.length);
    const mask = cap - 1;
    let size = 0;
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i]!;
      let s = h & mask;
      while (slots[s] !== 0 && slots[s] !== h) s = (s + 1) & mask;
      if (slots[s] === 0) {
        slots[s] = h;
        values[size++] = h;
      }
    }
    this.slots = slots;
    this.values = values.subarray(0, size);
    this.size = size;
  }

  /** The text's shingles; unknown tokens still make shingles (they count as text, never match). */
  static of(text: string, vocab: Vocabulary): QueryShingles {
    const hashes = tokenHashes(text);
    for (let i = 0; i < hashes.length; i++) hashes[i] = vocab.get(hashes[i]!);
    return new QueryShingles(shingleHashes(hashes));
  }

  /** Slot of `h`, or -1. */
  slotOf(h: number): number {
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      if (v === h) return s;
      if (v === 0) return -1;
    }
  }

  /** Writes the slots of the reference shingles this text has into `out`; returns how many. */
  common(reference: Uint32Array, out: Int32Array): number {
    let n = 0;
    for (let i = 0; i < reference.length; i++) {
      const s = this.slotOf(reference[i]!);
      if (s >= 0) out[n++] = s;
    }
    return n;
  }
}

/** Shingle hashes of a token id sequence, in order, with repeats; never 0 (the tables' empty mark). */
export function shingleHashes(ids: ArrayLike<number>): Uint32Array {
  // A text shorter than one shingle is still something: hash what there is.
  if (ids.length < SHINGLE_SIZE) return ids.length === 0 ? new Uint32Array(0) : Uint32Array.of(hash3(ids[0]!, ids[1] ?? 0, 0));
  const out = new Uint32Array(ids.length - SHINGLE_SIZE + 1);
  for (let i = 0; i < out.length; i++) out[i] = hash3(ids[i]!, ids[i + 1]!, ids[i + 2]!);
  return out;
}

/** The sorted unique shingle set of a reference text's token ids. */
export function shinglesOfIds(ids: ArrayLike<number>): Uint32Array {
  return sortedUnique(shingleHashes(ids));
}

/** Order-sensitive mix of three ids (murmur3's finalizer over distinct multipliers). */
export function hash3(a: number, b: number, c: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77) ^ Math.imul(c + 0x165667b1, 0xc2b2ae3d);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0 || 1;
}

export function sortedUnique(values: Uint32Array): Uint32Array {
  if (values.length === 0) return values;
  values.sort();
  let n = 1;
  for (let i = 1; i < values.length; i++) if (values[i] !== values[n - 1]) values[n++] = values[i]!;
  return values.subarray(0, n);
}

/** How many values two sorted unique arrays share. */
export function commonCount(a: Uint32Array, b: Uint32Array): number {
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      n++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return n;
}
