/**
 * Stage three: near and exact dedup across every batch. The flow runs ops/dedup's stages with one
 * set of options everywhere; this file derives them from the config and reads signature tables on
 * demand, since a bucket partition needs only the batches its candidate pairs come from.
 */
import {
  bucketCandidates,
  joinClusters,
  resolveDedupOptions,
  scanPartition,
  SignatureTable,
  verifyCandidates,
  type DedupReport,
  type ResolvedDedupOptions,
  type ScanOutput,
  type SignatureLookup,
} from '../dedup/index.js';
import type { Doc } from '../pipeline.js';
import type { ResolvedStackConfig } from './config.js';

export function dedupOptions(config: ResolvedStackConfig, scanPartitions: number): ResolvedDedupOptions {
  return resolveDedupOptions({
    mode: config.dedup === 'none' ? 'exact' : config.dedup,
    threshold: config.threshold,
    numPerm: config.numPerm,
    shufflePartitions: config.shufflePartitions,
    scanPartitions,
  });
}

/** The dedup scan of one batch's surviving documents. */
export function signBatch(partition: number, docs: readonly Doc[], options: ResolvedDedupOptions): ScanOutput {
  return scanPartition(partition, docs, options);
}

/** Signature tables by scan partition, decoded from `read(sigRefs[p])` the first time one is needed. */
export function lazySignatures(sigRefs: readonly string[], read: (digest: string) => Uint8Array, options: ResolvedDedupOptions): SignatureLookup {
  const loaded = new Map<number, SignatureTable>();
  return (p) => {
    let t = loaded.get(p);
    if (!t && sigRefs[p] !== undefined) loaded.set(p, (t = SignatureTable.decode(read(sigRefs[p]!), options.fingerprint)));
    return t;
  };
}

/** Candidate pairs of bucket partition r, verified: its edges piece. */
export function bucketEdges(r: number, pieces: Iterable<Uint8Array>, lookup: SignatureLookup, options: ResolvedDedupOptions): Uint8Array {
  return verifyCandidates(bucketCandidates(r, pieces, options), lookup, options);
}

export function resolveClusters(edges: Iterable<Uint8Array>, metas: Iterable<Uint8Array>, options: ResolvedDedupOptions): DedupReport {
  return joinClusters(edges, metas, options);
}
