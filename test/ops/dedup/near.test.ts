import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dedupDocs, jaccard, shingleStrings, type DedupReport } from '../../../ops/dedup/index.js';
import { doc, editLines, plantedCorpus, rename, rewriteComments, SOURCES } from './fixtures.js';

const clusterOf = (report: DedupReport, id: string) => report.clusters.find((c) => c.members.some((m) => m.id === id));

describe('dedup near - planted near-duplicates', () => {
  const { docs, planted } = plantedCorpus();
  const { kept, report } = dedupDocs(docs);

  it('plants copies that really are near duplicates (exact shingle Jaccard ≥ 0.8)', () => {
    for (const ids of Object.values(planted)) {
      const original = shingleStrings(docs.find((d) => d.id === ids[0])!.content);
      for (const id of ids.slice(1)) {
        const j = jaccard(original, shingleStrings(docs.find((d) => d.id === id)!.content));
        assert.ok(j >= 0.8 && j < 1, `${id}: Jaccard ${j.toFixed(3)}`);
      }
    }
  });

  it('clusters each original with all of its edited, renamed and reworded copies', () => {
    for (const [name, ids] of Object.entries(planted)) {
      const cluster = clusterOf(report, ids[0]!);
      assert.ok(cluster, `${name} is in a cluster`);
      assert.deepEqual(cluster.members.map((m) => m.id).sort(), [...ids].sort(), name);
    }
    assert.equal(report.clusters.length, Object.keys(planted).length);
  });

  it('keeps exactly one document per cluster and every unrelated file', () => {
    assert.equal(report.docs, docs.length);
    assert.equal(kept.length, docs.length - 3 * Object.keys(planted).length);
    assert.equal(report.kept, kept.length);
    for (let i = 0; i < 12; i++) assert.ok(kept.some((d) => d.id === `random/file${i}.js`));
    for (const d of report.dropped) assert.equal(d.reason, 'near_duplicate');
    // No rank information: ties fall to the id, so "edited/…" (alphabetically first) survives.
    for (const [name, ids] of Object.entries(planted)) assert.equal(clusterOf(report, ids[0]!)!.kept.id, `edited/${name}`);
  });

  it('leaves a heavily rewritten file alone', () => {
    const src = SOURCES['handler.go']!;
    let rewritten = src;
    for (const [a, b] of [['s', 'store'], ['t', 'todo'], ['w', 'rw'], ['r', 'req'], ['err', 'e'], ['id', 'key'], ['mu', 'lock'], ['items', 'byID']]) rewritten = rename(rewritten, a!, b!);
    const j = jaccard(shingleStrings(src), shingleStrings(rewritten));
    assert.ok(j < 0.5, `premise: Jaccard ${j}`);
    assert.deepEqual(dedupDocs([doc('a/handler.go', src), doc('b/handler.go', rewritten)]).report.clusters, []);
  });

  it('finds near duplicates at a lower threshold that 0.7 misses', () => {
    const src = SOURCES['lru.ts']!;
    const far = rewriteComments(editLines(src, 6, 3), 2);
    const j = jaccard(shingleStrings(src), shingleStrings(far));
    assert.ok(j > 0.55 && j < 0.68, `premise: Jaccard ${j}`);
    const pair = [doc('a/lru.ts', src), doc('b/lru.ts', far)];
    assert.equal(dedupDocs(pair).report.clusters.length, 0);
    assert.equal(dedupDocs(pair, { threshold: 0.5 }).report.clusters.length, 1);
  });
});

describe('dedup near - exact duplicates and rank', () => {
  const src = SOURCES['ring.c']!;

  it('collapses exact copies to the best-ranked: permissive, then stars, then forks, then id', () => {
    const docs = [
      doc('z/ring.c', src, { licenseType: 'permissive', stars: 5, forks: 1 }),
      doc('y/ring.c', src, { licenseType: 'no_license', stars: 900, forks: 90 }),
      doc('x/ring.c', src, { licenseType: 'permissive', stars: 5, forks: 7 }),
      doc('w/ring.c', src, { licenseType: 'GPL-3.0', stars: 10_000 }),
      doc('v/ring.c', src, { licenseType: 'permissive', stars: 4, forks: 100 }),
      doc('u/ring.c', src, { licenseType: 'permissive', stars: 5, forks: 7 }),
    ];
    const { kept, report } = dedupDocs(docs, { mode: 'exact' });
    assert.deepEqual(kept.map((d) => d.id), ['u/ring.c']);
    assert.deepEqual(report.clusters[0]!.members.map((m) => m.id), ['u/ring.c', 'x/ring.c', 'z/ring.c', 'v/ring.c', 'y/ring.c', 'w/ring.c']);
    assert.ok(report.dropped.every((d) => d.reason === 'exact_duplicate' && d.keptId === 'u/ring.c'));
  });

  it('only merges identical content in exact mode, and tells exact from near drops in both', () => {
    const docs = [doc('a/ring.c', src, { stars: 3 }), doc('b/ring.c', src), doc('c/ring.c', editLines(src, 1, 1)), doc('d/other.rs', SOURCES['lexer.rs']!)];
    assert.deepEqual(dedupDocs(docs, { mode: 'exact' }).kept.map((d) => d.id), ['a/ring.c', 'c/ring.c', 'd/other.rs']);
    assert.deepEqual(dedupDocs(docs, { mode: 'near' }).kept.map((d) => d.id), ['a/ring.c', 'd/other.rs']);
    const both = dedupDocs(docs);
    assert.deepEqual(both.kept.map((d) => d.id), ['a/ring.c', 'd/other.rs']);
    assert.deepEqual(
      both.report.dropped.map((d) => [d.id, d.reason, d.keptId]),
      [['b/ring.c', 'exact_duplicate', 'a/ring.c'], ['c/ring.c', 'near_duplicate', 'a/ring.c']],
    );
  });

  it('treats files without words as exact-only: identical ones collapse, different ones stay', () => {
    const docs = [doc('a', '{}\n'), doc('b', '{}\n'), doc('c', '[]\n'), doc('d', ''), doc('e', '')];
    const { kept, report } = dedupDocs(docs);
    assert.deepEqual(kept.map((d) => d.id), ['a', 'c', 'd']);
    assert.ok(report.dropped.every((d) => d.reason === 'exact_duplicate'));
  });

  it('accepts a custom rank', () => {
    const docs = [doc('a/ring.c', src, { size: 1 }), doc('b/ring.c', src, { size: 2 })];
    const { kept } = dedupDocs(docs, { rankOf: (d) => ({ id: d.id, licenseType: 'other', stars: d.meta.size as number, forks: 0 }) });
    assert.deepEqual(kept.map((d) => d.id), ['b/ring.c']);
  });
});
