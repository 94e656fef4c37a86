import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Doc } from '../../../ops/pipeline.js';
import {
  bucketCandidates,
  bucketPartition,
  DedupInputError,
  dedupDocs,
  dedupStep,
  droppedIn,
  joinClusters,
  scanPartition,
  SignatureTable,
  signatureLookup,
  verifyCandidates,
  type DedupOptions,
  type DedupReport,
  type SignatureSource,
} from '../../../ops/dedup/index.js';
import { PipelineStats, runPipeline } from '../../../ops/pipeline.js';
import { doc, plantedCorpus, rng, SOURCES } from './fixtures.js';

/** The planted corpus plus exact copies with rank fields, and documents without words. */
function corpus(): Doc[] {
  const { docs } = plantedCorpus();
  const licenses = ['permissive', 'no_license', 'other', undefined];
  Object.values(SOURCES).forEach((src, k) => {
    for (let c = 0; c < 3; c++) docs.push(doc(`copy${c}/${k}`, src, { licenseType: licenses[(k + c) % 4], stars: (k * 7 + c * 3) % 5, forks: c }));
  });
  docs.push(doc('blank/a', ''), doc('blank/b', ''), doc('braces/a', '{}'), doc('braces/b', '{}'));
  return docs;
}

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const random = rng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Bytes as a store would hand them back: a copy, sometimes at an odd offset. */
function stored(bytes: Uint8Array, seed: number): Uint8Array {
  const pad = seed % 3;
  const host = new Uint8Array(bytes.length + pad);
  host.set(bytes, pad);
  return host.subarray(pad);
}

/** Runs scan → bucket → join the way a flow would: pieces through "storage", in shuffled order. */
function distributed(parts: Doc[][], R: number, seed: number, options: DedupOptions = {}): DedupReport {
  const opts = { ...options, shufflePartitions: R, scanPartitions: parts.length };
  const scans = shuffle(parts.map((docs, p) => ({ p, docs })), seed).map(({ p, docs }) => scanPartition(p, docs, opts));
  const lookup = signatureLookup(shuffle(scans.map((s, k) => stored(s.signatures, seed + k)), seed + 1));
  const edges = shuffle(Array.from({ length: R }, (_, r) => r), seed + 2).map((r) =>
    stored(bucketPartition(r, shuffle(scans.map((s, k) => stored(s.shuffle[r]!, seed + k + r)), seed + 3 + r), lookup, opts), seed + r),
  );
  return joinClusters(shuffle(edges, seed + 4), shuffle(scans.map((s) => s.meta), seed + 5), opts);
}

/** What must not depend on partitioning: clusters by id, the kept one of each, every drop with its reason. */
function outcome(report: DedupReport) {
  return {
    clusters: report.clusters.map((c) => ({ kept: c.kept.id, members: c.members.map((m) => m.id) })),
    dropped: report.dropped.map((d) => `${d.id} ${d.reason} ${d.keptId}`).sort(),
    docs: report.docs,
    kept: report.kept,
  };
}

describe('dedup distributed - same result as dedupDocs for any partitioning', () => {
  const docs = corpus();
  const expected = outcome(dedupDocs(docs).report);

  it('starts from a corpus with exact and near clusters', () => {
    assert.ok(expected.clusters.length >= 8);
    assert.ok(expected.dropped.some((d) => d.includes('exact_duplicate')) && expected.dropped.some((d) => d.includes('near_duplicate')));
  });

  it('gives the same clusters, kept documents and drops for any P, R, document order and piece order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.nat(), { minLength: docs.length, maxLength: docs.length }),
        fc.nat(),
        (P, R, assignment, seed) => {
          const parts: Doc[][] = Array.from({ length: P }, () => []);
          shuffle(docs, seed).forEach((d, i) => parts[assignment[i]! % P]!.push(d));
          assert.deepEqual(outcome(distributed(parts, R, seed)), expected);
        },
      ),
      { numRuns: 25, seed: 20240601 },
    );
  });

  it('agrees in exact-only and near-only modes too', () => {
    for (const mode of ['exact', 'near'] as const) {
      const parts = [docs.slice(0, 9), [], docs.slice(9, 30), docs.slice(30)];
      assert.deepEqual(outcome(distributed(parts, 3, 7, { mode })), outcome(dedupDocs(docs, { mode }).report), mode);
    }
  });

  it('verifies with only the signature rows a bucket asks for', () => {
    const opts = { shufflePartitions: 2, scanPartitions: 2 };
    const scans = [scanPartition(0, docs.slice(0, 20), opts), scanPartition(1, docs.slice(20), opts)];
    const full = signatureLookup(scans.map((s) => s.signatures));
    for (let r = 0; r < 2; r++) {
      const candidates = bucketCandidates(r, scans.map((s) => s.shuffle[r]!), opts);
      const fetched: string[] = [];
      const sparse = (p: number): SignatureSource => {
        const table = SignatureTable.decode(scans[p]!.signatures);
        const allowed = new Set(candidates.needed.get(p) ?? []);
        const check = (i: number) => {
          assert.ok(allowed.has(i), `row ${i} of partition ${p} was not listed as needed`);
          fetched.push(`${p}/${i}`);
        };
        return { signature: (i) => (check(i), table.signature(i)), digest: (i) => (check(i), table.digest(i)) };
      };
      assert.deepEqual(verifyCandidates(candidates, sparse, opts), bucketPartition(r, scans.map((s) => s.shuffle[r]!), full, opts));
      const needed = [...candidates.needed.values()].reduce((n, v) => n + v.length, 0);
      assert.ok(needed < docs.length, 'a bucket needs only the documents whose keys collide');
    }
  });

  it('applies a report by docRef or by id', () => {
    const parts = [docs.slice(0, 25), docs.slice(25)];
    const report = distributed(parts, 2, 3);
    const survivors = parts.flatMap((part, p) => {
      const drops = droppedIn(report, p);
      return part.filter((_, i) => !drops.has(i));
    });
    assert.equal(survivors.length, report.kept);
    const stats = new PipelineStats();
    const step = dedupStep(report);
    const viaStep = docs.filter((d) => runPipeline([step], d, stats));
    assert.deepEqual(viaStep.map((d) => d.id).sort(), survivors.map((d) => d.id).sort());
    assert.ok((stats.toJSON().dropped['dedup:exact_duplicate'] ?? 0) > 0 && (stats.toJSON().dropped['dedup:near_duplicate'] ?? 0) > 0);
  });
});

