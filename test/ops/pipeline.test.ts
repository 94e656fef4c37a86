import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drop, filter, keep, PipelineStats, runPipeline, type Doc, type Step } from '../../ops/pipeline.js';

const doc = (path: string, content: string): Doc => ({ id: path, path, content, meta: {} });

const size = filter('size', (d) => (d.content.length > 10 ? 'too_large' : undefined));
const upper: Step = { name: 'upper', run: (d) => keep({ ...d, content: d.content.toUpperCase() }) };
const noBinary: Step = { name: 'binary', run: (d) => (d.content.includes('\0') ? drop('nul_byte') : keep()) };
const broken: Step = { name: 'broken', run: (d) => { if (d.path.endsWith('.bad')) throw new Error('cannot parse'); return keep(); } };

describe('ops - pipeline', () => {
  it('passes kept documents through every step, changed by them, and counts in and out per step', () => {
    const stats = new PipelineStats();
    const out = runPipeline([size, upper, noBinary], doc('a.js', 'let a'), stats);
    assert.equal(out?.content, 'LET A');
    assert.deepEqual(stats.toJSON().steps.upper, { in: 1, out: 1, ms: stats.toJSON().steps.upper!.ms });
    assert.equal(stats.docsOut, 1);
  });

  it('counts every drop under step:reason and stops at the first step that drops', () => {
    const stats = new PipelineStats();
    runPipeline([size, upper, noBinary], doc('big.js', 'x'.repeat(11)), stats);
    runPipeline([size, upper, noBinary], doc('bin.js', 'a\0b'), stats);
    runPipeline([size, upper, noBinary], doc('ok.js', 'fine'), stats);
    const json = stats.toJSON();
    assert.deepEqual(json.dropped, { 'binary:nul_byte': 1, 'size:too_large': 1 });
    assert.equal(json.in, 3);
    assert.equal(json.out, 1);
    assert.equal(json.steps.upper!.in, 2);
  });

  it('drops a document whose step throws, with the reason recorded, and goes on with the next', () => {
    const stats = new PipelineStats();
    const bad = doc('x.bad', 'zzz');
    assert.equal(runPipeline([broken, upper], bad, stats), undefined);
    assert.equal(bad.meta.error, 'broken: cannot parse');
    assert.equal(runPipeline([broken, upper], doc('x.ok', 'zzz'), stats)?.content, 'ZZZ');
    assert.deepEqual(stats.toJSON().dropped, { 'broken:error': 1 });
  });

  it('merges partition stats into the same totals in any order, serialized with sorted keys', () => {
    const a = new PipelineStats();
    const b = new PipelineStats();
    runPipeline([size, noBinary], doc('1', 'x'.repeat(20)), a);
    runPipeline([size, noBinary], doc('2', 'ok'), b);
    runPipeline([size, noBinary], doc('3', '\0'), b);
    const ab = new PipelineStats().merge(a).merge(b).toJSON();
    const ba = new PipelineStats().merge(b.toJSON()).merge(a.toJSON()).toJSON();
    const strip = (j: typeof ab) => ({ ...j, steps: Object.fromEntries(Object.entries(j.steps).map(([k, v]) => [k, { in: v.in, out: v.out }])) });
    assert.deepEqual(strip(ab), strip(ba));
    assert.equal(JSON.stringify(Object.keys(ab.dropped)), JSON.stringify(['binary:nul_byte', 'size:too_large']));
    assert.deepEqual(strip(PipelineStats.fromJSON(ab).toJSON()), strip(ab));
  });
});
