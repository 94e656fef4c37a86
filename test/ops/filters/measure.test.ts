import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { measureText, mergeSpans } from '../../../ops/filters/index.js';
import { base64Blob, cByteArray, hexDump, NORMAL_C, NORMAL_PY, NORMAL_TS, randomBytes, unicodeEscapes } from './fixtures.js';

/** The obvious, slow definitions the single pass must agree with. */
function reference(text: string) {
  const lines = text.length === 0 ? [] : text.replace(/\n$/, '').split('\n').map((l) => l.replace(/\r$/, ''));
  const points = [...text];
  return {
    lines: lines.length,
    maxLineLength: Math.max(0, ...lines.map((l) => l.length)),
    avgLineLength: lines.length === 0 ? 0 : lines.reduce((n, l) => n + l.length, 0) / lines.length,
    letters: points.filter((p) => /\p{L}/u.test(p)).length,
    digits: points.filter((p) => /[0-9]/.test(p)).length,
  };
}

describe('filters measure - lines and characters', () => {
  it('counts lines like splitlines: a final line break does not start another line', () => {
    for (const [text, lines] of [['', 0], ['a', 1], ['a\n', 1], ['a\n\nb', 3], ['\n', 1], ['a\r\nb\r\n', 2]] as const) {
      assert.equal(measureText(text).lines, lines, JSON.stringify(text));
    }
  });

  it('measures line lengths without line breaks, CRLF included', () => {
    const m = measureText('abcd\r\nef\nghijkl');
    assert.deepEqual([m.maxLineLength, m.avgLineLength], [6, 4]);
  });

  it('counts letters in any script, and digits', () => {
    const m = measureText('é中x1 2😀𝒜');
    assert.deepEqual([m.letters, m.digits], [4, 2], 'é, 中, x and 𝒜 (astral) are letters; the emoji is not');
    assert.equal(m.alphaFraction, 4 / 'é中x1 2😀𝒜'.length);
  });

  it('agrees with the reference on arbitrary text', () => {
    const alphabet = ['a', 'Z', '7', ' ', '\n', '\r\n', '\t', '{', '_', 'é', '中', '😀', '+', '/', '='];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 300 }), (parts) => {
        const text = parts.join('');
        const m = measureText(text);
        const r = reference(text);
        assert.deepEqual({ lines: m.lines, maxLineLength: m.maxLineLength, letters: m.letters, digits: m.digits }, { lines: r.lines, maxLineLength: r.maxLineLength, letters: r.letters, digits: r.digits });
        assert.ok(Math.abs(m.avgLineLength - r.avgLineLength) < 1e-9);
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});

describe('filters measure - encoded data', () => {
  it('finds nothing in ordinary code', () => {
    for (const text of [NORMAL_TS, NORMAL_PY, NORMAL_C]) assert.equal(measureText(text).encodedChars, 0);
  });

  it('measures a wrapped base64 blob as one run, from its first to its last character', () => {
    const text = base64Blob();
    const b64 = randomBytes(3000, 2).toString('base64');
    const start = text.indexOf(b64.slice(0, 76));
    const end = text.indexOf(b64.slice(-20)) + 20;
    const m = measureText(text);
    assert.equal(m.encodedMaxRun, end - start);
    assert.equal(m.encodedChars, end - start);
  });

  it('needs 64 characters mixing case or digits for base64', () => {
    const sixtyFour = randomBytes(48, 9).toString('base64');
    assert.equal(measureText(`x = "${sixtyFour}"`).encodedChars, 64);
    assert.equal(measureText(`x = "${sixtyFour.slice(1)}"`).encodedChars, 0);
    assert.equal(measureText(`${'='.repeat(80)}\n${'abcdefgh'.repeat(10)}`).encodedChars, 0, 'separator lines and long lowercase words are not base64');
    assert.equal(measureText(`a = "${sixtyFour}";\nnext line of code`).encodedChars, 64, 'a run ends at a line that is not base64');
  });

  it('joins base64 lines only across one line break and indentation', () => {
    const line = randomBytes(45, 10).toString('base64'); // 60 characters
    assert.equal(measureText(`${line}\n    ${line}\n`).encodedMaxRun, 60 * 2 + 5);
    assert.equal(measureText(`${line}\r\n${line}`).encodedMaxRun, 122);
    assert.equal(measureText(`${line}\n\n${line}`).encodedMaxRun, 0, 'a blank line ends the run; 60 alone is too short');
  });

  it('finds hex dumps, byte arrays and \\x escapes, but not tables of decimal numbers', () => {
    const dump = measureText(hexDump());
    assert.ok(dump.encodedFraction > 0.6 && dump.encodedMaxRun < 100, `hexdump: ${dump.encodedFraction}`);
    const array = measureText(cByteArray());
    assert.ok(array.encodedMaxRun > 10_000, 'a C byte array is one long run over its lines');
    const escaped = `s = "${[...randomBytes(300, 6)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}"`;
    assert.equal(measureText(escaped).encodedMaxRun, 1200);
    assert.equal(measureText('7f45 4c46 0201 0100 0000 0000 0000 0000  .ELF').encodedMaxRun, 39, 'xxd groups');
    assert.equal(measureText(`int t[] = {${Array.from({ length: 200 }, (_, i) => String(10 + (i % 90))).join(', ')}};`).encodedChars, 0);
    assert.equal(measureText('0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a, 0x79').encodedChars, 0, 'seven tokens are not a run');
    assert.equal(measureText('0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x6a, 0x79, 0x88').encodedChars, 46);
    const suffixed = '0x1fu, 0x2eUL, 0x3d, 0x4c, 0x5b, 0x6a, 0x79, 0x88L';
    assert.equal(measureText(suffixed).encodedChars, suffixed.length, 'C suffixes');
    assert.equal(measureText('add bad cafe face dead beef fade deed').encodedChars, 0, 'odd-length words break a run of hex-looking words');
  });

  it('finds runs of \\u escapes', () => {
    const m = measureText(unicodeEscapes());
    assert.ok(m.encodedFraction > 0.7, `${m.encodedFraction}`);
    assert.equal(measureText('"\\u4f60\\u597d\\u4e16\\u754c\\u4f60\\u597d\\u4e16"').encodedChars, 0, 'seven escapes are not a run');
    assert.equal(measureText('"\\u4f60\\u597d\\u4e16\\u754c\\u4f60\\u597d\\u4e16\\u754c"').encodedChars, 48);
  });

  it('merges overlapping spans before measuring', () => {
    assert.deepEqual(mergeSpans([10, 20, 0, 5, 15, 30, 30, 31, 40, 41]), { covered: 27, longest: 21 });
    assert.deepEqual(mergeSpans([]), { covered: 0, longest: 0 });
  });
});
