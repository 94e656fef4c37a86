/**
 * Whatever mesh process dies, the curation run ends with exactly the dataset a fault-free run gives:
 * workers killed every few seconds, coordinators killed mid-run (with another running, and the only
 * one, restarted), a worker's code cache deleted, and hostile messages on every subject mid-run.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, watch } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { Packr } from 'msgpackr';
import { encodeMessage, STREAMS, SUBJECTS, type TaskMessage, type TaskResultMessage } from '../../protocol/mesh.js';
import type { RunRecord } from '../../protocol/records.js';
import { tempDir } from '../harness/flows.js';
import { deadLetters } from '../harness/mesh.js';
import { startNats, type NatsServer } from '../harness/nats.js';
import { assertCleanRun, referenceDataset, report, STACK_FLOW, STACK_PARAMS, writeCorpus, type Dataset } from './dataset.js';
import { FaultMesh, prng, sleep, type MeshRun } from './fault-mesh.js';

// Consumers this file creates redeliver after 3 s, not 30 s.
process.env.MESH_ACK_WAIT_MS = '3000';

const dir = tempDir('fault-processes-');
const source = join(dir.path, 'src');
const store = join(dir.path, 'store');
let nats: NatsServer;
let expected: Dataset;
let mesh: FaultMesh | undefined;

before(async () => {
  writeCorpus(source);
  nats = await startNats();
  expected = await referenceDataset(source, dir.path);
});
after(async () => {
  await mesh?.stop();
  await nats?.stop();
  dir.remove();
});

/** A new mesh on the file's server: by default one coordinator and two workers, ready. */
async function freshMesh(o: Parameters<FaultMesh['up']>[0] = {}): Promise<FaultMesh> {
  await mesh?.stop();
  mesh = await FaultMesh.start({ nats: nats.url, store });
  return mesh.up(o);
}

function submit(m: FaultMesh, scenario: string): Promise<MeshRun> {
  return m.submit(STACK_FLOW, { ...STACK_PARAMS, source, out: join(dir.path, `out-${scenario}`) });
}

function assertClean(m: FaultMesh, run: MeshRun, final: RunRecord, scenario: string): Promise<void> {
  return assertCleanRun(m, run, final, join(dir.path, `out-${scenario}`), expected);
}

