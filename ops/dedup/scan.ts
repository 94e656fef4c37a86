/**
 * Stage (a), scan partition p: for every document, its sha256 and/or MinHash signature, and its band
 * keys split into R shuffle pieces; plus the partition's signature and metadata tables.
 *
 * Shuffle piece for bucket partition r:
 *   fields: scan partition p, r, R, row count, P (0 when unknown)
 *   rows:   [band, key hi, key lo, doc index] as uint32, in document order
 * A near-dedup row carries band b (0 ≤ b < bands) and that band's 64-bit key; an exact row carries
 * band EXACT_BAND and the first 64 bits of the sha256. A row goes to partition ⌊hi · R / 2^32⌋, so
 * equal keys always meet in the same bucket. A docRef is (p, doc index): globally unique and the same
 * on every rerun of the partition.
 */
import { hash } from 'node:crypto';
import type { Doc } from '../pipeline.js';
import { allocateBlob, blobBytes, expectBodyWords, HEADER_WORDS, readFrame, U32Builder } from './codec.js';
import { DedupInputError } from './errors.js';
import { bandKeys } from './lsh.js';
import { MinHasher } from './minhash.js';
import { MAX_SCAN_PARTITIONS, resolveDedupOptions, type DedupOptions, type ResolvedDedupOptions } from './options.js';
import type { RankFields } from './rank.js';
import { encodeMetaTable, SignatureTableWriter } from './tables.js';

/** The band index of exact-dedup rows. */
export const EXACT_BAND = 0xffffffff;

export interface ScanOutput {
  partition: number;
  /** `shuffle[r]` goes to bucket partition r. */
  shuffle: Uint8Array[];
  /** docRef → sha256 and signature; the buckets read it to verify candidates. */
  signatures: Uint8Array;
  /** docRef → rank fields; the join reads it to choose which copy to keep. */
  meta: Uint8Array;
}

/** Which bucket partition a key goes to: the top bits of its hi word, so R need not be a power of two. */
export const shufflePartitionOf = (hi: number, R: number): number => Math.floor((hi * R) / 4294967296);

const hashers = new Map<string, MinHasher>();

/** One MinHasher per parameter set, so buffers are reused across scans in the same thread. */
export function minHasherFor(o: ResolvedDedupOptions): MinHasher {
  const key = `${o.numPerm}/${o.seed}/${o.ngram}`;
  let h = hashers.get(key);
  if (!h) hashers.set(key, (h = new MinHasher(o.numPerm, o.seed, o.ngram)));
  return h;
}

/**
 * sha256 of the content's UTF-8 bytes (node:crypto: SHA-NI makes it ~1.8 GB/s here on large inputs;
 * the one-shot `hash` saves the Hash object that dominates on files of a few KB).
 */
export function contentDigest(content: string): Uint8Array {
  return hash('sha256', content, 'buffer');
}

export function scanPartition(partition: number, docs: readonly Doc[], options: DedupOptions | ResolvedDedupOptions = {}): ScanOutput {
  const o = resolveDedupOptions(options);
  if (!Number.isInteger(partition) || partition < 0 || partition >= MAX_SCAN_PARTITIONS) {
    throw new DedupInputError('scan', `partition must be an integer in [0, ${MAX_SCAN_PARTITIONS})`, { partition });
  }
  if (o.scanPartitions !== 0 && partition >= o.scanPartitions) {
    throw new DedupInputError('scan', `partition ${partition} is outside scanPartitions (${o.scanPartitions})`, { partition });
  }
  const R = o.shufflePartitions;
  const exact = o.mode !== 'near';
  const near = o.mode !== 'exact';
  const pieces = Array.from({ length: R }, () => new U32Builder(Math.max(64, ((docs.length * (o.bands + 1)) / R) * 4)));
  const table = new SignatureTableWriter(o.fingerprint, partition, docs.length, o.numPerm, exact, near, o.scanPartitions);
  const ranks: RankFields[] = new Array(docs.length);
  const hasher = near ? minHasherFor(o) : undefined;
  const keys = new Uint32Array(2 * o.bands);

  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i]!;
    if (typeof doc?.content !== 'string' || typeof doc.id !== 'string') {
      throw new DedupInputError('scan', `docs[${i}] must have a string id and content`, { partition });
    }
    ranks[i] = o.rankOf(doc);
    if (exact) {
      const digest = contentDigest(doc.content);
      table.setDigest(i, digest);
      const hi = ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
      const lo = ((digest[4]! << 24) | (digest[5]! << 16) | (digest[6]! << 8) | digest[7]!) >>> 0;
      pieces[shufflePartitionOf(hi, R)]!.push4(EXACT_BAND, hi, lo, i);
    }
    if (hasher) {
      const signature = hasher.sign(doc.content);
      if (!signature) continue; // no words: nothing to compare
      table.setSignature(i, signature);
      bandKeys(signature, o.bands, o.rows, keys);
      for (let b = 0; b < o.bands; b++) {
        const hi = keys[2 * b]!;
        pieces[shufflePartitionOf(hi, R)]!.push4(b, hi, keys[2 * b + 1]!, i);
      }
    }
  }

  const shuffle = pieces.map((rows, r) => {
    const view = rows.view();
    const words = allocateBlob('shuffle piece', o.fingerprint, [partition, r, R, view.length / 4, o.scanPartitions], view.length);
    words.set(view, HEADER_WORDS);
    return blobBytes(words);
  });
  return { partition, shuffle, signatures: table.bytes(), meta: encodeMetaTable(o.fingerprint, partition, ranks, o.scanPartitions) };
}

export interface ShufflePiece {
  scanPartition: number;
  r: number;
  R: number;
  /** P, or 0 when the scan did not know it. */
  scanPartitions: number;
  /** [band, hi, lo, doc index] × rowCount. */
  rows: Uint32Array;
}

export function decodeShufflePiece(bytes: Uint8Array, fingerprint?: number): ShufflePiece {
  const frame = readFrame(bytes, 'shuffle piece', fingerprint);
  const [scanPartition, r, R, rowCount, scanPartitions] = frame.fields;
  expectBodyWords('shuffle piece', frame, rowCount * 4);
  return { scanPartition, r, R, scanPartitions, rows: frame.words.subarray(HEADER_WORDS) };
}
