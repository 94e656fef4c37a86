/**
 * MinHash signatures: for each of `numPerm` seeded permutations π_i(x) = (a_i·x + b_i) mod 2^32 (a_i
 * odd, so π_i is a bijection on 32-bit values), the signature keeps min π_i(x) over the document's
 * distinct shingle hashes. The fraction of equal entries between two signatures estimates the Jaccard
 * similarity of the shingle sets with standard error sqrt(J(1-J)/numPerm).
 *
 * Why this family: inputs are already fmix32-scrambled shingle hashes, so the linear family behaves
 * like random permutations for the estimator (tests check the error against the binomial bound), and
 * it costs one multiply and one add per (shingle, permutation). The loop runs permutation-major, eight
 * permutations per pass over the shingles, so a, b and the running minima stay in registers; the
 * comparison is done on int32 values biased by 2^31, which orders them like the uint32 results.
 *
 * Parameters come from a splitmix-style generator over the seed: the same seed gives the same
 * signatures on every machine. When WebAssembly SIMD is there and numPerm is a multiple of 16, the
 * same arithmetic runs in simd.ts (about ten times faster); the output is identical either way.
 */
import { Shingler } from './shingles.js';
import { simdKernel, type Kernel } from './simd.js';
import { fmix32 } from './mix.js';

export interface Permutations {
  /** Odd multipliers, as int32. */
  readonly a: Int32Array;
  /** Offsets b_i + 2^31 (mod 2^32), as int32: the bias that makes int32 order match uint32 order. */
  readonly biasedB: Int32Array;
}


export function permutations(numPerm: number, seed: number): Permutations {
  const a = new Int32Array(numPerm);
  const biasedB = new Int32Array(numPerm);
  let state = seed | 0;
  const next = () => {
    state = (state + 0x9e3779b9) | 0;
    return fmix32(state ^ 0x6a09e667);
  };
  for (let i = 0; i < numPerm; i++) {
    a[i] = next() | 1;
    biasedB[i] = (next() ^ 0x80000000) | 0;
  }
  return { a, biasedB };
}

/** π_i(x) as uint32 (the slow, obvious form; the kernel must agree with it). */
export function permute(p: Permutations, i: number, x: number): number {
  return ((Math.imul(p.a[i]!, x) + (p.biasedB[i]! ^ 0x80000000)) | 0) >>> 0;
}

const INT32_MAX = 0x7fffffff;

/**
 * Writes min over hashes[0..n) of (a_i·x + b_i + 2^31) as int32 into `out` (numPerm values). Empty
 * input leaves INT32_MAX everywhere.
 */
export function minhashKernel(hashes: Int32Array, n: number, p: Permutations, out: Int32Array): void {
  const A = p.a;
  const B = p.biasedB;
  const k = A.length;
  const k8 = k - (k % 8);
  let i = 0;
  for (; i < k8; i += 8) {
    const a0 = A[i]!, a1 = A[i + 1]!, a2 = A[i + 2]!, a3 = A[i + 3]!;
    const a4 = A[i + 4]!, a5 = A[i + 5]!, a6 = A[i + 6]!, a7 = A[i + 7]!;
    const b0 = B[i]!, b1 = B[i + 1]!, b2 = B[i + 2]!, b3 = B[i + 3]!;
    const b4 = B[i + 4]!, b5 = B[i + 5]!, b6 = B[i + 6]!, b7 = B[i + 7]!;
    let m0 = INT32_MAX, m1 = INT32_MAX, m2 = INT32_MAX, m3 = INT32_MAX;
    let m4 = INT32_MAX, m5 = INT32_MAX, m6 = INT32_MAX, m7 = INT32_MAX;
    for (let j = 0; j < n; j++) {
      const x = hashes[j]!;
      const v0 = (Math.imul(a0, x) + b0) | 0;
      if (v0 < m0) m0 = v0;
      const v1 = (Math.imul(a1, x) + b1) | 0;
      if (v1 < m1) m1 = v1;
      const v2 = (Math.imul(a2, x) + b2) | 0;
      if (v2 < m2) m2 = v2;
      const v3 = (Math.imul(a3, x) + b3) | 0;
      if (v3 < m3) m3 = v3;
      const v4 = (Math.imul(a4, x) + b4) | 0;
      if (v4 < m4) m4 = v4;
      const v5 = (Math.imul(a5, x) + b5) | 0;
      if (v5 < m5) m5 = v5;
      const v6 = (Math.imul(a6, x) + b6) | 0;
      if (v6 < m6) m6 = v6;
      const v7 = (Math.imul(a7, x) + b7) | 0;
      if (v7 < m7) m7 = v7;
    }
    out[i] = m0; out[i + 1] = m1; out[i + 2] = m2; out[i + 3] = m3;
    out[i + 4] = m4; out[i + 5] = m5; out[i + 6] = m6; out[i + 7] = m7;
  }
  for (; i < k; i++) {
    const a = A[i]!;
    const b = B[i]!;
    let m = INT32_MAX;
    for (let j = 0; j < n; j++) {
      const v = (Math.imul(a, hashes[j]!) + b) | 0;
      if (v < m) m = v;
    }
    out[i] = m;
  }
}

/**
 * Computes signatures, reusing its buffers: one instance per thread. Returned signatures are views
 * that the next call overwrites; copy (`slice()`) to keep one.
 */
export class MinHasher {
  readonly perms: Permutations;
  private readonly shingler: Shingler;
  private readonly signed: Int32Array;
  private readonly unsigned: Uint32Array;
  private readonly kernel: Kernel;
  /** Which kernel runs: `simd` (WebAssembly) or `js`. */
  readonly kernelName: 'simd' | 'js';

  /** `kernel: 'js'` forces the plain JS loop (tests compare the two). */
  constructor(readonly numPerm = 256, seed = 0x5eed5eed, ngram = 5, kernel: 'auto' | 'js' = 'auto') {
    this.perms = permutations(numPerm, seed);
    this.shingler = new Shingler(ngram);
    this.signed = new Int32Array(numPerm);
    this.unsigned = new Uint32Array(this.signed.buffer);
    const simd = kernel === 'auto' && numPerm % 16 === 0 ? simdKernel() : undefined;
    this.kernel = simd ?? minhashKernel;
    this.kernelName = simd ? 'simd' : 'js';
  }

  /** Signature of a text, or undefined when it has no word (nothing to compare). */
  sign(text: string): Uint32Array | undefined {
    const hashes = this.shingler.hash(text);
    return hashes.length === 0 ? undefined : this.signHashes(hashes);
  }

  /** Signature of a set of 32-bit hashes (duplicates are harmless). All 0xffffffff for an empty set. */
  signHashes(hashes: Int32Array | Uint32Array): Uint32Array {
    const input = hashes instanceof Int32Array ? hashes : new Int32Array(hashes.buffer, hashes.byteOffset, hashes.length);
    this.kernel(input, input.length, this.perms, this.signed);
    const s = this.signed;
    for (let i = 0; i < s.length; i++) s[i] = s[i]! ^ 0x80000000; // un-bias: int32 bits now hold the uint32 minimum
    return this.unsigned;
  }
}

/** Fraction of equal positions: the MinHash estimate of Jaccard similarity. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) throw new RangeError(`signatures differ in length (${a.length} vs ${b.length})`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length === 0 ? 0 : same / a.length;
}

/** Exact Jaccard similarity of two sets (for tests and reports). */
export function jaccard<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}
