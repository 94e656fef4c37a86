import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { example, fixture, runToEnd, tempDir } from '../harness/flows.js';
import { StoredRun } from '../harness/read.js';
import { TestMesh } from '../harness/mesh.js';
import { encodeMessage, SUBJECTS, type MeshEvent, type TaskResultMessage } from '../../protocol/mesh.js';
import { jetstream } from '@nats-io/jetstream';
import { followRun } from '../../coordinator/mesh-client.js';

const local = tempDir('mesh-vs-embedded-');
let mesh: TestMesh;

before(async () => {
  mesh = await TestMesh.start();
  await mesh.coordinator();
  await mesh.worker(2, 'w1');
  await mesh.worker(2, 'w2');
});
after(async () => {
  await mesh.stop();
  local.remove();
});

/** Artifacts of every task of an embedded run, as `step/task` -> name -> digest. */
async function embeddedArtifacts(file: string, params: Record<string, unknown>) {
  const { record } = await runToEnd(file, { store: local.path, params });
  const stored = new StoredRun(local.path, record.flow, record.run);
  const out: Record<string, Record<string, string>> = {};
  for (const step of await stored.steps()) {
    for (const task of await stored.tasks(step)) out[`${step}/${task}`] = (await stored.task(step, task)).artifacts;
  }
  return { record, artifacts: out };
}

describe('mesh - same results as embedded', () => {
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['hello (linear)', example('hello'), {}],
    ['branches (split, join, switch, mergeArtifacts)', example('branches'), {}],
    ['fanout (foreach + join)', example('fanout'), { n: 40 }],
    ['nested foreach', fixture('nested'), {}],
    ['branch and switch inside a foreach', fixture('mixed'), {}],
    ['artifact types', fixture('types'), {}],
    ['retry, timeout and catchErrors', fixture('policies'), { mode: 'timeout-once' }],
    ['empty foreach', example('fanout'), { n: 0 }],
    ['blobs by digest and large artifacts', fixture('blobs'), { n: 6, big: true }],
  ];
  for (const [name, file, params] of cases) {
    it(`${name} gives the same artifact digests on the mesh`, async () => {
      const embedded = await embeddedArtifacts(file, params);
      assert.equal(embedded.record.status, 'succeeded');
      const submitted = await mesh.submit(file, params);
      const final = await mesh.follow(submitted);
      assert.equal(final.status, 'succeeded', JSON.stringify(final.failed));
      assert.equal(final.runtime, 'mesh');
      assert.deepEqual(await mesh.allArtifacts(final), embedded.artifacts);
    });
  }
});

describe('mesh - scale and failures', () => {
  it('two workers share a 1,000-partition foreach', async () => {
    const events: MeshEvent[] = [];
    const final = await mesh.follow(await mesh.submit(example('fanout'), { n: 1000 }), events);
    assert.equal(final.status, 'succeeded');
    // start, 1,000 partitions, their join and end: every one counted, most of them from parts of records.
    const finished = events.find((e) => e.type === 'run.finished');
    assert.deepEqual(finished?.type === 'run.finished' && finished.tasks, { succeeded: 1003, failed: 0, cloned: 0 });
    const workers = new Set<string>();
    for (let i = 0; i < 1000; i += 7) workers.add((await mesh.task(final, 'sq', String(i))).attempts[0]!.worker!);
    assert.deepEqual([...workers].sort(), ['w1', 'w2']);
    assert.equal((await mesh.task(final, 'end')).artifacts.total !== undefined, true);
  });

  it('a partition that always throws fails the run naming it; replay --failed after the fix re-runs only it', async () => {
    const firstEvents: MeshEvent[] = [];
    const first = await mesh.follow(await mesh.submit(fixture('partitions'), { n: 12, bad: 5 }), firstEvents);
    assert.equal(first.status, 'failed');
    const tasksOf = (events: MeshEvent[]) => events.flatMap((e) => (e.type === 'run.finished' ? [e.tasks] : []))[0];
    assert.deepEqual(tasksOf(firstEvents), { succeeded: 12, failed: 1, cloned: 0 }, 'start and 11 partitions; the join never ran');
    assert.deepEqual(first.failed, [`Partitions/${first.run}/work/5`]);
    // The fix: the input that broke partition 5 no longer does (`bad` is a parameter).
    const events: MeshEvent[] = [];
    const second = await mesh.follow(await mesh.submit(fixture('partitions'), { n: 12, bad: -1 }, { run: first.run, failed: true }), events);
    assert.equal(second.status, 'succeeded', JSON.stringify(second.failed));
    const ran = events.filter((e) => e.type === 'task.finished' && e.status === 'succeeded').map((e) => e.type === 'task.finished' ? `${e.step}/${e.task}` : '').sort();
    assert.deepEqual(ran, ['collect/0', 'end/0', 'work/5']);
    assert.deepEqual(tasksOf(events), { succeeded: 3, failed: 0, cloned: 12 }, 'start and 11 partitions cloned');
    assert.equal((await mesh.task(second, 'work', '4')).status, 'cloned');
    assert.equal((await mesh.task(second, 'end')).artifacts.total !== undefined, true);
  });

  it('a duplicated result message changes nothing', async () => {
    const final = await mesh.follow(await mesh.submit(example('fanout'), { n: 5 }));
    const before = await mesh.task(final, 'sq', '2');
    const forged: TaskResultMessage = {
      schema: 'mesh.v1.task.result', flow: final.flow, run: final.run, step: 'sq', task: '2', foreach: [2], ok: true,
      artifacts: { square: 'f'.repeat(64) }, next: { steps: ['join'] },
      attempt: { attempt: 0, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), ok: true }, worker: 'intruder',
    };
    const js = jetstream(await mesh.connection());
    await js.publish(SUBJECTS.result, encodeMessage(forged), { msgID: 'a-new-id' });
    await js.publish(SUBJECTS.result, encodeMessage({ ...forged, ok: false, artifacts: {} }), { msgID: 'another-id' });
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await mesh.task(final, 'sq', '2'), before);
    const again = await (await mesh.meta()).getJson<{ status: string; finishedAt: string }>(`meta/${final.flow}/${final.run}/run`);
    assert.equal(again?.status, 'succeeded');
    assert.equal(again?.finishedAt, final.finishedAt);
  });

  it('mesh watch started mid-run ends with the run\'s status, past an event it cannot read', async () => {
    const submitted = await mesh.submit(fixture('partitions'), { n: 300, bad: 250 });
    // An event of a newer version on the run's subject, before the watcher starts.
    const nc = await mesh.connection();
    nc.publish(SUBJECTS.events(submitted.run), new TextEncoder().encode('{"type":"task.paused","v":2}'));
    await nc.flush();
    await new Promise((r) => setTimeout(r, 150));
    const events: MeshEvent[] = [];
    const skipped: number[] = [];
    const final = (await followRun({ nc, flow: submitted.flow, run: submitted.run, onEvent: (e) => events.push(e), onUndecodable: (seq) => skipped.push(seq) }))!;
    assert.equal(skipped.length, 1, 'the unreadable event was passed over once');
    assert.equal(final.status, 'failed');
    assert.equal(events[0]?.type, 'run.started', 'a late watcher still sees the run from its start');
    assert.deepEqual(events.at(-1)?.type, 'run.finished');
  });
});
