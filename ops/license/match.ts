/**
 * `matchLicenseText`: which SPDX licenses a license file's text is.
 *
 * 1. Shingle the normalized text into a small hash table.
 * 2. Vote: every shingle that is an index key votes for the entries it belongs to; entries holding a
 *    fair share of their keys become candidates (about four on average, out of ~700).
 * 3. Score each candidate exactly: `score` is the share of the license's shingles present in the text.
 * 4. Pick greedily: the candidate that explains the most not-yet-explained text, minus what of it is
 *    missing from the text, wins, if its score clears the threshold. A later license is accepted only
 *    if at least half of it is text no earlier one explains: that is what tells "MIT followed by
 *    Apache-2.0" (two licenses) from "BSD-3-Clause" (which contains most of BSD-2-Clause).
 */
import { FILTER_SHIFT } from './keys.js';
import { referenceIndex, type ReferenceIndex } from './reference.js';
import { QueryShingles } from './shingles.js';
import { resolveMatchOptions, type LicenseMatch, type MatchOptions } from './types.js';

/** Candidates need this share of their keys, relative to the threshold (keys are a 48-shingle sample). */
const MIN_VOTES = 0.75;
/** A license after the first must have this share of its text not explained by earlier ones. */
const MIN_NEW_SHARE = 0.5;
/** Each shingle of a candidate missing from the text costs as much as a matched one earns. */
const MISSING_WEIGHT = 1;

interface Scored {
  group: number;
  size: number;
  /** Slots of the query table holding the shingles it shares with the text. */
  slots: Int32Array;
}

export function matchLicenseText(text: string, options: MatchOptions = {}): LicenseMatch[] {
  const { threshold, maxMatches } = resolveMatchOptions(options);
  const index = referenceIndex();
  const query = QueryShingles.of(text, index.vocab);
  if (query.size === 0) return [];

  let open = scoreCandidates(index, query, threshold);
  const covered = new Uint8Array(query.slots.length);
  const matches: LicenseMatch[] = [];
  while (open.length > 0 && matches.length < maxMatches) {
    let best: Scored | undefined;
    let bestRank = -Infinity;
    const next: Scored[] = [];
    for (const s of open) {
      const explains = matches.length === 0 ? s.slots.length : fresh(s, covered);
      // Covered text only grows, so a candidate that falls short now never qualifies again.
      if (matches.length > 0 && explains < s.size * MIN_NEW_SHARE) continue;
      next.push(s);
      const rank = explains - MISSING_WEIGHT * (s.size - s.slots.length);
      if (rank > bestRank) [best, bestRank] = [s, rank];
    }
    if (!best) break;
    for (const slot of best.slots) covered[slot] = 1;
    const ids = index.groups[best.group]!.ids;
    matches.push({ id: ids[0]!, ids: [...ids], score: best.slots.length / best.size, share: best.slots.length / query.size });
    open = next.filter((s) => s.group !== best.group);
  }
  return matches;
}

function fresh(s: Scored, covered: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < s.slots.length; i++) n += 1 - covered[s.slots[i]!]!;
  return n;
}

let votes = new Uint16Array(0);
let slots = new Int32Array(0);

/** Candidates from the key votes, each scored exactly; only those at or above the threshold are kept. */
function scoreCandidates(index: ReferenceIndex, query: QueryShingles, threshold: number): Scored[] {
  const { entries } = index;
  const { filter, table, postings } = index.keys;
  if (votes.length < entries.length) votes = new Uint16Array(entries.length);
  const touched: number[] = [];
  const mask = (table.length >>> 1) - 1;
  const values = query.values;
  for (let i = 0; i < values.length; i++) {
    const h = values[i]!;
    const bit = h >>> FILTER_SHIFT;
    if ((filter[bit >>> 5]! & (1 << (bit & 31))) === 0) continue;
    for (let s = h & mask; table[2 * s + 1] !== 0; s = (s + 1) & mask) {
      if (table[2 * s] !== h) continue;
      const packed = table[2 * s + 1]!;
      const start = Math.floor(packed / 2048);
      const end = start + (packed % 2048);
      for (let k = start; k < end; k++) {
        const e = postings[k]!;
        if (votes[e]++ === 0) touched.push(e);
      }
      break;
    }
  }

  const scored: Scored[] = [];
  for (const e of touched) {
    const entry = entries[e]!;
    const enough = votes[e]! >= entry.keyList.length * threshold * MIN_VOTES;
    votes[e] = 0;
    if (!enough) continue;
    if (slots.length < entry.shingles.length) slots = new Int32Array(entry.shingles.length);
    const n = query.common(entry.shingles, slots);
    if (n >= entry.shingles.length * threshold) scored.push({ group: entry.group, size: entry.shingles.length, slots: slots.slice(0, n) });
  }
  return scored;
}
