/**
 * Stage (b), bucket partition r: group the rows every scan partition sent to r by (band, key), turn
 * each group into verified edges, and write them as one edges blob.
 *
 * Split in two so a flow can fetch only the signatures it needs: `bucketCandidates` reads the shuffle
 * pieces and lists the docRefs a verification will touch (`needed`); `verifyCandidates` reads those
 * through a `SignatureLookup`. `bucketPartition` does both.
 *
 * Verification (verify.ts) turns each group into edges.
 *
 * Edges blob:
 *   fields: r, R, edge count, P (0 when unknown), 0
 *   rows:   [partition a, index a, partition b, index b, kind] with (a) < (b); kind 1 = exact, 0 = near;
 *           sorted, so the same inputs give the same bytes.
 */
import { allocateBlob, blobBytes, expectBodyWords, HEADER_WORDS, readFrame } from './codec.js';
import { DedupInputError } from './errors.js';
import { resolveDedupOptions, type DedupOptions, type ResolvedDedupOptions } from './options.js';
import { decodeShufflePiece, EXACT_BAND, type ShufflePiece } from './scan.js';
import type { SignatureLookup } from './tables.js';
import { Verifier } from './verify.js';

export { EDGE_EXACT, EDGE_NEAR } from './verify.js';
export const EDGE_WORDS = 5;

export interface Candidates {
  r: number;
  R: number;
  scanPartitions: number;
  /** Group members as (scan partition, doc index) pairs, each group sorted by docRef. */
  refs: Uint32Array;
  /** Group g is refs pairs [starts[g], starts[g + 1]). */
  starts: Uint32Array;
  /** 1 when group g is an exact (digest) group. */
  exact: Uint8Array;
  /** Every docRef verification will read, as scan partition → ascending doc indices. */
  needed: Map<number, Uint32Array>;
}

function mix(band: number, hi: number, lo: number): number {
  let h = Math.imul(hi ^ Math.imul(lo, 0x9e3779b1) ^ Math.imul(band, 0x85ebca77), 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x27d4eb2f);
  return h ^ (h >>> 13);
}

/** Decodes and checks the pieces for bucket partition r; pieces may come in any order. */
function readPieces(r: number, pieces: Iterable<Uint8Array>, o: ResolvedDedupOptions): ShufflePiece[] {
  const decoded = [...pieces].map((bytes) => decodeShufflePiece(bytes, o.fingerprint)).sort((a, b) => a.scanPartition - b.scanPartition);
  let R = 0;
  let P = 0;
  for (let i = 0; i < decoded.length; i++) {
    const p = decoded[i]!;
    if (p.r !== r) throw new DedupInputError('bucket', `a piece from scan partition ${p.scanPartition} is for bucket ${p.r}, not ${r}`, { partition: p.scanPartition });
    if (R === 0) R = p.R;
    else if (p.R !== R) throw new DedupInputError('bucket', `pieces disagree on R (${R} and ${p.R})`, { partition: p.scanPartition });
    if (i > 0 && decoded[i - 1]!.scanPartition === p.scanPartition) {
      throw new DedupInputError('bucket', `two pieces from scan partition ${p.scanPartition}`, { partition: p.scanPartition });
    }
    if (p.scanPartitions !== 0) {
      if (P === 0) P = p.scanPartitions;
      else if (p.scanPartitions !== P) throw new DedupInputError('bucket', `pieces disagree on P (${P} and ${p.scanPartitions})`, { partition: p.scanPartition });
    }
  }
  if (P !== 0) {
    const missing = [];
    for (let p = 0, i = 0; p < P; p++) {
      if (decoded[i]?.scanPartition === p) i++;
      else missing.push(p);
    }
    if (missing.length > 0) throw new DedupInputError('bucket', `no piece from scan partition(s) ${missing.slice(0, 10).join(', ')} (P = ${P})`, { partition: missing[0] });
    if (decoded.length !== P) throw new DedupInputError('bucket', `a piece comes from a scan partition ≥ P (${P})`);
  }
  return decoded;
}

