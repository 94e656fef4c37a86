import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collisionProbability, falseNegativeArea, falsePositiveArea, integrate, optimalBandsRows } from '../../../ops/dedup/index.js';
import { ipow } from '../../../ops/dedup/lsh.js';

describe('dedup lsh - choosing bands and rows', () => {
  it('integrates smooth functions to high accuracy', () => {
    assert.ok(Math.abs(integrate((x) => x * x, 0, 1) - 1 / 3) < 1e-12);
    assert.ok(Math.abs(integrate(Math.sin, 0, Math.PI) - 2) < 1e-7);
    assert.equal(integrate((x) => x, 1, 1), 0);
    assert.equal(ipow(0.5, 10), 1 / 1024);
    assert.equal(ipow(3, 0), 1);
  });

  it('puts the S-curve knee near the threshold for 0.5, 0.7 and 0.85', () => {
    let previousRows = 0;
    for (const threshold of [0.5, 0.7, 0.85]) {
      const { bands, rows } = optimalBandsRows(threshold, 256);
      assert.ok(bands * rows <= 256, `${bands} × ${rows} fits 256 permutations`);
      assert.ok(bands * rows >= 200, `${bands} × ${rows} uses most permutations`);
      const knee = Math.pow(1 / bands, 1 / rows);
      assert.ok(Math.abs(knee - threshold) < 0.05, `knee ${knee} for threshold ${threshold}`);
      // Pairs well above the threshold almost always collide; pairs well below rarely do.
      assert.ok(collisionProbability(Math.min(threshold + 0.15, 1), bands, rows) > 0.95);
      assert.ok(collisionProbability(threshold - 0.2, bands, rows) < 0.1);
      assert.ok(rows > previousRows, 'a higher threshold needs more rows per band');
      previousRows = rows;
    }
  });

  it('finds the known optimum for 0.7 with 256 permutations, and beats its neighbours', () => {
    const best = optimalBandsRows(0.7, 256);
    assert.deepEqual([best.bands, best.rows], [25, 10]);
    const error = (b: number, r: number) => 0.5 * falsePositiveArea(0.7, b, r) + 0.5 * falseNegativeArea(0.7, b, r);
    for (const [b, r] of [[24, 10], [26, 9], [21, 12], [32, 8], [16, 16]] as const) assert.ok(error(25, 10) < error(b, r), `${b}×${r}`);
  });

  it('trades false negatives for false positives when asked', () => {
    const balanced = optimalBandsRows(0.7, 256);
    const fewerMisses = optimalBandsRows(0.7, 256, 0.1, 0.9);
    assert.ok(fewerMisses.falseNegative < balanced.falseNegative);
    assert.ok(fewerMisses.falsePositive > balanced.falsePositive);
  });

  it('stays within smaller permutation budgets', () => {
    for (const numPerm of [16, 64, 128]) {
      const { bands, rows } = optimalBandsRows(0.7, numPerm);
      assert.ok(bands * rows <= numPerm && bands >= 1 && rows >= 1);
    }
  });
});