describe('dedup distributed - refusing incomplete or mixed inputs', () => {
  const docs = corpus().slice(0, 12);
  const opts = { shufflePartitions: 2, scanPartitions: 3 };
  const scans = [0, 1, 2].map((p) => scanPartition(p, docs.slice(p * 4, p * 4 + 4), opts));
  const lookup = signatureLookup(scans.map((s) => s.signatures));
  const edges = [0, 1].map((r) => bucketPartition(r, scans.map((s) => s.shuffle[r]!), lookup, opts));
  const inputError = (stage: string, message: RegExp) => (e: unknown) => e instanceof DedupInputError && e.stage === stage && e.nonRetryable && message.test(e.message);

  it('bucket: a missing scan partition, a duplicate, or a piece for another bucket', () => {
    assert.throws(() => bucketPartition(0, [scans[0]!.shuffle[0]!, scans[2]!.shuffle[0]!], lookup, opts), inputError('bucket', /no piece from scan partition\(s\) 1 \(P = 3\)/));
    assert.throws(() => bucketPartition(0, [...scans.map((s) => s.shuffle[0]!), scans[1]!.shuffle[0]!], lookup, opts), inputError('bucket', /two pieces from scan partition 1/));
    assert.throws(() => bucketPartition(0, [scans[0]!.shuffle[1]!], lookup, opts), inputError('bucket', /is for bucket 1, not 0/));
    assert.throws(() => signatureLookup([scans[0]!.signatures, scans[0]!.signatures]), inputError('bucket', /two signature tables/));
  });

  it('scan: a partition number outside P', () => {
    assert.throws(() => scanPartition(3, docs, opts), inputError('scan', /partition 3 is outside scanPartitions \(3\)/));
    assert.throws(() => scanPartition(-1, docs), inputError('scan', /partition must be an integer/));
    assert.throws(() => scanPartition(0, [{ id: 'x', path: 'x', content: 7 } as unknown as Doc]), inputError('scan', /docs\[0\] must have a string id and content/));
  });

  it('bucket: a signature table the lookup cannot find', () => {
    const all = [...docs, ...docs].map((d, i) => ({ ...d, id: `${d.id}#${i}` }));
    const o = { shufflePartitions: 1 };
    const twins = [scanPartition(0, all.slice(0, 12), o), scanPartition(1, all.slice(12), o)];
    const onlyFirst = signatureLookup([twins[0]!.signatures]);
    assert.throws(() => bucketPartition(0, twins.map((s) => s.shuffle[0]!), onlyFirst, o), inputError('bucket', /no signature table for scan partition 1/));
  });

  it('join: a missing or duplicate bucket partition, a missing metadata table', () => {
    const meta = scans.map((s) => s.meta);
    assert.throws(() => joinClusters([edges[1]!], meta, opts), inputError('join', /bucket partition 0 is missing \(R = 2\)/));
    assert.throws(() => joinClusters([edges[0]!], meta, opts), inputError('join', /bucket partition 1 is missing/));
    assert.throws(() => joinClusters([edges[0]!, edges[0]!, edges[1]!], meta, opts), inputError('join', /two edges pieces for bucket partition 0/));
    assert.throws(() => joinClusters(edges, [meta[0]!, meta[2]!], opts), inputError('join', /no metadata table for scan partition 1/));
    assert.throws(() => joinClusters([], meta, opts), inputError('join', /no edges pieces/));
    assert.equal(joinClusters(edges, meta, opts).docs, 12);
  });

  it('join: an edge to a document no table holds', () => {
    const o = { shufflePartitions: 1 };
    const a = scanPartition(0, [doc('a', SOURCES['ring.c']!), doc('b', SOURCES['ring.c']!)], o);
    const e = bucketPartition(0, [a.shuffle[0]!], signatureLookup([a.signatures]), o);
    const shorter = scanPartition(0, [doc('a', SOURCES['ring.c']!)], o);
    assert.throws(() => joinClusters([e], [shorter.meta], o), inputError('join', /document 1 of scan partition 0, which no metadata table holds/));
  });
});
