/**
 * The reference index over every full license text in `spdx-license-list`, built once per process on
 * first use (about a second of CPU) and cached at module level.
 *
 * - Texts equal after normalization form one group (GPL-2.0-only / -or-later / GPL-2.0 / GPL-2.0+):
 *   no text can tell them apart, so a match names the group.
 * - Each group has an entry with its sorted shingle set, and sometimes a second one for a shorter form
 *   that repositories ship: without the optional "How to apply" appendix after `END OF TERMS AND
 *   CONDITIONS` (a `terms` entry: most Apache-2.0 LICENSE files), or without a whole other license
 *   the SPDX text bundles (a `core` entry: the SPDX LGPL-3.0 text is LGPL followed by all of GPL-3.0,
 *   while repositories ship the two as COPYING.LESSER and COPYING).
 * - Candidates come from the key index (`keys.ts`) over each entry's rarest shingles.
 */
import { createRequire } from 'node:module';
import { LicenseDataError } from './errors.js';
import { DocumentFrequency, keyIndex, KEYS_PER_ENTRY, rarest, type KeyIndex } from './keys.js';
import { commonCount, shinglesOfIds, Vocabulary } from './shingles.js';
import { EQUIVALENT_WORDS, tokenHash, tokenHashes } from './normalize.js';

export interface LicenseGroup {
  /** Best id first (see `rankIds`), then the others it cannot be told apart from. */
  ids: string[];
}

export interface Entry {
  group: number;
  /**
   * `full`: the group's text. `terms`: without its optional "How to apply" appendix. `core`: without a
   * whole other license it bundles.
   */
  part: 'full' | 'terms' | 'core';
  shingles: Uint32Array;
  /** Its rarest shingles, rarest first: what the key index knows it by. */
  keyList: number[];
}

export interface ReferenceIndex {
  vocab: Vocabulary;
  groups: LicenseGroup[];
  entries: Entry[];
  keys: KeyIndex;
}

/** A core entry needs a bundled license at least this share of the text, and this many shingles left. */
const BUNDLE_MIN_SHARE = 0.4;
const BUNDLE_CONTAINED = 0.95;
const CORE_MIN_SHINGLES = 300;

let cached: ReferenceIndex | undefined;

export function referenceIndex(): ReferenceIndex {
  return (cached ??= buildIndex(loadTexts()));
}

/** Every id with its full text, from `spdx-license-list/full`. */
export function loadTexts(): Map<string, string> {
  let data: Record<string, { licenseText?: unknown }>;
  try {
    data = createRequire(import.meta.url)('spdx-license-list/full') as typeof data;
  } catch (cause) {
    throw new LicenseDataError('cannot load spdx-license-list/full', { cause });
  }
  const texts = new Map<string, string>();
  for (const [id, license] of Object.entries(data)) {
    if (typeof license.licenseText === 'string' && license.licenseText.trim()) texts.set(id, license.licenseText);
  }
  if (texts.size === 0) throw new LicenseDataError('spdx-license-list/full has no license texts');
  return texts;
}

export function buildIndex(texts: ReadonlyMap<string, string>): ReferenceIndex {
  const vocab = new Vocabulary();
  for (const [variant, canonical] of EQUIVALENT_WORDS) vocab.alias(tokenHash(variant), tokenHash(canonical));
  const byNormal = new Map<string, { ids: string[]; tokens: Uint32Array; text: string }>();
  for (const [id, text] of texts) {
    const tokens = tokenIds(text, vocab);
    // Token ids with equivalent spellings folded: equal keys are texts no match can tell apart.
    const normal = tokens.join(' ');
    const known = byNormal.get(normal);
    if (known) known.ids.push(id);
    else byNormal.set(normal, { ids: [id], tokens, text });
  }

  const allIds = new Set(texts.keys());
  const groups: LicenseGroup[] = [];
  const entries: Entry[] = [];
  for (const { ids, tokens, text } of byNormal.values()) {
    const group = groups.length;
    groups.push({ ids: rankIds(ids, allIds) });
    entries.push({ group, part: 'full', shingles: shinglesOfIds(tokens), keyList: [] });
    const terms = termsOnly(text);
    if (terms !== undefined) entries.push({ group, part: 'terms', shingles: shinglesOfIds(tokenIds(terms, vocab)), keyList: [] });
  }
  const df = new DocumentFrequency(entries.filter((e) => e.part === 'full'));
  for (const e of entries) e.keyList = rarest(e.shingles, df, KEYS_PER_ENTRY);
  addCoreEntries(entries, df);
  return { vocab, groups, entries, keys: keyIndex(entries) };
}