describe('fault - processes die mid-run', () => {
  it('kill -9 of a random worker every few seconds, a fresh one started each time: the same dataset', async () => {
    const m = await freshMesh();
    const seed = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    const t0 = Date.now();
    const run = await submit(m, 'workers');
    let over = false;
    const finished = run.done().finally(() => { over = true; });
    let kills = 0;
    // A kill loses the work of the task messages its victim held, so kills stop
    // after a minute: a run always ends, having seen a kill in every step by then.
    while (!over && Date.now() - t0 < 60_000) {
      // Often enough that three kills land before the run ends on a fast machine (each kill delays the
      // run by the ack wait, 3 s, so the run outlasts the kills that follow).
      await Promise.race([sleep(1200), finished.catch(() => {})]);
      if (over) break;
      const live = m.workers();
      await live[Math.floor(random() * live.length)]!.kill();
      kills++;
      m.worker();
    }
    const final = await finished;
    await assertClean(m, run, final, 'workers');
    assert.ok(kills >= 3, `the faults landed mid-run (${kills} kills)`);
    report('worker kill -9 every 1.2 s', kills, expected.sha256, Date.now() - t0, `seed ${seed}`);
  });

  it('kill -9 of a coordinator mid-run, with a second one running, three times: the same dataset', async () => {
    const m = await freshMesh({ coordinators: 2 });
    const t0 = Date.now();
    const run = await submit(m, 'coordinators');
    const random = prng(7);
    let kills = 0;
    // Each kill lands while a coordinator is recording a step's results and planning the next.
    for (const step of ['scan', 'sign', 'bucket']) {
      if (!(await run.until((p) => p.finished(step) >= 1)) || run.over) break;
      const live = m.coordinators();
      await live[Math.floor(random() * live.length)]!.kill();
      kills++;
      m.coordinator();
    }
    const final = await run.done();
    await assertClean(m, run, final, 'coordinators');
    assert.equal(kills, 3);
    report('coordinator kill -9, another running', kills, expected.sha256, Date.now() - t0);
  });

  it('kill -9 of the only coordinator mid-run, restarted a second later, twice: the same dataset', async () => {
    const m = await freshMesh();
    const t0 = Date.now();
    const run = await submit(m, 'only-coordinator');
    let kills = 0;
    for (const step of ['scan', 'sign']) {
      if (!(await run.until((p) => p.finished(step) >= 1)) || run.over) break;
      await m.coordinators()[0]!.kill();
      kills++;
      await sleep(1000);
      m.coordinator();
    }
    const final = await run.done();
    await assertClean(m, run, final, 'only-coordinator');
    assert.equal(kills, 2);
    report('only coordinator kill -9, restarted', kills, expected.sha256, Date.now() - t0);
  });

  it('the code cache deleted under running workers, and over and over while a fresh worker rebuilds it: the same dataset', async () => {
    // The workers' own temporary directory, so the cache deleted is theirs and no one else's.
    const tmp = join(dir.path, 'worker-tmp');
    const env = { TMPDIR: tmp };
    const m = await freshMesh({ workerEnv: env });
    const t0 = Date.now();
    const run = await submit(m, 'code-cache');
    let deletions = 0;
    const wipe = () => {
      for (const name of existsSync(tmp) ? readdirSync(tmp) : []) {
        if (!name.startsWith('stackmesh-code-')) continue;
        try {
          rmSync(join(tmp, name), { recursive: true, force: true });
          deletions++;
        } catch {
          // A worker wrote into it meanwhile (ENOTEMPTY): the next pass deletes it.
        }
      }
    };
    // Once the threads run the flow's code: the cache goes away under them.
    assert.ok(await run.until((p) => p.started('scan') >= 1), 'the run reached scan');
    while (deletions === 0) wipe();
    // A fresh worker must rebuild it, while a cleaner deletes it again whenever it reappears, until
    // the fresh worker has run a task.
    await m.workers()[0]!.kill();
    const fresh = m.worker(2, env);
    const name = `${hostname()}/${fresh.pid}`;
    let ranTasks = false;
    let checked = Date.now();
    while (!ranTasks && Date.now() - t0 < 60_000 && (await Promise.race([run.done().then(() => true, () => true), sleep(25).then(() => false)])) === false) {
      wipe();
      if (Date.now() - checked > 500) {
        checked = Date.now();
        ranTasks = (await m.tasks(run.record)).records.some((r) => r.attempts.some((a) => a.worker === name));
      }
    }
    const final = await run.done();
    await assertClean(m, run, final, 'code-cache');
    assert.ok(ranTasks, 'the fresh worker ran tasks while its cache kept disappearing');
    assert.ok(deletions >= 2, `the fresh worker rebuilt the cache and lost it again (${deletions} deletions)`);
    report('worker code cache deleted', 1, expected.sha256, Date.now() - t0, `${deletions} deletions`);
  });
});

describe('fault - the dataset\'s completion marker', () => {
  // The redelivered publish task finds the manifest its killed predecessor wrote: the same run's
  // dataset, written again byte for byte, not a conflict.
  it('kill -9 of the workers the instant manifest.json appears, before the publish task reports: the same dataset', async () => {
    const m = await freshMesh();
    const t0 = Date.now();
    const out = join(dir.path, 'out-manifest-kill');
    const run = await submit(m, 'manifest-kill');
    assert.ok(await run.until((p) => p.started('publish') >= 1), 'the run reached publish');
    while (!existsSync(out)) await sleep(1);
    // The worker writes manifest.json last, then stores its blobs and reports: kill it in between.
    let kills = 0;
    await new Promise<void>((resolve) => {
      const watcher = watch(out, (_, name) => {
        if (name !== 'manifest.json') return;
        for (const w of m.workers()) {
          w.child.kill('SIGKILL');
          kills++;
        }
        watcher.close();
        resolve();
      });
      if (existsSync(join(out, 'manifest.json'))) {
        watcher.close();
        resolve();
      }
    });
    await Promise.all(m.workers().map((w) => w.kill()));
    m.worker();
    const final = await run.done();
    const redelivered = run.progress.started('publish') > 1;
    await assertClean(m, run, final, 'manifest-kill');
    report('workers kill -9 at manifest.json', kills, expected.sha256, Date.now() - t0, redelivered ? 'publish redelivered' : 'publish had reported');
  });
});

