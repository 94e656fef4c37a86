/**
 * Locality-sensitive hashing over MinHash signatures: the signature is cut into `bands` bands of `rows`
 * values; two documents become candidates when any band is identical. A pair with Jaccard similarity s
 * collides with probability P(s) = 1 - (1 - s^rows)^bands, an S-curve whose knee sits near
 * (1/bands)^(1/rows).
 *
 * `optimalBandsRows` picks (bands, rows) the way The Stack v2 recipe does: minimise
 *   wFP · ∫_0^t P(s) ds  +  wFN · ∫_t^1 (1 - P(s)) ds
 * over every bands × rows ≤ numPerm. Integer powers are computed by repeated squaring, so every machine
 * picks the same parameters (Math.pow is not guaranteed to round the same way everywhere).
 */
import { fmix32 } from './mix.js';

/** x^n for a non-negative integer n, by squaring: the same IEEE operations on every machine. */
export function ipow(x: number, n: number): number {
  let result = 1;
  let base = x;
  let e = n;
  while (e > 0) {
    if (e & 1) result *= base;
    base *= base;
    e >>>= 1;
  }
  return result;
}

/** Probability that a pair with Jaccard similarity `s` shares at least one band. */
export function collisionProbability(s: number, bands: number, rows: number): number {
  return 1 - ipow(1 - ipow(s, rows), bands);
}

/** Composite Simpson's rule over [a, b] with `intervals` (even) sub-intervals. */
export function integrate(f: (x: number) => number, a: number, b: number, intervals = 200): number {
  const n = intervals % 2 === 0 ? intervals : intervals + 1;
  if (b <= a) return 0;
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

export interface LshParams {
  bands: number;
  rows: number;
  /** ∫_0^t P(s) ds: area of the S-curve below the threshold (pairs wrongly proposed). */
  falsePositive: number;
  /** ∫_t^1 (1 - P(s)) ds: area above the curve past the threshold (pairs missed). */
  falseNegative: number;
}

export function falsePositiveArea(threshold: number, bands: number, rows: number): number {
  return integrate((s) => collisionProbability(s, bands, rows), 0, threshold);
}

export function falseNegativeArea(threshold: number, bands: number, rows: number): number {
  return integrate((s) => 1 - collisionProbability(s, bands, rows), threshold, 1);
}

const cache = new Map<string, LshParams>();

/**
 * The (bands, rows) with the least weighted error for `threshold`; ties (to 1e-12) go to fewer bands,
 * then fewer rows, which keeps the shuffle smaller.
 */
export function optimalBandsRows(
  threshold: number,
  numPerm: number,
  falsePositiveWeight = 0.5,
  falseNegativeWeight = 0.5,
): LshParams {
  const key = `${threshold}/${numPerm}/${falsePositiveWeight}/${falseNegativeWeight}`;
  const hit = cache.get(key);
  if (hit) return { ...hit };
  let best: LshParams | undefined;
  let bestError = Infinity;
  for (let bands = 1; bands <= numPerm; bands++) {
    const maxRows = Math.floor(numPerm / bands);
    for (let rows = 1; rows <= maxRows; rows++) {
      const falsePositive = falsePositiveArea(threshold, bands, rows);
      const falseNegative = falseNegativeArea(threshold, bands, rows);
      const error = falsePositiveWeight * falsePositive + falseNegativeWeight * falseNegative;
      if (error < bestError - 1e-12) {
        bestError = error;
        best = { bands, rows, falsePositive, falseNegative };
      }
    }
  }
  cache.set(key, best!);
  return { ...best! };
}

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));


/**
 * The 64-bit key of every band, as (hi, lo) pairs in `out` (length 2 × bands). Two murmur3-style lanes
 * with different seeds; the band index is mixed in, so equal rows in different bands give different keys.
 */
export function bandKeys(signature: Uint32Array, bands: number, rows: number, out: Uint32Array): Uint32Array {
  for (let b = 0; b < bands; b++) {
    let h1 = Math.imul(b + 1, 0x9e3779b1) ^ 0x5bd1e995;
    let h2 = Math.imul(b + 1, 0x85ebca77) ^ 0x27d4eb2f;
    const base = b * rows;
    for (let k = 0; k < rows; k++) {
      const v = signature[base + k]! | 0;
      let k1 = Math.imul(rotl(Math.imul(v, 0xcc9e2d51), 15), 0x1b873593);
      h1 = (Math.imul(rotl(h1 ^ k1, 13), 5) + 0xe6546b64) | 0;
      k1 = Math.imul(rotl(Math.imul(v, 0x2545f491), 17), 0x9e3779b1);
      h2 = (Math.imul(rotl(h2 ^ k1, 11), 9) + 0x7f4a7c15) | 0;
    }
    out[2 * b] = fmix32(h1 ^ rows) >>> 0;
    out[2 * b + 1] = fmix32(h2 ^ Math.imul(rows, 0x165667b1)) >>> 0;
  }
  return out;
}
