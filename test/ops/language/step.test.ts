import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PipelineStats, runPipeline, type Doc } from '../../../ops/pipeline.js';
import { languageStep } from '../../../ops/language/index.js';

const doc = (path: string, content: string): Doc => ({ id: path, path, content, meta: {} });

describe('language step - labels and drops with reasons', () => {
  it('labels source files with their language and kind', () => {
    const out = runPipeline([languageStep()], doc('src/lib.rs', 'fn main() {}\n'), new PipelineStats());
    assert.equal(out?.meta.language, 'Rust');
    assert.equal(out?.meta.language_type, 'programming');
  });

  it('drops vendored, generated and unrecognised files, counting each reason', () => {
    const stats = new PipelineStats();
    const step = [languageStep()];
    runPipeline(step, doc('node_modules/left-pad/index.js', 'module.exports = 1;\n'), stats);
    runPipeline(step, doc('dist/app.min.js', `var a=${'1+'.repeat(5000)}1;`), stats);
    runPipeline(step, doc('data/blob.zzqq', 'whatever\n'), stats);
    runPipeline(step, doc('main.go', 'package main\n'), stats);
    assert.deepEqual(stats.toJSON().dropped, { 'language:generated': 1, 'language:unknown': 1, 'language:vendored': 1 });
    assert.equal(stats.docsOut, 1);
  });

  it('keeps what the options say to keep', () => {
    const stats = new PipelineStats();
    const out = runPipeline([languageStep({ dropVendored: false })], doc('vendor/lib/x.c', 'int x;\n'), stats);
    assert.equal(out?.meta.language, 'C');
    assert.equal(out?.meta.vendored, true);
  });
});
