import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FOREACH_BATCH, FOREACH_PER_WORKER, FOREACH_SPREAD, FOREACH_WIDE_BATCH, foreachGroupSize } from '../../protocol/mesh.js';
import { PART_SIZE } from '../../store/kv-parts.js';

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

  it('a wide foreach on a pool of few waiting workers travels in larger messages; many workers keep the narrow size', () => {
    assert.equal(foreachGroupSize(10_000, 2), FOREACH_WIDE_BATCH, 'two workers: 40 messages of 256 instead of 157 of 64');
    assert.equal(foreachGroupSize(10_000, 4), 128);
    assert.equal(foreachGroupSize(10_000, 20), FOREACH_BATCH, 'twenty workers: every one gets several messages of the narrow size');
    assert.equal(foreachGroupSize(4_000, 1), foreachGroupSize(4_000), 'a foreach that does not fill narrow messages is sized by its width alone');
  });

  it('with waiting workers: whole parts of task records, FOREACH_PER_WORKER messages per worker at least, never fewer messages than without', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 500 }), (count, waiting) => {
      const size = foreachGroupSize(count, waiting);
      const narrow = foreachGroupSize(count);
      assert.ok(Number.isInteger(size) && size >= narrow && size <= FOREACH_WIDE_BATCH);
      if (size > narrow) {
        assert.equal(size % PART_SIZE, 0);
        assert.ok(Math.floor(count / size) >= Math.min(FOREACH_PER_WORKER * waiting, count / FOREACH_BATCH), `${count}/${size} for ${waiting}`);
        assert.ok(Math.floor(count / size) >= FOREACH_SPREAD / 2);
      }
    }));
  });
});
