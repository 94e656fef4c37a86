/**
 * The whole chain in one process: scan → bucket → join over in-memory blobs, exactly as a distributed
 * flow would run it with one scan partition. For tests and small runs; the result equals the
 * distributed one for any partitioning.
 */
import { drop, keep, type Doc, type Step } from '../pipeline.js';
import { bucketPartition } from './bucket.js';
import { joinClusters, type DedupReport, type DropReason } from './join.js';
import { resolveDedupOptions, type DedupOptions } from './options.js';
import { scanPartition } from './scan.js';
import { signatureLookup } from './tables.js';

export interface DedupDocsResult {
  /** The surviving documents, in input order. */
  kept: Doc[];
  report: DedupReport;
}

export function dedupDocs(docs: readonly Doc[], options: DedupOptions = {}): DedupDocsResult {
  const o = resolveDedupOptions({ ...options, scanPartitions: 1 });
  const scan = scanPartition(0, docs, o);
  const lookup = signatureLookup([scan.signatures], o.fingerprint);
  const edges = scan.shuffle.map((piece, r) => bucketPartition(r, [piece], lookup, o));
  const report = joinClusters(edges, [scan.meta], o);
  const gone = new Set(report.dropped.map((d) => d.index));
  return { kept: docs.filter((_, i) => !gone.has(i)), report };
}

/**
 * A pipeline step that applies a finished report by document id: drops are counted as
 * `dedup:exact_duplicate` / `dedup:near_duplicate`. Ids must be unique across the run; where they are
 * not, apply by docRef with `droppedIn` instead.
 */
export function dedupStep(report: DedupReport, name = 'dedup'): Step {
  const reasons = new Map<string, DropReason>(report.dropped.map((d) => [d.id, d.reason]));
  return {
    name,
    run: (doc) => {
      const reason = reasons.get(doc.id);
      return reason === undefined ? keep() : drop(reason);
    },
  };
}
