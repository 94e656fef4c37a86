import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PipelineStats, runPipeline, type Doc } from '../../../ops/pipeline.js';
import { secretsStep } from '../../../ops/secrets/index.js';
import { noise } from './fixtures.js';

const doc = (content: string): Doc => ({ id: 'r/app.py', path: 'app.py', content, meta: {} });

describe('secrets step - redaction in a pipeline', () => {
  it('redacts the secret, records where and what without the value, and keeps the file', () => {
    const token = 'gh' + 'p_' + noise(36, 7);
    const stats = new PipelineStats();
    const out = runPipeline([secretsStep()], doc(`import os\nTOKEN = "${token}"\n`), stats);
    assert.ok(out);
    assert.equal(out.content, 'import os\nTOKEN = "<KEY>"\n');
    assert.deepEqual(out.meta.findings, [{ line: 2, kind: 'key', rule: 'github-token' }]);
    assert.ok(!JSON.stringify(out.meta).includes(token));
    assert.deepEqual(stats.toJSON().dropped, {});
  });

  it('leaves clean code untouched and adds no findings', () => {
    const clean = 'def add(a, b):\n    return a + b\n';
    const input = doc(clean);
    const out = runPipeline([secretsStep()], input, new PipelineStats());
    assert.equal(out?.content, clean);
    assert.equal(out?.meta.findings, undefined);
  });
});
