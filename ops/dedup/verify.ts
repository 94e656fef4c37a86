/**
 * Turning the groups of one bucket partition into verified edges.
 *
 * Exact groups compare full sha256 digests (the 64-bit key only proposes); members with the same
 * digest join the first of them. Near groups keep a pair when the signatures' estimated Jaccard is
 * ≥ threshold. Identical signatures are collapsed first, and a pair already connected through earlier
 * edges of this partition is not compared again: that changes which edges are written, never which
 * documents end up connected, so clusters are the same for any R and any piece order. The worst case
 * is still quadratic in the distinct signatures that share one band key, which is inherent to LSH.
 */
import { DedupInputError } from './errors.js';
import { DIGEST_WORDS, type SignatureLookup, type SignatureSource } from './tables.js';
import { UnionFind } from './unionfind.js';

export const EDGE_NEAR = 0;
export const EDGE_EXACT = 1;

function compareWords(a: Uint32Array, b: Uint32Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export class Verifier {
  /** [partition a, index a, partition b, index b, kind] per edge. */
  readonly edges: number[][] = [];
  private readonly ids = new Map<number, number>();
  private readonly uf: UnionFind;
  private readonly sources = new Map<number, SignatureSource>();

  /** `refs` holds members as (partition, index) pairs; methods take member numbers into it. */
  constructor(
    private readonly refs: Uint32Array,
    private readonly lookup: SignatureLookup,
    private readonly threshold: number,
  ) {
    // Local ids in docRef order.
    const keys = new Set<number>();
    for (let m = 0; m < refs.length / 2; m++) keys.add(this.key(m));
    [...keys].sort((a, b) => a - b).forEach((key, id) => this.ids.set(key, id));
    this.uf = new UnionFind(keys.size);
  }

  /** Members with the same full digest are one exact class; each joins the class's first (lowest docRef) member. */
  exact(members: number[]): void {
    const digests = members.map((m) => this.source(m).digest(this.index(m)).slice(0, DIGEST_WORDS));
    const order = members.map((_, i) => i).sort((a, b) => compareWords(digests[a]!, digests[b]!) || a - b);
    let head = order[0]!;
    for (const cur of order.slice(1)) {
      if (compareWords(digests[head]!, digests[cur]!) !== 0) {
        head = cur;
        continue;
      }
      this.edge(members[head]!, members[cur]!, EDGE_EXACT);
      this.uf.union(this.id(members[head]!), this.id(members[cur]!));
    }
  }

  near(members: number[]): void {
    const ids = members.map((m) => this.id(m));
    // The same pair shares many bands: once an earlier group connected everyone, there is nothing to check.
    const root = this.uf.find(ids[0]!);
    if (ids.every((id) => this.uf.find(id) === root)) return;
    const sigs = members.map((m) => this.source(m).signature(this.index(m)));
    const k = sigs[0]!.length;
    // Identical signatures: join each to the first of its kind (lowest docRef); only that one is compared further.
    const order = members.map((_, i) => i).sort((a, b) => compareWords(sigs[a]!, sigs[b]!) || a - b);
    const reps: number[] = [];
    for (const cur of order) {
      const head = reps.length > 0 ? reps[reps.length - 1]! : -1;
      if (head >= 0 && compareWords(sigs[head]!, sigs[cur]!) === 0) {
        if (this.uf.union(ids[head]!, ids[cur]!)) this.edge(members[head]!, members[cur]!, EDGE_NEAR);
      } else reps.push(cur);
    }
    reps.sort((a, b) => a - b);
    for (let i = 0; i < reps.length; i++) {
      const a = reps[i]!;
      const sa = sigs[a]!;
      for (let j = i + 1; j < reps.length; j++) {
        const b = reps[j]!;
        if (this.uf.connected(ids[a]!, ids[b]!)) continue;
        const sb = sigs[b]!;
        let same = 0;
        for (let q = 0; q < k; q++) if (sa[q] === sb[q]) same++;
        if (same / k >= this.threshold) {
          this.uf.union(ids[a]!, ids[b]!);
          this.edge(members[a]!, members[b]!, EDGE_NEAR);
        }
      }
    }
  }

  private key(m: number): number {
    return this.refs[2 * m]! * 4294967296 + this.refs[2 * m + 1]!;
  }

  private id(m: number): number {
    return this.ids.get(this.key(m))!;
  }

  private index(m: number): number {
    return this.refs[2 * m + 1]!;
  }

  private source(m: number): SignatureSource {
    const partition = this.refs[2 * m]!;
    let s = this.sources.get(partition);
    if (!s) {
      s = this.lookup(partition);
      if (!s) throw new DedupInputError('bucket', `no signature table for scan partition ${partition}`, { partition });
      this.sources.set(partition, s);
    }
    return s;
  }

  private edge(a: number, b: number, kind: number): void {
    const r = this.refs;
    this.edges.push([r[2 * a]!, r[2 * a + 1]!, r[2 * b]!, r[2 * b + 1]!, kind]);
  }
}
