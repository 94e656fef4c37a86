import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OptOutSnapshot, optoutStep } from '../../../ops/optout/index.js';
import { filter, PipelineStats, runPipeline, type Doc } from '../../../ops/pipeline.js';

const doc = (id: string, repo?: string): Doc => ({ id, path: `${id}.py`, content: 'print(1)\n', meta: repo === undefined ? {} : { repo } });

describe('optout - pipeline step', () => {
  it('drops opted-out documents, counted as optout:opted_out, and keeps the rest', () => {
    const steps = [optoutStep(new OptOutSnapshot(['acme', 'octocat/secret'])), filter('size', (d) => (d.content.length > 100 ? 'too_large' : undefined))];
    const stats = new PipelineStats();
    const docs = [
      doc('1', 'acme/rocket'),
      doc('2', 'https://github.com/OctoCat/Secret.git'),
      doc('3', 'octocat/public'),
      doc('4', 'github.com/someone/else'),
      doc('5'),
    ];
    const kept = docs.map((d) => runPipeline(steps, d, stats)).filter((d) => d !== undefined).map((d) => d.id);
    assert.deepEqual(kept, ['3', '4', '5']);
    const json = stats.toJSON();
    assert.deepEqual(json.dropped, { 'optout:opted_out': 2 });
    assert.equal(json.steps.optout!.in, 5);
    assert.equal(json.steps.optout!.out, 3);
  });

  it('drops nothing with an empty registry', () => {
    const stats = new PipelineStats();
    runPipeline([optoutStep(new OptOutSnapshot([]))], doc('1', 'acme/rocket'), stats);
    assert.equal(stats.docsOut, 1);
    assert.deepEqual(stats.toJSON().dropped, {});
  });
});
