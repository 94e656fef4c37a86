import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DedupOptionsError, DEFAULT_DEDUP_OPTIONS, resolveDedupOptions } from '../../../ops/dedup/index.js';

const rejects = (options: object, field: string, message: RegExp) =>
  assert.throws(() => resolveDedupOptions(options), (e: unknown) => e instanceof DedupOptionsError && e.field === field && e.nonRetryable && message.test(e.message));

describe('dedup options - defaults and validation', () => {
  it('resolves The Stack v2 defaults', () => {
    const o = resolveDedupOptions();
    assert.deepEqual(
      [o.mode, o.threshold, o.numPerm, o.ngram, o.bands, o.rows, o.shufflePartitions, o.scanPartitions],
      ['both', 0.7, 256, 5, 25, 10, 1, 0],
    );
    assert.equal(o.seed, DEFAULT_DEDUP_OPTIONS.seed);
    assert.equal(resolveDedupOptions(o), o, 'resolved options pass through');
  });

  it('names the field of every rule it enforces', () => {
    rejects({ mode: 'fuzzy' }, 'mode', /must be one of exact, near, both/);
    rejects({ threshold: 0 }, 'threshold', /must be a number in \(0, 1\]/);
    rejects({ threshold: 1.5 }, 'threshold', /\(0, 1\]/);
    rejects({ numPerm: 0 }, 'numPerm', /integer in \[1, 4096\]/);
    rejects({ numPerm: 12.5 }, 'numPerm', /integer/);
    rejects({ ngram: 0 }, 'ngram', /integer in \[1, 64\]/);
    rejects({ seed: -1 }, 'seed', /integer in \[0, 4294967295\]/);
    rejects({ falsePositiveWeight: -1 }, 'falsePositiveWeight', /non-negative/);
    rejects({ falsePositiveWeight: 0, falseNegativeWeight: 0 }, 'falsePositiveWeight', /must not both be 0/);
    rejects({ shufflePartitions: 0 }, 'shufflePartitions', /integer in \[1, 65536\]/);
    rejects({ scanPartitions: 0 }, 'scanPartitions', /positive integer/);
    rejects({ bands: 10 }, 'rows', /together with bands/);
    rejects({ rows: 10 }, 'bands', /together with rows/);
    rejects({ bands: 30, rows: 10 }, 'bands', /× rows must not exceed numPerm \(256\)/);
    rejects({ rankOf: 'stars' }, 'rankOf', /must be a function/);
  });

  it('takes explicit bands and rows, and changes the fingerprint with anything that changes the bytes', () => {
    const o = resolveDedupOptions({ bands: 16, rows: 16 });
    assert.deepEqual([o.bands, o.rows], [16, 16]);
    const base = resolveDedupOptions().fingerprint;
    for (const change of [{ threshold: 0.8 }, { numPerm: 128 }, { ngram: 4 }, { seed: 1 }, { mode: 'near' as const }, { bands: 16, rows: 16 }]) {
      assert.notEqual(resolveDedupOptions(change).fingerprint, base, JSON.stringify(change));
    }
    assert.equal(resolveDedupOptions({ shufflePartitions: 7 }).fingerprint, base, 'R is in the headers, not the fingerprint');
  });
});
