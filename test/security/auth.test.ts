import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ensurePoolConsumer, isPermissionDenied } from '../../coordinator/mesh-setup.js';
import { encodeMessage, META_BUCKET } from '../../protocol/mesh.js';
import type { RunRecord } from '../../protocol/records.js';
import { example, tempDir } from '../harness/flows.js';
import { findNatsServer, startNats, type NatsServer } from '../harness/nats.js';
import {
  AUTH_CONF, meshEnv, newPasswords, PASSWORD_VARIABLES, Processes, roleFlags, rolesConfig, RoleSessions,
  type MeshProcess, type Role,
} from './roles.js';

const secrets = newPasswords();
const store = tempDir('mesh-security-store-');
const procs = new Processes();
let nats: NatsServer;
let adminNc: NatsConnection;
let admin: JetStreamManager;
let coordinator: MeshProcess;

const roles = new RoleSessions(() => nats.url, () => store.path, secrets);
const as = (role: Role) => roles.as(role);
const env = (role: Role) => roles.env(role);

/** The attempt is refused by the server's permissions, not failing for any other reason. */
async function denied(attempt: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(attempt, (err) => {
    assert.ok(isPermissionDenied(err), `${what}: expected a permissions violation, got ${(err as Error).message}`);
    return true;
  }, `${what} was allowed`);
}

const text = new TextEncoder();

before(async () => {
  nats = await startNats({ config: rolesConfig(secrets) });
  adminNc = await as('admin');
  admin = await jetstreamManager(adminNc);
  coordinator = procs.start(['coordinator'], env('coordinator'));
  await coordinator.waitForLog(/coordinator: ready/);
});

after(async () => {
  await procs.stopAll();
  await roles.close();
  await nats?.stop();
  store.remove();
});

describe('security - the deployed config', () => {
  it('deploy/nats/auth.conf, with mesh-roles.conf included, is a valid server config', () => {
    const vars = Object.fromEntries(Object.entries(PASSWORD_VARIABLES).map(([role, v]) => [v, secrets[role as Role]]));
    const check = spawnSync(findNatsServer(), ['-t', '-c', AUTH_CONF], { env: { ...process.env, ...vars }, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stdout + check.stderr, /configuration file .*auth\.conf is valid/);
  });

  it('refuses a connection without credentials, and one with a wrong password', async () => {
    await assert.rejects(connect({ servers: nats.url, timeout: 5000 }), /authorization violation/i);
    await assert.rejects(connect({ servers: nats.url, user: 'mesh-client', pass: secrets.worker, timeout: 5000 }), /authorization violation/i);
    const anonymous = await procs.run(['runs'], meshEnv(nats.url, store.path));
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /authorization violation/);
  });
});

