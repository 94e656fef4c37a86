import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError, compareTaskIds, parsePathspec, parseRunRef } from '../../client/index.js';

const RUN = '20261127T174512123-a3f0';

describe('client - pathspecs', () => {
  it('splits every depth of pathspec', () => {
    assert.deepEqual(parsePathspec(`Fanout/${RUN}`), { flow: 'Fanout', run: RUN });
    assert.deepEqual(parsePathspec(`Fanout/${RUN}/process/3.1`, 'task'), { flow: 'Fanout', run: RUN, step: 'process', task: '3.1' });
    assert.deepEqual(parsePathspec(`Fanout/${RUN}/process/3/total`, 'artifact'), {
      flow: 'Fanout', run: RUN, step: 'process', task: '3', artifact: 'total',
    });
  });

  it('says which shape it expected when the depth is wrong', () => {
    assert.throws(() => parsePathspec(`Fanout/${RUN}/process`, 'task'), (err: Error) =>
      err instanceof UsageError && err.message === `pathspec 'Fanout/${RUN}/process' names a step: expected Flow/run/step/task`);
    assert.throws(() => parsePathspec('Fanout', 'task'), /names no run: expected Flow\/run\/step\/task/);
    assert.throws(() => parsePathspec(`Fanout/${RUN}/a/0/b/c`), /has 6 parts/);
    assert.throws(() => parsePathspec(''), /the pathspec is empty/);
  });

  it('says which part is wrong', () => {
    assert.throws(() => parsePathspec(`Fanout/${RUN}/process/x`, 'task'), /'x' is not a task id/);
    assert.throws(() => parsePathspec(`Fanout/${RUN}//0`, 'task'), /has an empty part/);
    assert.throws(() => parsePathspec(`9lives/${RUN}`), /'9lives' is not a flow name/);
    assert.throws(() => parsePathspec('Fanout/..'), /'\.\.' is not a run id/);
    // Names a store cannot hold are refused here, not later as a key error.
    assert.throws(() => parsePathspec('Fanout/r.1'), /'r\.1' is not a run id/);
    assert.throws(() => parsePathspec('Fanout/r=1'), /'r=1' is not a run id/);
    assert.throws(() => parsePathspec(`Fanout/${RUN}/3step/0`), /'3step' is not a step name/);
  });

  it('takes a run as Flow/run or a bare id', () => {
    assert.deepEqual(parseRunRef(RUN), { run: RUN });
    assert.deepEqual(parseRunRef(`Fanout/${RUN}`), { flow: 'Fanout', run: RUN });
    assert.throws(() => parseRunRef(`Fanout/${RUN}/start`), UsageError);
  });

  it('orders task ids by foreach indices as numbers', () => {
    assert.deepEqual(['10', '2', '3.1', '3', '3.0', '1.10', '1.9'].sort(compareTaskIds), ['1.9', '1.10', '2', '3', '3.0', '3.1', '10']);
  });
});
