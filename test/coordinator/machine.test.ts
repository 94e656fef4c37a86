import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunMachine, type PlannedTask } from '../../coordinator/machine.js';
import { extractGraph } from '../../sdk/graph.js';

const FANOUT = `
import { FlowSpec, step } from 'stackmesh';
export default class F extends FlowSpec {
  @step start() { this.items = [1]; this.next(this.sq, { foreach: 'items' }); }
  @step sq() { this.next(this.join); }
  @step join(inputs) { this.next(this.end); }
  @step end() {}
}`;

const BRANCH = `
import { FlowSpec, step } from 'stackmesh';
export default class B extends FlowSpec {
  @step start() { this.next(this.a, this.b); }
  @step a() { this.next(this.join); }
  @step b() { this.next(this.join); }
  @step join(inputs) { this.next(this.end); }
  @step end() {}
}`;

describe('coordinator - run machine', () => {
  it('plans a 100,000-partition foreach lazily and starts the join only when every partition is in', () => {
    const m = new RunMachine(extractGraph(FANOUT, 'f.ts'));
    m.start();
    const [start] = m.take(10);
    m.complete(start!, { steps: ['sq'], foreach: 100_000 });
    assert.equal(m.planned.get('sq'), 100_000);
    const seen: PlannedTask[] = [];
    let join: PlannedTask | undefined;
    for (let batch = m.take(64); batch.length; batch = m.take(64)) {
      const joins = batch.filter((t) => t.step === 'join');
      if (joins.length > 0) {
        assert.equal(seen.length, 100_000, 'the join must wait for every partition');
        join = joins[0];
      }
      const partitions = batch.filter((t) => t.step === 'sq');
      if (seen.length === 0) {
        assert.deepEqual(partitions[3], { step: 'sq', task: '3', foreach: [3], parent: 'start/0', foreachInput: { field: 'items', index: 3 } });
      }
      seen.push(...partitions);
      // Finish in reverse order within a batch: the join must still list inputs by index.
      for (const t of [...partitions].reverse()) m.complete(t, { steps: ['join'] });
    }
    assert.equal(seen.length, 100_000);
    assert.ok(join);
    assert.equal(join.inputs!.length, 100_000);
    assert.equal(join.inputs![0], 'sq/0');
    assert.equal(join.inputs![99_999], 'sq/99999');
  });

  it('does not start the join while a partition is missing, and a failure leaves it unplanned', () => {
    const m = new RunMachine(extractGraph(FANOUT, 'f.ts'));
    m.start();
    m.complete(m.take(1)[0]!, { steps: ['sq'], foreach: 3 });
    const [a, b, c] = m.take(10);
    m.complete(a!, { steps: ['join'] });
    m.complete(c!, { steps: ['join'] });
    assert.equal(m.hasReady, false);
    m.fail(b!);
    assert.deepEqual(m.failed, ['sq/1']);
    assert.equal(m.hasReady, false);
  });

  it('joins a static branch with inputs in branch order, whatever order they finish in', () => {
    const m = new RunMachine(extractGraph(BRANCH, 'b.ts'));
    m.start();
    m.complete(m.take(1)[0]!, { steps: ['a', 'b'] });
    const [a, b] = m.take(10);
    m.complete(b!, { steps: ['join'] });
    assert.equal(m.hasReady, false);
    m.complete(a!, { steps: ['join'] });
    assert.deepEqual(m.take(10), [{ step: 'join', task: '0', foreach: [], inputs: ['a/0', 'b/0'] }]);
  });
});
