/**
 * Stage (c), join: union-find over the edges of every bucket partition gives the clusters; in each
 * cluster the best-ranked document (rank.ts, ties by docRef) is kept and the others are dropped, as
 * `exact_duplicate` when the kept document has the same content, else `near_duplicate`.
 *
 * The outcome depends only on the set of edges and the metadata tables, not on the order they arrive
 * in, nor on R: clusters are connected components, and the kept member is a minimum over a total
 * order.
 */
import { decodeEdges, EDGE_EXACT, EDGE_WORDS, type EdgesPiece } from './bucket.js';
import { DedupInputError } from './errors.js';
import { resolveDedupOptions, type DedupOptions, type ResolvedDedupOptions } from './options.js';
import { compareRank, type RankFields } from './rank.js';
import { MetaTable } from './tables.js';
import { UnionFind } from './unionfind.js';

/** A document by docRef, with its id for people reading the report. */
export interface DocKey {
  partition: number;
  index: number;
  id: string;
}

export type DropReason = 'exact_duplicate' | 'near_duplicate';

export interface Cluster {
  kept: DocKey;
  /** Every member, best-ranked (the kept one) first. */
  members: DocKey[];
}

export interface DroppedDoc extends DocKey {
  reason: DropReason;
  /** Id of the document kept in its place. */
  keptId: string;
}

export interface DedupReport {
  /** Documents in all metadata tables. */
  docs: number;
  /** Documents that survive: docs − dropped.length. */
  kept: number;
  /** Clusters of two or more documents, ordered by the kept document's id (then docRef). */
  clusters: Cluster[];
  /** Ordered by docRef. */
  dropped: DroppedDoc[];
}

function readEdges(pieces: Iterable<Uint8Array>, fingerprint: number): EdgesPiece[] {
  const decoded = [...pieces].map((b) => decodeEdges(b, fingerprint)).sort((a, b) => a.r - b.r);
  if (decoded.length === 0) throw new DedupInputError('join', 'no edges pieces (expected one per bucket partition)');
  const R = decoded[0]!.R;
  decoded.forEach((p, i) => {
    if (p.R !== R) throw new DedupInputError('join', `edges pieces disagree on R (${R} and ${p.R})`);
    if (p.r !== i) {
      const missing = p.r > i ? `bucket partition ${i} is missing` : `two edges pieces for bucket partition ${p.r}`;
      throw new DedupInputError('join', `${missing} (R = ${R})`, { partition: p.r > i ? i : p.r });
    }
  });
  if (decoded.length !== R) throw new DedupInputError('join', `bucket partition ${decoded.length} is missing (R = ${R})`, { partition: decoded.length });
  return decoded;
}

function readMeta(tables: Iterable<Uint8Array | MetaTable>, fingerprint: number, edgesP: number): MetaTable[] {
  const decoded = [...tables].map((t) => (t instanceof MetaTable ? t : MetaTable.decode(t, fingerprint))).sort((a, b) => a.partition - b.partition);
  let P = edgesP;
  decoded.forEach((t, i) => {
    if (i > 0 && decoded[i - 1]!.partition === t.partition) {
      throw new DedupInputError('join', `two metadata tables for scan partition ${t.partition}`, { partition: t.partition });
    }
    if (t.scanPartitions !== 0) {
      if (P === 0) P = t.scanPartitions;
      else if (P !== t.scanPartitions) throw new DedupInputError('join', `inputs disagree on P (${P} and ${t.scanPartitions})`, { partition: t.partition });
    }
  });
  if (P !== 0) {
    decoded.forEach((t, i) => {
      if (t.partition !== i) throw new DedupInputError('join', `no metadata table for scan partition ${i} (P = ${P})`, { partition: i });
    });
    if (decoded.length !== P) throw new DedupInputError('join', `no metadata table for scan partition ${decoded.length} (P = ${P})`, { partition: decoded.length });
  }
  return decoded;
}

export function joinClusters(
  edgesPieces: Iterable<Uint8Array>,
  metaTables: Iterable<Uint8Array | MetaTable>,
  options: DedupOptions | ResolvedDedupOptions = {},
): DedupReport {
  const o = resolveDedupOptions(options);
  const pieces = readEdges(edgesPieces, o.fingerprint);
  const edgesP = pieces.find((p) => p.scanPartitions !== 0)?.scanPartitions ?? 0;
  const tables = readMeta(metaTables, o.fingerprint, edgesP);

  // Dense node ids: tables in partition order, documents in index order.
  const offset = new Map<number, number>();
  const byPartition = new Map<number, MetaTable>();
  let docs = 0;
  for (const t of tables) {
    offset.set(t.partition, docs);
    byPartition.set(t.partition, t);
    docs += t.count;
  }
  const node = (partition: number, index: number): number => {
    const base = offset.get(partition);
    if (base === undefined || index >= byPartition.get(partition)!.count) {
      throw new DedupInputError('join', `an edge points at document ${index} of scan partition ${partition}, which no metadata table holds`, { partition });
    }
    return base + index;
  };

  const all = new UnionFind(docs);
  const sameContent = new UnionFind(docs);
  const touched: number[] = [];
  for (const p of pieces) {
    const e = p.edges;
    for (let i = 0; i < e.length; i += EDGE_WORDS) {
      const a = node(e[i]!, e[i + 1]!);
      const b = node(e[i + 2]!, e[i + 3]!);
      all.union(a, b);
      if (e[i + 4] === EDGE_EXACT) sameContent.union(a, b);
      touched.push(a, b);
    }
  }

  const members = new Map<number, number[]>();
  for (const x of new Set(touched)) {
    const root = all.find(x);
    let list = members.get(root);
    if (!list) members.set(root, (list = []));
    list.push(x);
  }

  // Node id → docRef: the last table starting at or before x (an empty table never is: the next one starts at the same offset).
  const starts = tables.map((t) => offset.get(t.partition)!);
  const refOf = (x: number): { table: MetaTable; index: number } => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= x) lo = mid;
      else hi = mid - 1;
    }
    return { table: tables[lo]!, index: x - starts[lo]! };
  };

  const clusters: Cluster[] = [];
  const dropped: DroppedDoc[] = [];
  for (const list of members.values()) {
    const ranked = list.map((x) => {
      const { table, index } = refOf(x);
      const rank: RankFields = table.rank(index);
      return { x, rank, key: { partition: table.partition, index, id: rank.id } };
    });
    ranked.sort((a, b) => compareRank(a.rank, b.rank) || a.x - b.x);
    const kept = ranked[0]!;
    const keptContent = sameContent.find(kept.x);
    clusters.push({ kept: kept.key, members: ranked.map((m) => m.key) });
    for (const m of ranked.slice(1)) {
      dropped.push({ ...m.key, reason: sameContent.find(m.x) === keptContent ? 'exact_duplicate' : 'near_duplicate', keptId: kept.key.id });
    }
  }
  clusters.sort((a, b) => (a.kept.id < b.kept.id ? -1 : a.kept.id > b.kept.id ? 1 : a.kept.partition - b.kept.partition || a.kept.index - b.kept.index));
  dropped.sort((a, b) => a.partition - b.partition || a.index - b.index);
  return { docs, kept: docs - dropped.length, clusters, dropped };
}

/** The drops of one scan partition, by doc index: what an apply stage over that partition needs. */
export function droppedIn(report: DedupReport, partition: number): Map<number, DroppedDoc> {
  return new Map(report.dropped.filter((d) => d.partition === partition).map((d) => [d.index, d]));
}
