import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_THRESHOLDS,
  FiltersOptionsError,
  measureText,
  QUALITY_REASONS,
  qualityStep,
  qualityVerdict,
  resolveQualityOptions,
} from '../../../ops/filters/index.js';
import { PipelineStats, runPipeline, type Doc } from '../../../ops/pipeline.js';
import { base64Blob, cByteArray, hexDump, minified, NORMAL_C, NORMAL_PY, NORMAL_TS, unicodeEscapes } from './fixtures.js';

const doc = (content: string, language?: string): Doc => ({ id: 'r/f', path: 'f', content, meta: language ? { language } : {} });
const verdict = (content: string, language?: string, options = {}) => {
  const outcome = qualityStep(options).run(doc(content, language));
  return outcome.keep ? 'kept' : outcome.reason;
};

describe('filters quality - each filter drops what it should, with its reason', () => {
  it('keeps ordinary code', () => {
    for (const text of [NORMAL_TS, NORMAL_PY, NORMAL_C]) assert.equal(verdict(text), 'kept');
  });

  it('too_many_lines: more than 100,000 lines', () => {
    assert.equal(verdict('total += next;\n'.repeat(100_001)), 'too_many_lines');
    assert.equal(verdict('total += next;\n'.repeat(100_000)), 'kept');
  });

  it('avg_line_length: minified code', () => {
    assert.equal(verdict(minified()), 'avg_line_length');
    assert.equal(verdict(`${'abcdefgh '.repeat(12)}\n`.repeat(30)), 'avg_line_length', 'average 107');
  });

  it('max_line_length: one line over 1,000 characters in otherwise short lines', () => {
    const text = `${NORMAL_TS}${NORMAL_PY}${NORMAL_C}const banner = "${'Welcome to the service. '.repeat(44)}";\n`;
    assert.ok(measureText(text).avgLineLength <= 100);
    assert.equal(verdict(text), 'max_line_length');
  });

  it('alpha_fraction: mostly numbers and punctuation', () => {
    const table = Array.from({ length: 200 }, (_, i) => `${i}, ${i * 3 + 1}, ${(i * 7) % 13}, ${i % 2};`).join('\n');
    assert.ok(measureText(table).alphaFraction < 0.25);
    assert.equal(verdict(table), 'alpha_fraction');
  });

  it('encoded_data: a base64 blob, a byte array, escaped strings, a hex dump', () => {
    assert.equal(verdict(base64Blob()), 'encoded_data');
    assert.equal(verdict(unicodeEscapes()), 'encoded_data');
    // Byte arrays and dumps are also low on letters; with the alpha filter off they are still encoded data.
    for (const text of [cByteArray(), hexDump()]) {
      assert.notEqual(verdict(text), 'kept');
      assert.equal(verdict(text, undefined, { thresholds: { minAlphaFraction: 0 } }), 'encoded_data');
    }
  });

  it('checks in a fixed order, so the first failed check names the drop', () => {
    assert.deepEqual(QUALITY_REASONS, ['too_many_lines', 'avg_line_length', 'max_line_length', 'alpha_fraction', 'encoded_data']);
    const m = measureText(minified());
    assert.equal(qualityVerdict(m, DEFAULT_THRESHOLDS), 'avg_line_length');
    assert.equal(qualityVerdict(m, { ...DEFAULT_THRESHOLDS, maxAvgLineLength: Infinity }), 'max_line_length');
    assert.equal(qualityVerdict(measureText(''), DEFAULT_THRESHOLDS), undefined, 'empty text has nothing to judge');
  });
});

describe('filters quality - thresholds per language and options', () => {
  const longJson = `{"data": [${Array.from({ length: 600 }, (_, i) => `"item${i}"`).join(', ')}]}\n`;

  it("follows The Stack v2's exceptions: long lines in data and markup, digits in assembly", () => {
    assert.equal(verdict(longJson), 'avg_line_length');
    assert.equal(verdict(longJson, 'JSON'), 'kept');
    assert.equal(verdict(longJson, 'json'), 'kept', 'language names match case-insensitively');
    assert.equal(verdict(`x${'y'.repeat(100_001)}`, 'Markdown'), 'max_line_length');
    const asm = Array.from({ length: 50 }, (_, i) => `  dc.w $${(i * 4099).toString(16)},$${i}0,$${i}1`).join('\n');
    assert.equal(verdict(asm), 'alpha_fraction');
    assert.equal(verdict(asm, 'Motorola 68K Assembly'), 'kept');
  });

  it('takes configured thresholds, for all languages or one', () => {
    assert.equal(verdict(NORMAL_TS, 'TypeScript', { thresholds: { maxAvgLineLength: 20 } }), 'avg_line_length');
    assert.equal(verdict(minified(), 'JavaScript', { languages: { JavaScript: { maxAvgLineLength: Infinity, maxLineLength: Infinity } } }), 'kept');
    assert.equal(verdict(longJson, 'JSON', { languages: {} }), 'avg_line_length', 'an empty table judges every language alike');
  });

  it('counts drops per reason in the pipeline stats, and annotates kept documents when asked', () => {
    const stats = new PipelineStats();
    const step = qualityStep({ annotate: true });
    const docs = [doc(NORMAL_TS), doc(minified()), doc(base64Blob()), doc(NORMAL_PY)];
    const kept = docs.map((d) => runPipeline([step], d, stats)).filter((d) => d !== undefined);
    assert.deepEqual(stats.toJSON().dropped, { 'quality:avg_line_length': 1, 'quality:encoded_data': 1 });
    assert.equal(kept.length, 2);
    const q = kept[0]!.meta.quality as { lines: number; alphaFraction: number };
    assert.equal(q.lines, measureText(NORMAL_TS).lines);
    assert.ok(q.alphaFraction > 0.5);
    assert.equal(docs[0]!.meta.quality, undefined, 'the input document is not changed');
  });

  it('names the field of every rule it enforces', () => {
    const rejects = (options: object, field: string, message: RegExp) =>
      assert.throws(() => resolveQualityOptions(options), (e: unknown) => e instanceof FiltersOptionsError && e.field === field && e.nonRetryable && message.test(e.message));
    rejects({ name: '' }, 'name', /non-empty string/);
    rejects({ thresholds: { maxLines: -1 } }, 'thresholds.maxLines', /non-negative number/);
    rejects({ thresholds: { maxLineLength: Number.NaN } }, 'thresholds.maxLineLength', /non-negative number/);
    rejects({ thresholds: { minAlphaFraction: 1.5 } }, 'thresholds.minAlphaFraction', /in \[0, 1\]/);
    rejects({ thresholds: { maxEncodedFraction: -0.1 } }, 'thresholds.maxEncodedFraction', /in \[0, 1\]/);
    rejects({ thresholds: { alphaIncludesDigits: 'yes' } }, 'thresholds.alphaIncludesDigits', /boolean/);
    rejects({ languages: { JSON: { maxEncodedRun: -5 } } }, 'languages.JSON.maxEncodedRun', /non-negative/);
    rejects({ languages: { JSON: 7 } }, 'languages.JSON', /must be an object/);
    assert.deepEqual(resolveQualityOptions({ thresholds: { maxLines: undefined } }).thresholds, DEFAULT_THRESHOLDS);
  });
});
