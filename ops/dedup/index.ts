/**
 * Exact and near deduplication (The Stack v2 recipe), as pure stages over in-memory data and compact
 * binary blobs a flow stores between them.
 *
 *   import { dedupDocs, scanPartition, bucketPartition, joinClusters, signatureLookup } from '../ops/dedup/index.js';
 *   const { kept, report } = dedupDocs(docs, { threshold: 0.7 });          // one process
 *
 *   // distributed: P scan partitions, R bucket partitions, same options everywhere
 *   const opts = { shufflePartitions: R, scanPartitions: P };
 *   const scans = parts.map((docs, p) => scanPartition(p, docs, opts));     // (a) foreach p
 *   const lookup = signatureLookup(scans.map((s) => s.signatures));
 *   const edges = range(R).map((r) => bucketPartition(r, scans.map((s) => s.shuffle[r]), lookup, opts)); // (b) foreach r
 *   const report = joinClusters(edges, scans.map((s) => s.meta), opts);     // (c) join: clusters, kept, dropped
 *
 * Exact: sha256 of the content. Near: lowercased words, 5-gram shingles, 256-permutation MinHash, LSH
 * with bands × rows chosen for the threshold, candidates verified by estimated Jaccard. Among
 * duplicates the best-ranked is kept: permissive < no_license < other license, more stars, more forks, id.
 */
export { dedupDocs, dedupStep, type DedupDocsResult } from './dedup.js';
export { scanPartition, decodeShufflePiece, contentDigest, shufflePartitionOf, EXACT_BAND, type ScanOutput, type ShufflePiece } from './scan.js';
export {
  bucketCandidates,
  verifyCandidates,
  bucketPartition,
  decodeEdges,
  EDGE_EXACT,
  EDGE_NEAR,
  type Candidates,
  type EdgesPiece,
} from './bucket.js';
export { joinClusters, droppedIn, type Cluster, type DedupReport, type DocKey, type DropReason, type DroppedDoc } from './join.js';
export {
  SignatureTable,
  MetaTable,
  signatureLookup,
  signatureTableLayout,
  encodeMetaTable,
  type SignatureLookup,
  type SignatureSource,
  type SignatureTableLayout,
} from './tables.js';
export { MinHasher, estimateJaccard, jaccard, permutations, type Permutations } from './minhash.js';
export { Shingler, tokenize, shingleStrings } from './shingles.js';
export { optimalBandsRows, collisionProbability, falsePositiveArea, falseNegativeArea, integrate, bandKeys, type LshParams } from './lsh.js';
export { compareRank, rankFieldsOf, LICENSE_CODES, type LicenseType, type RankFields } from './rank.js';
export {
  resolveDedupOptions,
  DEFAULT_DEDUP_OPTIONS,
  MAX_NUM_PERM,
  MAX_SCAN_PARTITIONS,
  MAX_SHUFFLE_PARTITIONS,
  type DedupMode,
  type DedupOptions,
  type ResolvedDedupOptions,
} from './options.js';
export { FORMAT_VERSION } from './codec.js';
export { DedupOptionsError, DedupFormatError, DedupInputError } from './errors.js';