function tokenIds(text: string, vocab: Vocabulary): Uint32Array {
  const hashes = tokenHashes(text);
  const ids = new Uint32Array(hashes.length);
  for (let i = 0; i < hashes.length; i++) ids[i] = vocab.add(hashes[i]!);
  return ids;
}

const END_OF_TERMS = /END OF TERMS AND CONDITIONS/i;

/**
 * The text up to `END OF TERMS AND CONDITIONS`, when a "How to apply" appendix follows: the SPDX
 * templates mark that appendix optional, and many LICENSE files (Apache-2.0 above all) leave it out.
 */
function termsOnly(text: string): string | undefined {
  const m = END_OF_TERMS.exec(text);
  if (!m) return undefined;
  const end = m.index + m[0].length;
  return text.length - end > text.length * 0.03 ? text.slice(0, end) : undefined;
}

/**
 * Best id first: current ids before deprecated ones (`GPL-2.0`, `GPL-2.0+` once `GPL-2.0-only`
 * exists), `-only` before `-or-later` (the "or later" grant lives in a file's notice, not in the
 * license text), then the shortest (`MPL-2.0` over `MPL-2.0-no-copyleft-exception`), then by name.
 */
export function rankIds(ids: readonly string[], allIds: ReadonlySet<string>): string[] {
  const rank = (id: string) => (id.endsWith('+') || allIds.has(`${id}-only`) ? 2 : id.endsWith('-or-later') ? 1 : 0);
  return [...ids].sort((a, b) => rank(a) - rank(b) || a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
}

/** For each large text that contains most of another large text, add the remainder as a core entry. */
function addCoreEntries(entries: Entry[], df: DocumentFrequency): void {
  const full = entries.filter((e) => e.part === 'full').sort((a, b) => b.shingles.length - a.shingles.length);
  for (const outer of full) {
    if (outer.shingles.length < CORE_MIN_SHINGLES / (1 - BUNDLE_MIN_SHARE)) break;
    let bundled: Entry | undefined;
    for (const inner of full) {
      if (inner === outer || inner.shingles.length > outer.shingles.length) continue;
      if (inner.shingles.length < outer.shingles.length * BUNDLE_MIN_SHARE) break;
      // Cheap reject on the inner text's rarest shingles before the exact count.
      if (!likelyContained(inner.keyList.slice(0, 16), outer.shingles)) continue;
      if (commonCount(inner.shingles, outer.shingles) >= inner.shingles.length * BUNDLE_CONTAINED) {
        bundled = inner;
        break;
      }
    }
    if (!bundled) continue;
    const core = difference(outer.shingles, bundled.shingles);
    if (core.length >= CORE_MIN_SHINGLES) entries.push({ group: outer.group, part: 'core', shingles: core, keyList: rarest(core, df, KEYS_PER_ENTRY) });
  }
}

function likelyContained(sample: readonly number[], outer: Uint32Array): boolean {
  let hits = 0;
  for (const h of sample) if (binaryHas(outer, h)) hits++;
  return hits >= sample.length * 0.75;
}

function difference(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    while (j < b.length && b[j]! < a[i]!) j++;
    if (j >= b.length || b[j] !== a[i]) out.push(a[i]!);
  }
  return Uint32Array.from(out);
}

function lowerBound(sorted: Uint32Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function binaryHas(sorted: Uint32Array, v: number): boolean {
  return sorted[lowerBound(sorted, v)] === v;
}
