import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FOREACH_BATCH, FOREACH_SPREAD, foreachGroupSize } from '../../protocol/mesh.js';

describe('protocol - foreach partitions per task message', () => {
  it('a narrow foreach travels one partition to a message, a wide one fills messages up to FOREACH_BATCH', () => {
    assert.equal(foreachGroupSize(6), 1, 'six heavy partitions go to six messages, so every worker can take one');
    assert.equal(foreachGroupSize(FOREACH_SPREAD * 2), 2);
    assert.equal(foreachGroupSize(10_000), FOREACH_BATCH);
  });

  it('any width gives at least min(count, FOREACH_SPREAD) messages of at most FOREACH_BATCH partitions', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000 }), (count) => {
      const size = foreachGroupSize(count);
      assert.ok(Number.isInteger(size) && size >= 1 && size <= FOREACH_BATCH);
      assert.ok(Math.ceil(count / size) >= Math.min(count, FOREACH_SPREAD));
    }));
  });
});
