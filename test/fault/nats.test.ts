/**
 * Whatever NATS server dies, the curation run ends with exactly the dataset a fault-free run gives:
 * on a 3-node cluster with R3 streams and KV (`--replicas 3`), kill -9 of the node that leads the task
 * stream, then a graceful restart of each node in turn; and one server with file storage restarted.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { openOptOutStore } from '../../ops/optout/index.js';
import { META_BUCKET, STREAMS } from '../../protocol/mesh.js';
import type { RunRecord } from '../../protocol/records.js';
import { tempDir } from '../harness/flows.js';
import { startCluster, startNats, type NatsCluster } from '../harness/nats.js';
import { assertCleanRun, referenceDataset, report, STACK_FLOW, STACK_PARAMS, writeCorpus, type Dataset } from './dataset.js';
import { FaultMesh, type MeshRun } from './fault-mesh.js';

process.env.MESH_ACK_WAIT_MS = '3000';

const dir = tempDir('fault-nats-');
const source = join(dir.path, 'src');
let expected: Dataset;
const meshes: FaultMesh[] = [];

before(async () => {
  // More than the other files' corpus: three restarts, one after the other, take about 4 s, and a run
  // on the cluster must outlast them.
  writeCorpus(source, 800);
  expected = await referenceDataset(source, dir.path);
});
after(async () => {
  await Promise.all(meshes.map((m) => m.stop()));
  dir.remove();
});

async function startMesh(nats: string, replicas?: number, threads = 2): Promise<FaultMesh> {
  const m = await FaultMesh.start({ nats, store: join(dir.path, 'store'), replicas });
  meshes.push(m);
  // The coordinator creates the streams and the bucket (R3 on a cluster: slow on a busy machine), then
  // the workers find them.
  m.coordinator();
  await m.ready();
  m.worker(threads);
  m.worker(threads);
  await m.ready();
  return m;
}

function submit(m: FaultMesh, scenario: string): Promise<MeshRun> {
  return m.submit(STACK_FLOW, { ...STACK_PARAMS, source, out: join(dir.path, `out-${scenario}`) });
}

function assertClean(m: FaultMesh, run: MeshRun, final: RunRecord, scenario: string): Promise<void> {
  return assertCleanRun(m, run, final, join(dir.path, `out-${scenario}`), expected);
}

describe('fault - a 3-node JetStream cluster (R3 streams and KV)', () => {
  let cluster: NatsCluster;
  let mesh: FaultMesh;
  before(async () => {
    cluster = await startCluster(3);
    await cluster.waitForMeta();
    // One thread per worker: a run long enough for three restarts, one after the other, to land in it.
    mesh = await startMesh(cluster.urls, 3, 1);
  });
  after(() => cluster?.stop());

  it('the mesh created its streams and bucket with 3 replicas', async () => {
    const jsm = await jetstreamManager(mesh.nc);
    for (const s of [STREAMS.tasks, STREAMS.control, STREAMS.events, STREAMS.dead, `KV_${META_BUCKET}`]) {
      assert.equal((await jsm.streams.info(s)).config.num_replicas, 3, s);
    }
    // A follower behind its leader must not answer reads of run records.
    assert.equal((await jsm.streams.info(`KV_${META_BUCKET}`)).config.allow_direct, false);
  });

  it('the opt-out registry a flow opens on the cluster is replicated like the mesh', async () => {
    // As `mesh optout add` opens it, on a bucket no one created yet (a flow's read creates nothing).
    const registry = await openOptOutStore({ natsUrl: cluster.urls, bucket: 'fault_optout' });
    await registry.close();
    const jsm = await jetstreamManager(mesh.nc);
    const info = await jsm.streams.info('KV_fault_optout');
    assert.equal(info.config.num_replicas, 3);
    assert.equal(info.config.allow_direct, false);
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

  /** Restarts every node in turn once `from` started, each once the previous one is back in the cluster. */
  async function rollingRestart(scenario: string, from: string): Promise<void> {
    const t0 = Date.now();
    const run = await submit(mesh, scenario);
    const restarted: string[] = [];
    assert.ok(await run.until((p) => p.started(from) >= 1), `the run reached ${from}`);
    for (const node of cluster.nodes) {
      if (run.over) break;
      await node.restart();
      restarted.push(`${node.name} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      // A node going down before the last one caught up would cost the streams their quorum.
      await cluster.waitForMeta();
    }
    const final = await run.done();
    await assertClean(mesh, run, final, scenario);
    assert.equal(restarted.length, 3, `each node was restarted mid-run (${restarted.join(', ')})`);
    report(`cluster: rolling restart of n1, n2, n3 from ${from}`, restarted.length, expected.sha256, Date.now() - t0, restarted.join(', '));
  }

  it('a graceful restart of each node in turn mid-run: the same dataset', () => rollingRestart('rolling', 'scan'));

  // The start step reads the opt-out registry from KV itself (ops/optout): a timeout while a node steps
  // down is waited out there, not blamed on the task.
  it('a graceful restart of each node in turn from the first task on: the same dataset', () => rollingRestart('rolling-from-start', 'start'));
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
        if (!(await run.until((p) => p.started(step) >= 1)) || run.over) break;
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
