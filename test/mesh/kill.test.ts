import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fixture, runToEnd, tempDir } from '../harness/flows.js';
import { StoredRun } from '../harness/read.js';
import { TestMesh } from '../harness/mesh.js';
import type { MeshEvent } from '../../protocol/mesh.js';

// Redelivery after 3 s instead of 30 s, for every consumer this file's processes create.
process.env.MESH_ACK_WAIT_MS = '3000';

const local = tempDir('mesh-kill-');
let mesh: TestMesh;
let expected: Record<string, Record<string, string>>;
// 128 partitions travel two to a task message (foreachGroupSize: a foreach this narrow is sized by its
// width alone): a kill loses messages of several.
const PARAMS = { n: 128, ms: 60 };

before(async () => {
  mesh = await TestMesh.start();
  const { record } = await runToEnd(fixture('slow'), { store: local.path, params: PARAMS });
  const stored = new StoredRun(local.path, record.flow, record.run);
  expected = {};
  for (const step of await stored.steps()) {
    for (const task of await stored.tasks(step)) expected[`${step}/${task}`] = (await stored.task(step, task)).artifacts;
  }
});
after(async () => {
  await mesh.stop();
  local.remove();
});

function killed(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

async function whenStarted(events: MeshEvent[], count: number): Promise<void> {
  while (events.filter((e) => e.type === 'task.started' && e.step === 'work').length < count) await new Promise((r) => setTimeout(r, 20));
}

describe('mesh - kill -9', () => {
  it('of a worker mid-task: the run still succeeds with the same digests', async () => {
    const coordinator = mesh.spawn('coordinator');
    const doomed = mesh.spawn('worker', '--concurrency', '2');
    mesh.spawn('worker', '--concurrency', '2');
    const events: MeshEvent[] = [];
    const submitted = await mesh.submit(fixture('slow'), PARAMS);
    const done = mesh.follow(submitted, events);
    await whenStarted(events, 6);
    await killed(doomed);
    mesh.spawn('worker', '--concurrency', '2');
    const final = await done;
    assert.equal(final.status, 'succeeded', JSON.stringify(final.failed));
    assert.deepEqual(await mesh.allArtifacts(final), expected);
    await killed(coordinator);
  });

  it('of a coordinator mid-run, with a second one running: the run succeeds with the same digests', async () => {
    const a = mesh.spawn('coordinator');
    mesh.spawn('coordinator');
    const events: MeshEvent[] = [];
    const submitted = await mesh.submit(fixture('slow'), PARAMS);
    const done = mesh.follow(submitted, events);
    await whenStarted(events, 6);
    await killed(a);
    const final = await done;
    assert.equal(final.status, 'succeeded', JSON.stringify(final.failed));
    assert.deepEqual(await mesh.allArtifacts(final), expected);
  });

  it('of the only coordinator, restarted: the run succeeds with the same digests', async () => {
    for (const p of mesh.processes) if (p.exitCode === null && p.spawnargs.includes('coordinator')) await killed(p);
    const only = mesh.spawn('coordinator');
    const events: MeshEvent[] = [];
    const submitted = await mesh.submit(fixture('slow'), PARAMS);
    const done = mesh.follow(submitted, events);
    await whenStarted(events, 6);
    await killed(only);
    mesh.spawn('coordinator');
    const final = await done;
    assert.equal(final.status, 'succeeded', JSON.stringify(final.failed));
    assert.deepEqual(await mesh.allArtifacts(final), expected);
  });
});

describe('mesh - SIGTERM', () => {
  it('drains a worker: it stops taking tasks, finishes those it holds, then exits 0', async () => {
    for (const p of mesh.processes) if (p.exitCode === null) await killed(p);
    mesh.spawn('coordinator');
    const draining = mesh.spawn('worker', '--concurrency', '2');
    const events: MeshEvent[] = [];
    const submitted = await mesh.submit(fixture('slow'), { n: 6, ms: 1200 });
    const done = mesh.follow(submitted, events);
    await whenStarted(events, 2);
    const exit = new Promise<number | null>((resolve) => draining.once('exit', (code) => resolve(code)));
    draining.kill('SIGTERM');
    assert.equal(await exit, 0);
    // The two tasks it held finished on their first delivery; the rest wait for another worker.
    const finishedBeforeExit = events.filter((e) => e.type === 'task.finished' && e.step === 'work').length;
    assert.equal(finishedBeforeExit >= 2, true, `only ${finishedBeforeExit} finished`);
    mesh.spawn('worker', '--concurrency', '2');
    const final = await done;
    assert.equal(final.status, 'succeeded');
    // Nothing was redelivered: every partition started exactly once.
    const starts = events.filter((e) => e.type === 'task.started' && e.step === 'work').map((e) => (e.type === 'task.started' ? e.task : ''));
    assert.deepEqual(starts.sort(), ['0', '1', '2', '3', '4', '5']);
  });
});
