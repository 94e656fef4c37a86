/**
 * Whatever NATS server dies, the curation run ends with exactly the dataset a fault-free run gives:
 * on a 3-node cluster with R3 streams and KV (`--replicas 3`), kill -9 of the node that leads the task
 * stream, then a graceful restart of each node in turn; and one server with file storage restarted.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { STREAMS } from '../../protocol/mesh.js';
import type { RunRecord } from '../../protocol/records.js';
import { tempDir } from '../harness/flows.js';
import { startCluster, startNats, type NatsCluster } from '../harness/nats.js';
import { assertSameDataset, readDataset, referenceDataset, report, STACK_FLOW, STACK_PARAMS, writeCorpus, type Dataset } from './dataset.js';
import { FaultMesh, type MeshRun } from './fault-mesh.js';

process.env.MESH_ACK_WAIT_MS = '3000';

const dir = tempDir('fault-nats-');
const source = join(dir.path, 'src');
let expected: Dataset;
const meshes: FaultMesh[] = [];

before(async () => {
  writeCorpus(source);
  expected = await referenceDataset(source, dir.path);
});
after(async () => {
  await Promise.all(meshes.map((m) => m.stop()));
  dir.remove();
});

async function startMesh(nats: string, replicas?: number): Promise<FaultMesh> {
  const m = await FaultMesh.start({ nats, store: join(dir.path, 'store'), replicas });
  meshes.push(m);
  m.coordinator();
  m.worker();
  m.worker();
  await m.ready();
  return m;
}

function submit(m: FaultMesh, scenario: string): Promise<MeshRun> {
  return m.submit(STACK_FLOW, { ...STACK_PARAMS, source, out: join(dir.path, `out-${scenario}`) });
}

async function assertClean(m: FaultMesh, run: MeshRun, final: RunRecord, scenario: string): Promise<void> {
  assert.equal(final.status, 'succeeded', `${JSON.stringify(final.failed)}\n${m.logTail()}`);
  const { records, failedKeys } = await m.tasks(final);
  assert.deepEqual(records.filter((r) => r.status !== 'succeeded').map((r) => `${r.step}/${r.task}`), []);
  assert.deepEqual(failedKeys, []);
  assert.deepEqual(run.progress.failures(), []);
  assertSameDataset(readDataset(join(dir.path, `out-${scenario}`)), expected);
}

describe('fault - a 3-node JetStream cluster (R3 streams and KV)', () => {
  let cluster: NatsCluster;
  let mesh: FaultMesh;
  before(async () => {
    cluster = await startCluster(3);
    await cluster.waitForMeta();
    mesh = await startMesh(cluster.urls, 3);
  });
  after(() => cluster?.stop());

  it('the mesh created its streams and bucket with 3 replicas', async () => {
    const jsm = await jetstreamManager(mesh.nc);
    for (const s of [STREAMS.tasks, STREAMS.control, STREAMS.events, 'KV_mesh_meta']) {
      assert.equal((await jsm.streams.info(s)).config.num_replicas, 3, s);
    }
  });

  it('kill -9 of the node leading the task stream mid-run: the same dataset', async () => {
    const t0 = Date.now();
    const run = await submit(mesh, 'leader-kill');
    assert.ok(await run.until((p) => p.started('scan') >= 1), 'the run reached scan');
    const leader = await cluster.leaderOf(STREAMS.tasks);
    await leader.kill();
    // Back once the cluster has moved on without it: it rejoins and catches up mid-run.
    await run.until((p) => p.finished('scan') >= 1);
    await leader.restart();
    const final = await run.done();
    await assertClean(mesh, run, final, 'leader-kill');
    report(`cluster: kill -9 of the ${STREAMS.tasks} leader (${leader.name})`, 1, expected.sha256, Date.now() - t0);
    await cluster.waitForMeta();
  });

  it('a graceful restart of each node in turn mid-run: the same dataset', async () => {
    const t0 = Date.now();
    const run = await submit(mesh, 'rolling');
    let restarts = 0;
    for (const [i, step] of ['scan', 'sign', 'bucket'].entries()) {
      if (!(await run.until((p) => p.started(step) >= 1))) break;
      await cluster.nodes[i]!.restart();
      restarts++;
      // The next node goes down only once this one follows the meta leader again.
      await cluster.waitForMeta();
    }
    const final = await run.done();
    await assertClean(mesh, run, final, 'rolling');
    assert.equal(restarts, 3, 'each node was restarted mid-run');
    report('cluster: rolling restart of n1, n2, n3', restarts, expected.sha256, Date.now() - t0);
  });
});

describe('fault - one NATS server with file storage', () => {
  it('restarted mid-run, twice: the same dataset', async () => {
    const nats = await startNats();
    try {
      const mesh = await startMesh(nats.url);
      const t0 = Date.now();
      const run = await submit(mesh, 'server-restart');
      let restarts = 0;
      for (const step of ['scan', 'sign']) {
        if (!(await run.until((p) => p.started(step) >= 1))) break;
        await nats.restart();
        restarts++;
      }
      const final = await run.done();
      await assertClean(mesh, run, final, 'server-restart');
      assert.equal(restarts, 2);
      report('single server restarted', restarts, expected.sha256, Date.now() - t0);
    } finally {
      await nats.stop();
    }
  });
});
