import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { encodeMessage, STREAMS, SUBJECTS } from '../../protocol/mesh.js';
import { example, fixture } from '../harness/flows.js';
import { deadLetters, TestMesh } from '../harness/mesh.js';

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

  it('hands back task and control messages no process can use, without holding up a run, then moves them to MESH_DEAD saying why', async () => {
    const js = jetstream(await mesh.connection());
    const jsm = await js.jetstreamManager();
    const deadBefore = (await jsm.streams.info(STREAMS.dead)).state.last_seq;
    await mesh.worker(2);
    const garbage = new Uint8Array([0xc1, 0xff, 0x00, 0x13]);
    const unknownSchema = new TextEncoder().encode('{"schema":"mesh.v9.task"}');
    const ghost = encodeMessage({
      schema: 'mesh.v1.task',
      specs: [{ schema: 'mesh.v1.task.spec', flow: 'Ghost', run: 'no-such-run', step: 'start', task: '0', attempt: 0, code: '0'.repeat(64), className: 'Ghost', foreach: [], transition: { type: 'end' }, isJoin: false, inherit: {}, params: {} }],
      policy: { attempts: 1, delayMs: 0 },
    });
    const sent: Array<[string, number, Uint8Array, RegExp]> = [];
    for (const [data, why] of [[garbage, /undecodable/], [unknownSchema, /undecodable|schema/], [ghost, /run/]] as const) {
      sent.push([STREAMS.tasks, (await js.publish(SUBJECTS.task('default'), data)).seq, data, why]);
    }
    const badResult = new Uint8Array([1, 2, 3]);
    sent.push([STREAMS.control, (await js.publish(SUBJECTS.result, badResult)).seq, badResult, /undecodable/]);

    const final = await mesh.follow(await mesh.submit(example('hello')));
    assert.equal(final.status, 'succeeded', 'messages no one can use do not hold up a run');

    // Handed back with growing delays, never dropped: at delivery MESH_MAX_DELIVER (3) the worker or
    // coordinator holding it makes it a dead letter, the same bytes, with where it was and why.
    const dead = await deadLetters(jsm, deadBefore + 1, sent.length);
    for (const [stream, seq, data, why] of sent) {
      const d = dead.get(`${stream}/${seq}`);
      assert.ok(d, `${stream} message ${seq} is in ${STREAMS.dead} (${[...dead.keys()].join(', ')})`);
      assert.ok(Buffer.from(d.data).equals(data), `${stream} message ${seq}: the same bytes`);
      assert.match(d.reason, why, 'the process that gave up on it says why');
    }
    assert.equal((await jsm.streams.info(STREAMS.tasks)).state.messages, 0, 'out of the task queue');
    assert.equal((await jsm.streams.info(STREAMS.control)).state.messages, 0, 'out of the control queue');
  });
});
