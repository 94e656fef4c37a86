/** Dedup options → resolved options, with messages that name the field. */
import type { Doc } from '../pipeline.js';
import { DedupOptionsError } from './errors.js';
import { optimalBandsRows } from './lsh.js';
import { rankFieldsOf, type RankFields } from './rank.js';

/** `exact`: identical content (sha256); `near`: MinHash + LSH; `both`: one pass that finds both. */
export type DedupMode = 'exact' | 'near' | 'both';

export interface DedupOptions {
  /** Default `both`. */
  mode?: DedupMode;
  /** Estimated Jaccard similarity at or above which two documents are near-duplicates. Default 0.7. */
  threshold?: number;
  /** MinHash permutations. Default 256. */
  numPerm?: number;
  /** Words per shingle. Default 5. */
  ngram?: number;
  /** Seeds the permutations (uint32). Every machine with the same seed computes the same signatures. */
  seed?: number;
  /** LSH bands and rows per band; give both or neither (then chosen for the threshold). */
  bands?: number;
  rows?: number;
  /** Weights of the false-positive and false-negative areas when choosing bands and rows. Default 0.5 each. */
  falsePositiveWeight?: number;
  falseNegativeWeight?: number;
  /** R: how many bucket partitions the scan splits its band keys into. Default 1. */
  shufflePartitions?: number;
  /** P: how many scan partitions the run has, when known; lets bucket and join check none is missing. */
  scanPartitions?: number;
  /** Rank fields of a document (default: `rankFieldsOf`, from `doc.meta`). Used by the scan only. */
  rankOf?: (doc: Doc) => RankFields;
}

export interface ResolvedDedupOptions {
  readonly resolved: true;
  mode: DedupMode;
  threshold: number;
  numPerm: number;
  ngram: number;
  seed: number;
  bands: number;
  rows: number;
  falsePositiveWeight: number;
  falseNegativeWeight: number;
  shufflePartitions: number;
  /** 0 when unknown. */
  scanPartitions: number;
  rankOf: (doc: Doc) => RankFields;
  /** Hash of everything that changes the bytes of signatures, band keys or verdicts; stamped on every blob. */
  fingerprint: number;
}

export const DEFAULT_DEDUP_OPTIONS = {
  mode: 'both',
  threshold: 0.7,
  numPerm: 256,
  ngram: 5,
  seed: 0x5eed5eed,
  falsePositiveWeight: 0.5,
  falseNegativeWeight: 0.5,
  shufflePartitions: 1,
} as const;

/** Limits that keep docRefs and partition picks exact in doubles and blobs small. */
export const MAX_NUM_PERM = 4096;
export const MAX_SHUFFLE_PARTITIONS = 65536;
export const MAX_SCAN_PARTITIONS = 1 << 20;

const MODES: readonly DedupMode[] = ['exact', 'near', 'both'];

export function resolveDedupOptions(options: DedupOptions | ResolvedDedupOptions = {}): ResolvedDedupOptions {
  if ('resolved' in options && options.resolved === true) return options;
  const o = options as DedupOptions;
  const mode = o.mode ?? DEFAULT_DEDUP_OPTIONS.mode;
  if (!MODES.includes(mode)) throw new DedupOptionsError('mode', `must be one of ${MODES.join(', ')}`);
  const threshold = o.threshold ?? DEFAULT_DEDUP_OPTIONS.threshold;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
    throw new DedupOptionsError('threshold', 'must be a number in (0, 1]');
  }
  const numPerm = o.numPerm ?? DEFAULT_DEDUP_OPTIONS.numPerm;
  integerIn('numPerm', numPerm, 1, MAX_NUM_PERM);
  const ngram = o.ngram ?? DEFAULT_DEDUP_OPTIONS.ngram;
  integerIn('ngram', ngram, 1, 64);
  const seed = o.seed ?? DEFAULT_DEDUP_OPTIONS.seed;
  integerIn('seed', seed, 0, 0xffffffff);
  const falsePositiveWeight = o.falsePositiveWeight ?? DEFAULT_DEDUP_OPTIONS.falsePositiveWeight;
  const falseNegativeWeight = o.falseNegativeWeight ?? DEFAULT_DEDUP_OPTIONS.falseNegativeWeight;
  for (const [field, w] of [['falsePositiveWeight', falsePositiveWeight], ['falseNegativeWeight', falseNegativeWeight]] as const) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new DedupOptionsError(field, 'must be a non-negative finite number');
  }
  if (falsePositiveWeight + falseNegativeWeight === 0) {
    throw new DedupOptionsError('falsePositiveWeight', 'and falseNegativeWeight must not both be 0');
  }
  const shufflePartitions = o.shufflePartitions ?? DEFAULT_DEDUP_OPTIONS.shufflePartitions;
  integerIn('shufflePartitions', shufflePartitions, 1, MAX_SHUFFLE_PARTITIONS);
  const scanPartitions = o.scanPartitions ?? 0;
  if (o.scanPartitions !== undefined) integerIn('scanPartitions', scanPartitions, 1, MAX_SCAN_PARTITIONS);
  if (o.rankOf !== undefined && typeof o.rankOf !== 'function') throw new DedupOptionsError('rankOf', 'must be a function');

  let bands: number;
  let rows: number;
  if (o.bands === undefined && o.rows === undefined) {
    ({ bands, rows } = optimalBandsRows(threshold, numPerm, falsePositiveWeight, falseNegativeWeight));
  } else {
    if (o.bands === undefined) throw new DedupOptionsError('bands', 'must be given together with rows');
    if (o.rows === undefined) throw new DedupOptionsError('rows', 'must be given together with bands');
    integerIn('bands', o.bands, 1, numPerm);
    integerIn('rows', o.rows, 1, numPerm);
    if (o.bands * o.rows > numPerm) throw new DedupOptionsError('bands', `× rows must not exceed numPerm (${numPerm})`);
    bands = o.bands;
    rows = o.rows;
  }
  const fingerprint = fingerprintOf([mode === 'exact' ? 1 : mode === 'near' ? 2 : 3, numPerm, ngram, seed, bands, rows, Math.round(threshold * 1e9)]);
  return {
    resolved: true,
    mode,
    threshold,
    numPerm,
    ngram,
    seed,
    bands,
    rows,
    falsePositiveWeight,
    falseNegativeWeight,
    shufflePartitions,
    scanPartitions,
    rankOf: o.rankOf ?? rankFieldsOf,
    fingerprint,
  };
}

function integerIn(field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = min === 1 && max > 1e6 ? 'a positive integer' : `an integer in [${min}, ${max}]`;
    throw new DedupOptionsError(field, `must be ${range}`);
  }
}

/** FNV-1a over the words, finished with a murmur3 mix; bumped in the first word when the tokenizer or hashing changes. */
function fingerprintOf(values: number[]): number {
  let h = 0x811c9dc5;
  for (const v of [ALGORITHM_VERSION, ...values]) {
    for (let shift = 0; shift < 32; shift += 8) h = Math.imul(h ^ ((v >>> shift) & 0xff), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Change when tokenization, shingle hashing, permutations or band keys change meaning. */
const ALGORITHM_VERSION = 1;
