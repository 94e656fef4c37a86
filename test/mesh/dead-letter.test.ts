import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { fixture } from '../harness/flows.js';
import { TestMesh } from '../harness/mesh.js';

// Give up on a message after 3 deliveries, redelivering after 2 s: set before any consumer exists.
process.env.MESH_ACK_WAIT_MS = '2000';
process.env.MESH_MAX_DELIVER = '3';

let mesh: TestMesh;
before(async () => {
  mesh = await TestMesh.start();
  await mesh.coordinator();
});
after(() => mesh.stop());

describe('mesh - dead letters', () => {
  it('a task that kills every worker taking it is dead-lettered after max deliveries and the run fails naming it', async () => {
    const submitted = await mesh.submit(fixture('killer'));
    const done = mesh.follow(submitted);
    let finished = false;
    void done.finally(() => { finished = true; });
    // Keep a worker alive: each one that takes the task dies.
    let workers = 0;
    while (!finished && workers < 6) {
      const w: ChildProcess = mesh.spawn('worker', '--concurrency', '1');
      workers++;
      await new Promise<void>((resolve) => {
        w.once('exit', () => resolve());
        void done.finally(() => resolve());
      });
    }
    const final = await done;
    assert.equal(final.status, 'failed');
    assert.deepEqual(final.failed, [`Killer/${final.run}/boom/0`]);
    const rec = await mesh.task(final, 'boom');
    assert.equal(rec.attempts.at(-1)?.errorName, 'DeadLetter');
    assert.match(rec.attempts.at(-1)!.error!, /delivered 3 times/);
    const jsm = await jetstream(await mesh.connection()).jetstreamManager();
    assert.equal((await jsm.streams.info('MESH_DEAD')).state.messages, 1);
    assert.equal((await jsm.streams.info('MESH_TASKS')).state.messages, 0);
  });
});
