import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { findNatsServer, startCluster, startNats, type NatsServer } from '../harness/nats.js';

const NS = 1_000_000;
const text = new TextEncoder();

/** A connection that is closed when the test file ends, whatever happens in between. */
const open: NatsConnection[] = [];
async function client(servers: string | string[]): Promise<NatsConnection> {
  const nc = await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  open.push(nc);
  return nc;
}
after(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => {})));
});

describe('nats harness - one server', () => {
  const servers: NatsServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('accepts a JetStream publish and a KV put from the @nats-io clients', async () => {
    const nats = await startNats();
    servers.push(nats);
    assert.match(nats.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(existsSync(nats.storeDir));
    const nc = await client(nats.url);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'EVENTS', subjects: ['events.>'], storage: StorageType.File });
    const ack = await jetstream(nc).publish('events.one', text.encode('hello'));
    assert.equal(ack.stream, 'EVENTS');
    assert.equal(ack.seq, 1);

    const kv = await new Kvm(nc).create('meta');
    await kv.put('run.1', text.encode('running'));
    assert.equal((await kv.get('run.1'))?.string(), 'running');
  });

  it('keeps file-stored stream data across a graceful restart and across a crash', async () => {
    const nats = await startNats();
    servers.push(nats);
    const publishSome = async (from: number, to: number) => {
      const nc = await client(nats.url);
      const js = jetstream(nc);
      for (let i = from; i < to; i++) await js.publish('jobs.x', text.encode(`job ${i}`));
      await nc.close();
    };
    const stored = async () => {
      const nc = await client(nats.url);
      const jsm = await jetstreamManager(nc);
      const count = (await jsm.streams.info('JOBS')).state.messages;
      const first = (await jsm.streams.getMessage('JOBS', { seq: 1 }))?.string();
      await nc.close();
      return { count, first };
    };
    const setup = await client(nats.url);
    await (await jetstreamManager(setup)).streams.add({ name: 'JOBS', subjects: ['jobs.>'], storage: StorageType.File });
    await setup.close();

    await publishSome(0, 5);
    const firstPid = nats.pid;
    await nats.restart();
    assert.notEqual(nats.pid, firstPid);
    assert.deepEqual(await stored(), { count: 5, first: 'job 0' });

    await publishSome(5, 8);
    await nats.kill();
    assert.equal(nats.running, false);
    await nats.restart();
    assert.deepEqual(await stored(), { count: 8, first: 'job 0' });
  });

  it('runs without JetStream when asked, with extra config', async () => {
    const nats = await startNats({ jetstream: false, config: 'max_payload: 65536' });
    servers.push(nats);
    const nc = await client(nats.url);
    assert.equal(nc.info?.max_payload, 65536);
    assert.equal(nc.info?.jetstream, undefined);
  });

  it('rejects with the server\'s own error output when it cannot start', async () => {
    await assert.rejects(startNats({ config: 'cluster {' }), /exited during start-up[\s\S]*Parse error/);
    await assert.rejects(startNats({ args: ['--no-such-flag'] }), /exited during start-up[\s\S]*no-such-flag/);
  });

  it('says how to install nats-server when it cannot find one', () => {
    assert.throws(() => findNatsServer('/nonexistent', []), /nats-server not found on PATH.*apt-get install nats-server/);
    assert.match(findNatsServer(), /nats-server$/);
  });
});

describe('nats harness - three-node cluster', () => {
  it('elects a meta leader, and an R3 stream survives SIGKILL of its leader without loss or duplicates', async () => {
    const cluster = await startCluster();
    try {
      assert.deepEqual(cluster.nodes.map((n) => n.name), ['n1', 'n2', 'n3']);
      assert.equal(cluster.urls.split(',').length, 3);
      await cluster.waitForMeta();

      const nc = await client(cluster.urls.split(','));
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({
        name: 'TASKS', subjects: ['tasks.>'], storage: StorageType.File, num_replicas: 3, duplicate_window: 120 * NS * 1000,
      });
      const js = jetstream(nc);
      const publish = (i: number) => js.publish('tasks.a', text.encode(`task ${i}`), { msgID: `task-${i}`, retries: 30, timeout: 1000 });
      for (let i = 0; i < 10; i++) await publish(i);

      const leader = await cluster.leaderOf('TASKS');
      await leader.kill();
      // Publishing through the election: the first ones wait for a new leader; re-sent ids are duplicates.
      for (let i = 10; i < 20; i++) assert.equal((await publish(i)).duplicate, false, `task ${i} stored once`);
      for (const i of [0, 9, 19]) assert.equal((await publish(i)).duplicate, true, `task ${i} recognised as a duplicate`);

      const next = await cluster.leaderOf('TASKS');
      assert.notEqual(next.name, leader.name);
      assert.equal((await jsm.streams.info('TASKS')).state.messages, 20);

      // The old leader comes back with its store and catches up as a follower.
      await leader.restart();
      await cluster.waitForMeta();
      const replicas = async () => (await jsm.streams.info('TASKS')).cluster?.replicas ?? [];
      const deadline = Date.now() + 15_000;
      while (!(await replicas()).some((r) => r.name === leader.name && r.current) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.ok((await replicas()).some((r) => r.name === leader.name && r.current), `${leader.name} caught up`);
    } finally {
      await cluster.stop();
    }
  });
});
