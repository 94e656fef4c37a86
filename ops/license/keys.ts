/**
 * Candidate selection: each reference entry is known by its rarest shingles ("keys"), and an
 * inverted index maps a key to the entries it belongs to. A query votes with its shingles; an entry
 * whose keys are mostly present is worth scoring exactly. Rare shingles are what tell near-identical
 * licenses apart (BSD variants differ by one clause), so they make the best sample.
 */
import type { Entry } from './reference.js';

/** Keys per entry: enough that a perturbed copy still hits most of them, few enough to stay cheap. */
export const KEYS_PER_ENTRY = 48;

/**
 * Key shingle → entries. Most shingles of a query are no entry's key, so a 32 kB bit filter answers
 * those before the table is touched; the table interleaves each key with its posting slice
 * (`start * 2048 + count`) so a hit costs one cache line.
 */
export interface KeyIndex {
  filter: Uint32Array;
  table: Uint32Array;
  postings: Uint16Array;
}

/** 2^18 filter bits, addressed by the top 18 bits of a shingle hash (the table uses the low bits). */
export const FILTER_SHIFT = 14;
const FILTER_WORDS = 1 << (32 - FILTER_SHIFT - 5);

/** In how many entries each shingle occurs: an open-addressing table over ~250k distinct shingles. */
export class DocumentFrequency {
  private readonly keys: Uint32Array;
  private readonly counts: Uint16Array;

  constructor(entries: readonly Entry[]) {
    const total = entries.reduce((n, e) => n + e.shingles.length, 0);
    let cap = 1024;
    while (cap < total) cap <<= 1;
    this.keys = new Uint32Array(cap);
    this.counts = new Uint16Array(cap);
    for (const e of entries) {
      for (const h of e.shingles) {
        const s = this.slot(h);
        this.keys[s] = h;
        this.counts[s]!++;
      }
    }
  }

  get(h: number): number {
    return this.counts[this.slot(h)]!;
  }

  private slot(h: number): number {
    const mask = this.keys.length - 1;
    let s = h & mask;
    while (this.counts[s] !== 0 && this.keys[s] !== h) s = (s + 1) & mask;
    return s;
  }
}

/**
 * The `n` rarest shingles of a set, rarest first. Ties go by hash value, which is as good as random,
 * so the picks spread over the text instead of bunching where one edit could remove them all.
 */
export function rarest(shingles: Uint32Array, df: DocumentFrequency, n: number): number[] {
  const order = new Float64Array(shingles.length);
  for (let i = 0; i < shingles.length; i++) order[i] = df.get(shingles[i]!) * 0x100000000 + shingles[i]!;
  order.sort();
  const out: number[] = [];
  for (let i = 0; i < Math.min(n, order.length); i++) out.push(order[i]! % 0x100000000);
  return out;
}

export function keyIndex(entries: readonly Entry[]): KeyIndex {
  const lists = new Map<number, number[]>();
  entries.forEach((e, i) => {
    for (const k of e.keyList) {
      const list = lists.get(k);
      if (list) list.push(i);
      else lists.set(k, [i]);
    }
  });
  let cap = 1;
  while (cap < lists.size * 2) cap <<= 1;
  const filter = new Uint32Array(FILTER_WORDS);
  const table = new Uint32Array(cap * 2);
  const postings = new Uint16Array([...lists.values()].reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const [key, list] of lists) {
    const bit = key >>> FILTER_SHIFT;
    filter[bit >>> 5] = filter[bit >>> 5]! | (1 << (bit & 31));
    let s = key & (cap - 1);
    while (table[2 * s + 1] !== 0) s = (s + 1) & (cap - 1);
    table[2 * s] = key;
    table[2 * s + 1] = at * 2048 + list.length;
    for (const e of list) postings[at++] = e;
  }
  return { filter, table, postings };
}