describe('security - roles', () => {
  let run: RunRecord;

  it('a run goes end to end with coordinator, worker and client each on its own user; the worker waits for its pool consumer', async () => {
    // The coordinator created the streams, the bucket and its own consumer; pool_default does not
    // exist before the first task, and the worker may not create it.
    await assert.rejects(admin.consumers.info('MESH_TASKS', 'pool_default'), /consumer not found/);
    const worker = procs.start(['worker', '--concurrency', '2', ...roleFlags('worker', secrets)], meshEnv(nats.url, store.path));
    await worker.waitForLog(/waiting for a coordinator to create it/);

    const submit = await procs.run(['submit', example('fanout'), '--param', 'n=4', '--wait', '--json'], env('client'));
    assert.equal(submit.code, 0, submit.stderr);
    const events = submit.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string; flow: string; run: string });
    const end = events.at(-1)!;
    assert.equal(end.type, 'run.finished');
    assert.equal(end.status, 'succeeded');
    assert.match(worker.stderr, /consumer pool_default on MESH_TASKS exists now/);

    const kv = await new Kvm(adminNc).open(META_BUCKET);
    run = JSON.parse(new TextDecoder().decode((await kv.get(`meta.${end.flow}.${end.run}.run`))!.value)) as RunRecord;
    assert.equal(run.status, 'succeeded');
    // Reading runs back, as the client.
    const show = await procs.run(['show', `${run.flow}/${run.run}`], env('client'));
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /status\s+succeeded/);
    const total = await procs.run(['get', `${run.flow}/${run.run}/join/0/total`], env('client'));
    assert.equal(total.stdout, '14\n');
  });

  it('a worker cannot submit a run, by the CLI or by publishing a submission', async () => {
    const before = (await admin.streams.info('MESH_CONTROL')).state.last_seq;
    const cli = await procs.run(['submit', example('fanout'), '--param', 'n=2'], env('worker'));
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /Permissions Violation for Publish to "\$KV\.mesh_meta\.meta\.Fanout\./);

    const nc = await as('worker');
    await denied(jetstream(nc).publish('mesh.control.submit', encodeMessage({ schema: 'mesh.v1.submit', flow: run.flow, run: 'forged' })), 'publishing a submission');
    const kv = await new Kvm(nc).create(META_BUCKET);
    await denied(kv.put(`meta.${run.flow}.forged.run`, text.encode('{}')), 'writing a run record');
    await denied(kv.put(`meta.${run.flow}.${run.run}.steps.end.0`, text.encode('{}')), 'overwriting a task record');
    assert.equal((await admin.streams.info('MESH_CONTROL')).state.last_seq, before, 'nothing reached the coordinators');
  });

  it('a worker cannot create, delete or purge streams, nor create or delete consumers', async () => {
    const jsm = await jetstreamManager(await as('worker'));
    await denied(jsm.streams.add({ name: 'STOLEN', subjects: ['stolen.>'] }), 'creating a stream');
    await denied(jsm.streams.delete('MESH_TASKS'), 'deleting MESH_TASKS');
    await denied(jsm.streams.delete('KV_mesh_meta'), 'deleting the run metadata bucket');
    await denied(jsm.streams.purge('MESH_EVENTS'), 'purging MESH_EVENTS');
    await denied(jsm.consumers.delete('MESH_TASKS', 'pool_default'), 'deleting its pool consumer');
    await denied(jsm.consumers.add('MESH_TASKS', { durable_name: 'pool_default', filter_subject: 'mesh.tasks.default', ack_policy: AckPolicy.Explicit, ack_wait: 3600e9 }), 'changing its pool consumer');
    const streams: string[] = [];
    for await (const s of admin.streams.list()) streams.push(s.config.name);
    assert.deepEqual(streams.sort(), ['KV_mesh_meta', 'MESH_CONTROL', 'MESH_DEAD', 'MESH_EVENTS', 'MESH_TASKS']);
    assert.equal((await admin.consumers.info('MESH_TASKS', 'pool_default')).config.ack_wait, 3000e6);
  });

  it("a worker cannot take another pool's tasks; that pool's worker can", async () => {
    // A coordinator creates a new pool's consumer; a task waits in it (no gpu worker is running).
    await ensurePoolConsumer(await jetstreamManager(await as('coordinator')), 'gpu', 30_000);
    await jetstream(adminNc).publish('mesh.tasks.gpu', text.encode('a gpu task'));

    const nc = await as('worker');
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    await denied(js.consumers.get('MESH_TASKS', 'pool_gpu'), 'binding to pool_gpu');
    await denied(nc.request('$JS.API.CONSUMER.MSG.NEXT.MESH_TASKS.pool_gpu', JSON.stringify({ batch: 1, expires: 1e9 }), { timeout: 3000 }), 'pulling from pool_gpu');
    await denied(jsm.consumers.add('MESH_TASKS', { durable_name: 'sneaky', filter_subject: 'mesh.tasks.gpu', ack_policy: AckPolicy.Explicit }), 'a durable consumer on mesh.tasks.gpu');
    await denied(jsm.consumers.add('MESH_TASKS', { filter_subject: 'mesh.tasks.gpu', ack_policy: AckPolicy.Explicit }), 'an ephemeral consumer on mesh.tasks.gpu');
    const sniff = nc.subscribe('mesh.tasks.>');
    await nc.flush();
    assert.ok(sniff.isClosed(), 'subscribing to task subjects was allowed');
    assert.ok(isPermissionDenied(await sniff.closed));

    const info = await admin.consumers.info('MESH_TASKS', 'pool_gpu');
    assert.equal(info.num_pending, 1);
    assert.equal(info.delivered.consumer_seq, 0, 'never delivered');

    const gpu = await jetstream(await as('workerGpu')).consumers.get('MESH_TASKS', 'pool_gpu');
    const m = await gpu.next({ expires: 5000 });
    assert.equal(new TextDecoder().decode(m!.data), 'a gpu task');
    assert.equal(await m!.ackAck(), true);
    assert.equal((await admin.streams.info('MESH_TASKS')).state.messages, 0);
  });

  it('a client cannot write task records, coordination state, tasks or results, nor create, delete or purge streams', async () => {
    const nc = await as('client');
    const kv = await new Kvm(nc).create(META_BUCKET);
    await denied(kv.put(`meta.${run.flow}.${run.run}.steps.end.0`, text.encode('{}')), 'overwriting a task record');
    await denied(kv.put(`coord.${run.run}.failed.end.0`, text.encode('end/0')), 'writing coordination state');
    await denied(kv.get(`coord.${run.run}.fanout.sq._`), 'reading coordination state');
    const js = jetstream(nc);
    await denied(js.publish('mesh.tasks.default', text.encode('a forged task')), 'publishing a task');
    await denied(js.publish('mesh.control.result', text.encode('a forged result')), 'publishing a result');
    const jsm = await jetstreamManager(nc);
    await denied(jsm.streams.add({ name: 'STOLEN', subjects: ['stolen.>'] }), 'creating a stream');
    await denied(jsm.streams.delete('MESH_EVENTS'), 'deleting MESH_EVENTS');
    await denied(jsm.streams.purge('KV_mesh_meta'), 'purging the run metadata');
  });

  it('a coordinator can dead-letter a task (advisory, read, copy, delete) but cannot delete or purge streams or consumers', async () => {
    const nc = await as('coordinator');
    const jsm = await jetstreamManager(nc);
    const advisories = nc.subscribe('$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.MESH_TASKS.*');
    const { seq } = await jetstream(adminNc).publish('mesh.tasks.nobody', text.encode('a poison task'));
    const stored = await jsm.streams.getMessage('MESH_TASKS', { seq });
    await jetstream(nc).publish('mesh.dead', stored!.data, { msgID: `dead/${seq}` });
    assert.equal(await jsm.streams.deleteMessage('MESH_TASKS', seq), true);
    await nc.flush();
    assert.equal(advisories.isClosed(), false, 'subscribed to max-deliveries advisories');
    advisories.unsubscribe();
    assert.equal((await admin.streams.info('MESH_DEAD')).state.messages, 1);

    await denied(jsm.streams.delete('MESH_TASKS'), 'deleting MESH_TASKS');
    await denied(jsm.streams.purge('MESH_EVENTS'), 'purging MESH_EVENTS');
    await denied(jsm.streams.delete('KV_mesh_meta'), 'deleting the run metadata bucket');
    await denied(jsm.consumers.delete('MESH_TASKS', 'pool_default'), 'deleting a pool consumer');
  });

  it('a client can neither take nor acknowledge tasks', async () => {
    await jetstream(adminNc).publish('mesh.tasks.gpu', text.encode('another gpu task'));
    const nc = await as('client');
    const refusals: Error[] = [];
    void (async () => {
      for await (const s of nc.status()) if (s.type === 'error') refusals.push(s.error);
    })();
    const jsm = await jetstreamManager(nc);
    await denied(jetstream(nc).consumers.get('MESH_TASKS', 'pool_gpu'), 'binding to pool_gpu');
    await denied(nc.request('$JS.API.CONSUMER.MSG.NEXT.MESH_TASKS.pool_gpu', JSON.stringify({ batch: 1 }), { timeout: 3000 }), 'pulling from pool_gpu');
    await denied(jsm.consumers.add('MESH_TASKS', { durable_name: 'steal', filter_subject: 'mesh.tasks.gpu', ack_policy: AckPolicy.Explicit }), 'a consumer on the tasks');

    // A worker holds the task; the client, knowing its ack subject, tries to end it.
    const gpu = await jetstream(await as('workerGpu')).consumers.get('MESH_TASKS', 'pool_gpu');
    const m = (await gpu.next({ expires: 5000 }))!;
    const ackSubject = (m as unknown as { reply: string }).reply;
    assert.match(ackSubject, /^\$JS\.ACK\.MESH_TASKS\.pool_gpu\./);
    nc.publish(ackSubject, text.encode('+ACK'));
    nc.publish(ackSubject, text.encode('+TERM'));
    await nc.flush();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(refusals.filter((e) => isPermissionDenied(e) && e.message.includes('$JS.ACK.MESH_TASKS.pool_gpu')).length, 2, refusals.join('\n'));
    const info = await admin.consumers.info('MESH_TASKS', 'pool_gpu');
    assert.equal(info.num_ack_pending, 1, 'still held, unacknowledged');
    assert.equal((await admin.streams.info('MESH_TASKS')).state.messages, 1);
    assert.equal(await m.ackAck(), true);
    assert.equal((await admin.streams.info('MESH_TASKS')).state.messages, 0);
  });
});
