import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { scriptAnchors } from '../../../ops/secrets/anchors.js';
import { kernelAnchors } from '../../../ops/secrets/kernel.js';
import { DEFAULT_THRESHOLDS, kindOfName, scan, type Thresholds } from '../../../ops/secrets/index.js';
import { Replay } from '../../../ops/secrets/replay.js';
import { ASSIGNMENT } from '../../../ops/secrets/rules.js';
import { paths, texts, token } from './generators.js';
import { referenceKindOfName, referenceScan } from './reference.js';

describe('secrets scan - the anchored scanner finds what every rule regex over the whole text finds', () => {
  it('on generated texts, with the default thresholds (the WebAssembly kernel)', () => {
    fc.assert(
      fc.property(texts, paths, (text, path) => {
        assert.deepEqual(scan(text, { path }), referenceScan(text, { path }));
      }),
      { numRuns: 3000 },
    );
  });

  it('on generated texts, with other thresholds (below 15 the JavaScript anchors take over)', () => {
    const thresholds = fc.record({
      minLength: fc.constantFrom(1, 4, 8, 14, 15, 16, 24, 40),
      base64: fc.constantFrom(0, 2.5, 3.5, 4.5, 5),
      hex: fc.constantFrom(0, 2, 3, 3.5),
    });
    fc.assert(
      fc.property(texts, paths, thresholds, (text, path, t: Required<Thresholds>) => {
        assert.deepEqual(scan(text, { path, thresholds: t }), referenceScan(text, { path, thresholds: t }));
      }),
      { numRuns: 1500 },
    );
  });

  it('on texts made of repeated pieces, where the regexes consume what the anchors see twice', () => {
    const repeated = fc.tuple(fc.array(token, { minLength: 1, maxLength: 4 }), fc.integer({ min: 2, max: 40 })).map(([parts, n]) => parts.join('').repeat(n));
    fc.assert(
      fc.property(repeated, (text) => {
        assert.deepEqual(scan(text), referenceScan(text));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('secrets anchors - the WebAssembly kernel and its JavaScript twin agree', () => {
  const same = (text: string, thresholds: Required<Thresholds>) => {
    const kernel = kernelAnchors(text, thresholds);
    assert.ok(kernel, 'the kernel runs here');
    const copy = { runs: [...kernel.runs], hits: [...kernel.hits], names: [...kernel.names], newlines: [...kernel.newlines] };
    const script = scriptAnchors(text, thresholds);
    assert.deepEqual(copy, { runs: [...script.runs], hits: [...script.hits], names: [...script.names], newlines: [...script.newlines] });
  };

  it('on generated texts of every length around the 16-byte blocks', () => {
    fc.assert(
      fc.property(texts, fc.integer({ min: 0, max: 40 }), (text, pad) => same('x'.repeat(pad) + text, DEFAULT_THRESHOLDS)),
      { numRuns: 3000 },
    );
  });

  it('on arbitrary UTF-16, lone surrogates and all', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => same(text, DEFAULT_THRESHOLDS)), { numRuns: 2000 });
  });
});

describe('secrets rules - kindOfName reads words without regexes, as it did with them', () => {
  it('on generated names', () => {
    const name = fc.array(fc.constantFrom('pass', 'Pass', 'PASS', 'word', 'Word', 'key', 'Key', 'KEY', 'api', 'API', 'secret', 'token', 'Token', 'auth', 'signing', 'x', '2', '_', '.', '-', '$', 'wd', 'phrase'), { maxLength: 6 });
    fc.assert(fc.property(name, (parts) => assert.equal(kindOfName(parts.join('')), referenceKindOfName(parts.join('')))), { numRuns: 3000 });
  });
});

describe('secrets assignments - the replay tells what the global regex covers', () => {
  const covering = (text: string) => [...text.matchAll(ASSIGNMENT)].map((m) => [m.index, m.index + m[0].length] as const);
  const check = (text: string, every: number) => {
    const matches = covering(text);
    const replay = new Replay(text);
    for (let at = 0; at < text.length; at += every) {
      const expected = matches.some(([s, e]) => s < at && at < e);
      assert.equal(replay.covered(at), expected, `at ${at} of ${JSON.stringify(text)}`);
    }
  };

  it('at every position of generated texts, and at every few', () => {
    fc.assert(fc.property(texts, fc.integer({ min: 1, max: 7 }), (text, every) => check(text, every)), { numRuns: 3000 });
  });

  it('in texts of assignments glued on one line, where matches chain', () => {
    const glued = fc.array(fc.constantFrom('a=', 'b: "', 'password', '"', "'", ':', '=', ' ', '\n', 'x.y-z', '1', '1a.b', '9$-c', '$v', '\\"', '=>', ':=', '\u2028'), { maxLength: 80 });
    fc.assert(fc.property(glued, fc.integer({ min: 1, max: 5 }), (parts, every) => check(parts.join(''), every)), { numRuns: 3000 });
  });
});