export function bucketCandidates(r: number, pieces: Iterable<Uint8Array>, options: DedupOptions | ResolvedDedupOptions = {}): Candidates {
  const o = resolveDedupOptions(options);
  const decoded = readPieces(r, pieces, o);
  const R = decoded[0]?.R ?? o.shufflePartitions;
  const P = decoded.find((p) => p.scanPartitions !== 0)?.scanPartitions ?? o.scanPartitions;

  let n = 0;
  for (const p of decoded) n += p.rows.length / 4;
  const band = new Uint32Array(n);
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const part = new Uint32Array(n);
  const index = new Uint32Array(n);
  let k = 0;
  for (const p of decoded) {
    const rows = p.rows;
    for (let j = 0; j < rows.length; j += 4, k++) {
      band[k] = rows[j]!;
      hi[k] = rows[j + 1]!;
      lo[k] = rows[j + 2]!;
      part[k] = p.scanPartition;
      index[k] = rows[j + 3]!;
    }
  }

  // Most keys are unique: count them in a small table and sort only the rows that may collide.
  let cap = 16;
  while (cap < 2 * n) cap *= 2;
  const mask = cap - 1;
  const seen = new Uint8Array(cap);
  for (let i = 0; i < n; i++) {
    const s = mix(band[i]!, hi[i]!, lo[i]!) & mask;
    if (seen[s]! < 2) seen[s]!++;
  }
  const maybe: number[] = [];
  for (let i = 0; i < n; i++) if (seen[mix(band[i]!, hi[i]!, lo[i]!) & mask] === 2) maybe.push(i);
  maybe.sort((a, b) => band[a]! - band[b]! || hi[a]! - hi[b]! || lo[a]! - lo[b]! || part[a]! - part[b]! || index[a]! - index[b]!);

  const refs: number[] = [];
  const starts: number[] = [];
  const exact: number[] = [];
  const needed = new Map<number, Set<number>>();
  for (let g = 0; g < maybe.length; ) {
    const first = maybe[g]!;
    let end = g + 1;
    while (end < maybe.length && band[maybe[end]!] === band[first] && hi[maybe[end]!] === hi[first] && lo[maybe[end]!] === lo[first]) end++;
    if (end - g >= 2) {
      starts.push(refs.length / 2);
      exact.push(band[first] === EXACT_BAND ? 1 : 0);
      for (let m = g; m < end; m++) {
        const row = maybe[m]!;
        const prev = m > g ? maybe[m - 1]! : -1;
        if (prev >= 0 && part[prev] === part[row] && index[prev] === index[row]) continue;
        refs.push(part[row]!, index[row]!);
        let set = needed.get(part[row]!);
        if (!set) needed.set(part[row]!, (set = new Set()));
        set.add(index[row]!);
      }
    }
    g = end;
  }
  starts.push(refs.length / 2);
  const neededSorted = new Map<number, Uint32Array>();
  for (const p of [...needed.keys()].sort((a, b) => a - b)) neededSorted.set(p, Uint32Array.from(needed.get(p)!).sort());
  return { r, R, scanPartitions: P, refs: Uint32Array.from(refs), starts: Uint32Array.from(starts), exact: Uint8Array.from(exact), needed: neededSorted };
}

export function verifyCandidates(candidates: Candidates, lookup: SignatureLookup, options: DedupOptions | ResolvedDedupOptions = {}): Uint8Array {
  const o = resolveDedupOptions(options);
  const { refs, starts, exact } = candidates;
  const verifier = new Verifier(refs, lookup, o.threshold);
  const membersOf = (g: number) => Array.from({ length: starts[g + 1]! - starts[g]! }, (_, k) => starts[g]! + k);
  // Exact groups first: their edges are kept whole (they tell the join which drops are exact), and they
  // let near groups skip pairs already known to be connected.
  for (let g = 0; g + 1 < starts.length; g++) if (exact[g] === 1) verifier.exact(membersOf(g));
  for (let g = 0; g + 1 < starts.length; g++) if (exact[g] === 0) verifier.near(membersOf(g));

  const edges = verifier.edges.sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]! || x[3]! - y[3]! || x[4]! - y[4]!);
  const words = allocateBlob('edges', o.fingerprint, [candidates.r, candidates.R, edges.length, candidates.scanPartitions, 0], edges.length * EDGE_WORDS);
  edges.forEach((e, i) => words.set(e, HEADER_WORDS + i * EDGE_WORDS));
  return blobBytes(words);
}

/** Stage (b) in one call: candidates, then verification through `lookup`. */
export function bucketPartition(r: number, pieces: Iterable<Uint8Array>, lookup: SignatureLookup, options: DedupOptions | ResolvedDedupOptions = {}): Uint8Array {
  const o = resolveDedupOptions(options);
  return verifyCandidates(bucketCandidates(r, pieces, o), lookup, o);
}

export interface EdgesPiece {
  r: number;
  R: number;
  scanPartitions: number;
  /** [partition a, index a, partition b, index b, kind] × count. */
  edges: Uint32Array;
}

export function decodeEdges(bytes: Uint8Array, fingerprint?: number): EdgesPiece {
  const frame = readFrame(bytes, 'edges', fingerprint);
  const [r, R, count, scanPartitions] = frame.fields;
  expectBodyWords('edges', frame, count * EDGE_WORDS);
  return { r, R, scanPartitions, edges: frame.words.subarray(HEADER_WORDS) };
}