describe('fault - poison messages mid-run', () => {
  it('are handed back, then dead-lettered once with the reason, crash nothing and block no task: the same dataset', async () => {
    const m = await freshMesh({ coordinators: 2 });
    const t0 = Date.now();
    const run = await submit(m, 'poison');
    await run.until((p) => p.started('scan') >= 1);
    const js = jetstream(m.nc);
    const packr = new Packr({ useRecords: false });
    const now = new Date().toISOString();
    const spec = (flow: string, runId: string): TaskMessage['specs'][number] => ({
      schema: 'mesh.v1.task.spec', flow, run: runId, step: 'start', task: '0', attempt: 0, code: '0'.repeat(64), className: flow,
      foreach: [], transition: { type: 'end' }, isJoin: false, inherit: {}, params: {},
    });
    const result = (flow: string, runId: string): TaskResultMessage => ({
      schema: 'mesh.v1.task.result', flow, run: runId, step: 'start', task: '0', foreach: [], ok: true, artifacts: {},
      attempt: { attempt: 0, startedAt: now, finishedAt: now, ok: true }, worker: 'intruder',
    });
    const poison: Array<[string, string, Uint8Array, string?]> = [
      ['undecodable task', SUBJECTS.task('default'), new Uint8Array([0xc1, 0xff, 0x00, 0x13])],
      ['task of an unknown schema version', SUBJECTS.task('default'), packr.pack({ schema: 'mesh.v2.task', specs: [] })],
      ['task of a run that does not exist', SUBJECTS.task('default'), encodeMessage({ schema: 'mesh.v1.task', specs: [spec('Ghost', '20990101T000000000-dead')], policy: { attempts: 1, delayMs: 0 } }), '20990101T000000000-dead'],
      ['task of a run id no run can have', SUBJECTS.task('default'), encodeMessage({ schema: 'mesh.v1.task', specs: [spec('Ghost', '../../etc')], policy: { attempts: 1, delayMs: 0 } }), '../../etc'],
      ['undecodable result', SUBJECTS.result, new Uint8Array([0xc1, 0x01, 0x02])],
      ['result of an unknown schema version', SUBJECTS.result, packr.pack({ schema: 'mesh.v2.task.result', run: run.record.run })],
      ['result of a run that does not exist', SUBJECTS.result, encodeMessage(result('Ghost', '20990101T000000000-dead'))],
      ['result of a run id no run can have', SUBJECTS.result, encodeMessage(result('Ghost', '../../etc'))],
      ['result of a step the run does not have', SUBJECTS.result, encodeMessage({ ...result(run.record.flow, run.record.run), step: 'nope' })],
      ['submit of a run that does not exist', SUBJECTS.submit, encodeMessage({ schema: 'mesh.v1.submit', flow: 'Ghost', run: '20990101T000000000-beef' })],
    ];
    const jsm = await js.jetstreamManager();
    const deadFrom = (await jsm.streams.info(STREAMS.dead)).state.last_seq + 1;
    const seqs: number[] = [];
    for (const [, subject, bytes] of poison) seqs.push((await js.publish(subject, bytes)).seq);
    const final = await run.done();
    await assertClean(m, run, final, 'poison');
    // Each is handed back a few times (another process might use it), then copied to MESH_DEAD by the
    // process holding it, with where it was and why, and removed: never dropped.
    const dead = await deadLetters(jsm, deadFrom, poison.length, 60_000);
    const all = m.services.flatMap((s) => s.log);
    poison.forEach(([what, subject, bytes], i) => {
      const [stream, kind] = subject === SUBJECTS.task('default') ? [STREAMS.tasks, 'task'] : [STREAMS.control, 'control'];
      const d = dead.get(`${stream}/${seqs[i]}`);
      assert.ok(d, `${what} is in ${STREAMS.dead}\n${m.logTail(30)}`);
      assert.ok(Buffer.from(d.data).equals(bytes), `${what}: the same bytes`);
      assert.ok(d.reason.length > 0, `${what}: a reason`);
      const handedBack = all.filter((l) => l.includes(`cannot use ${kind} message ${seqs[i]} (delivery 1)`));
      assert.equal(handedBack.length, 1, `${what} is handed back at its first delivery, not dropped`);
      const given = all.filter((l) => l.includes(`dead-lettered ${kind} message ${seqs[i]} `));
      assert.equal(given.length, 1, `${what} is dead-lettered once:\n${given.join('\n')}`);
    });
    assert.deepEqual(m.services.filter((s) => !s.alive).map((s) => `${s.kind} ${s.pid}`), [], 'no process died');
    assert.equal((await jsm.streams.info(STREAMS.tasks)).state.messages, 0, 'nothing left in the task queue');
    assert.equal((await jsm.streams.info(STREAMS.control)).state.messages, 0, 'nothing left in the control queue');
    report('poison messages', 0, expected.sha256, Date.now() - t0, `${poison.length} poison messages`);
  });
});
