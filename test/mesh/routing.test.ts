import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixture } from '../harness/flows.js';
import { TestMesh } from '../harness/mesh.js';

let mesh: TestMesh;
before(async () => {
  mesh = await TestMesh.start();
  await mesh.coordinator();
  await mesh.worker(2, 'default-worker');
});
after(() => mesh.stop());

describe('mesh - pools', () => {
  it('routes a @resources({ pool }) step to the workers of that pool only', async () => {
    const submitted = await mesh.submit(fixture('pools'));
    // Nothing can run `heavy` yet: no worker of pool 'big'.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await (await mesh.meta()).getJson(`meta/Pools/${submitted.run}/run`) as { status: string }).status, 'running');
    await mesh.worker(1, 'big-worker', 'big');
    const final = await mesh.follow(submitted);
    assert.equal(final.status, 'succeeded');
    assert.equal((await mesh.task(final, 'heavy')).attempts[0]!.worker, 'big-worker');
    assert.equal((await mesh.task(final, 'end')).attempts[0]!.worker, 'default-worker');
    assert.deepEqual(final.steps?.heavy?.resources, { pool: 'big', cpu: 2 });
  });
});

describe('mesh - failures deep inside splits', () => {
  it('a failing partition of a foreach inside a branch fails the run once every branch is in, naming it', async () => {
    const ok = await mesh.follow(await mesh.submit(fixture('deep-failure')));
    assert.equal(ok.status, 'succeeded', JSON.stringify(ok.failed));
    assert.equal((await mesh.task(ok, 'inner')).status, 'succeeded');
    const events: import('../../protocol/mesh.js').MeshEvent[] = [];
    const bad = await mesh.follow(await mesh.submit(fixture('deep-failure'), { bad: 2 }), events);
    assert.equal(bad.status, 'failed');
    assert.deepEqual(bad.failed, [`DeepFailure/${bad.run}/work/2`]);
    // The other branch ran; the joins after the failure did not.
    assert.equal((await mesh.task(bad, 'b')).status, 'succeeded');
    assert.equal(events.some((e) => e.type === 'task.started' && (e.step === 'inner' || e.step === 'outer')), false);
  });
});
