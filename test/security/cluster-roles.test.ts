/**
 * deploy/nats/mesh-roles.conf on a three-node cluster whose routes authenticate (as
 * deploy/nats/cluster/auth.conf and container.conf have it): streams and buckets with three replicas
 * and allow_direct off, so every read of a KV key goes to the stream leader
 * ($JS.API.STREAM.MSG.GET) rather than to any replica ($JS.API.DIRECT.GET). A coordinator, a worker
 * and a client, each a `mesh` process on its own user, run the stack curation flow, whose start step
 * reads the opt-out registry inside the worker.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { isPermissionDenied } from '../../coordinator/mesh-setup.js';
import { encodeMessage, META_BUCKET } from '../../protocol/mesh.js';
import { example, ROOT, tempDir } from '../harness/flows.js';
import { findNatsServer, startCluster, type NatsCluster } from '../harness/nats.js';
import { writeTree } from '../ops/stack/corpus.js';
import {
  newPasswords, PASSWORD_VARIABLES, Processes, rolesConfig, RoleSessions, USERS, type MeshProcess, type Role,
} from './roles.js';

const secrets = newPasswords();
const routePassword = `pwroute${randomBytes(12).toString('hex')}`;
const dir = tempDir('mesh-cluster-roles-');
const store = join(dir.path, 'store');
const source = join(dir.path, 'src');
const procs = new Processes();
const text = new TextEncoder();
let cluster: NatsCluster;
let admin: JetStreamManager;
let worker: MeshProcess;

// Every node's URL, the shared store and the role's user, as a deployed process has them.
const roles = new RoleSessions(() => cluster.urls, () => store, secrets);
const as = (role: Role) => roles.as(role);
const env = (role: Role) => roles.env(role);

async function denied(attempt: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(attempt, (err) => {
    assert.ok(isPermissionDenied(err), `${what}: expected a permissions violation, got ${(err as Error).message}`);
    return true;
  }, `${what} was allowed`);
}

interface Event { type: string; status?: string; flow: string; run: string }

/** `mesh submit` of the stack flow as the client, to its end: the run's flow and id. */
async function curate(out: string): Promise<{ flow: string; run: string }> {
  const submit = await procs.run(
    ['submit', example('stack'), '--param', `source=${source}`, '--param', `out=${out}`, '--param', 'shufflePartitions=2', '--wait', '--json'],
    env('client'), 60_000);
  const events = submit.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Event);
  assert.equal(submit.code, 0, `${submit.stderr}\n${JSON.stringify(events.filter((e) => e.type === 'task.failed'))}\nworker:\n${worker.stderr}`);
  const end = events.at(-1)!;
  assert.equal(end.type, 'run.finished');
  assert.equal(end.status, 'succeeded');
  assert.ok(existsSync(join(out, 'manifest.json')), 'the dataset was published');
  return { flow: end.flow, run: end.run };
}

/** The opt-out snapshot the run's start step took inside the worker, read back as the client. */
async function optoutOf(r: { flow: string; run: string }): Promise<{ entries: string[]; source: string }> {
  const get = await procs.run(['get', `${r.flow}/${r.run}/start/0/optout`, '--json'], env('client'));
  assert.equal(get.code, 0, get.stderr);
  return JSON.parse(get.stdout) as { entries: string[]; source: string };
}

before(async () => {
  writeTree(source);
  cluster = await startCluster(3, {
    config: rolesConfig(secrets), user: USERS.admin, pass: secrets.admin, routeAuth: { user: 'mesh-route', pass: routePassword },
  });
  await cluster.waitForMeta();
  admin = await jetstreamManager(await as('admin'));
  const coordinator = procs.start(['coordinator', '--replicas', '3'], env('coordinator'));
  await coordinator.waitForLog(/coordinator: ready/, 30_000);
  // As deployed (compose, mesh.env.example): the worker is given --replicas 3 too, and creates nothing.
  worker = procs.start(['worker', '--concurrency', '2', '--replicas', '3'], env('worker'));
});

after(async () => {
  await procs.stopAll();
  await roles.close();
  await cluster?.stop();
  dir.remove();
});

/** What a server answers on its cluster port to a route CONNECT with these credentials (or none). */
function joinAsRoute(url: string, credentials: { user: string; pass: string } | undefined): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    let got = '';
    let sent = false;
    const timer = setTimeout(() => { socket.destroy(); resolve(got); }, 3000);
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      got += chunk;
      // The server speaks first (INFO); a route answers with CONNECT, as a server of the cluster would.
      if (!sent && got.startsWith('INFO ')) {
        sent = true;
        socket.write(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, name: 'rogue', cluster: cluster.name, ...credentials })}\r\nPING\r\n`);
      }
      if (/-ERR|PONG/.test(got)) { clearTimeout(timer); socket.destroy(); resolve(got); }
    });
    socket.once('error', reject);
  });
}

describe('security - the deployed cluster configs', () => {
  it('deploy/nats/cluster/auth.conf and container.conf, with mesh-roles.conf included, are valid server configs', () => {
    const vars: NodeJS.ProcessEnv = { SERVER_NAME: 'n1', MESH_ROUTE_PASSWORD: routePassword };
    for (const [role, v] of Object.entries(PASSWORD_VARIABLES)) vars[v] = secrets[role as Role];
    for (const i of [1, 2, 3]) vars[`MESH_ROUTE_${i}`] = `nats-route://mesh-route:${routePassword}@nats${i}:6222`;
    for (const file of ['auth.conf', 'container.conf']) {
      const check = spawnSync(findNatsServer(), ['-t', '-c', join(ROOT, 'deploy/nats/cluster', file)], { env: { ...process.env, ...vars }, encoding: 'utf8' });
      assert.equal(check.status, 0, `${file}: ${check.stderr}`);
      assert.match(check.stdout + check.stderr, new RegExp(`configuration file .*${file.replace('.', '\\.')} is valid`));
    }
  });

  it('a process that reaches a cluster port cannot join as a route without the route password', async () => {
    const url = cluster.routeUrls[0]!;
    assert.match(await joinAsRoute(url, undefined), /-ERR 'Authorization Violation'/);
    assert.match(await joinAsRoute(url, { user: 'mesh-route', pass: secrets.admin }), /-ERR 'Authorization Violation'/);
    assert.match(await joinAsRoute(url, { user: USERS.admin, pass: secrets.admin }), /-ERR 'Authorization Violation'/, 'a user is not a route');
  });
});

describe('security - roles on a three-node cluster', () => {
  let first: { flow: string; run: string };

  it('the coordinator creates the run metadata bucket with three replicas, read from its leader', async () => {
    const meta = await admin.streams.info(`KV_${META_BUCKET}`);
    assert.equal(meta.config.num_replicas, 3);
    assert.equal(meta.config.allow_direct, false);
  });

  it('the stack flow runs end to end as coordinator, worker and client; the worker reads a registry nobody created as empty', async () => {
    first = await curate(join(dir.path, 'out1'));
    const optout = await optoutOf(first);
    assert.deepEqual(optout.entries, []);
    assert.match(optout.source, /\/kv\/mesh_optout \(no such bucket: no entries\)$/);
    await assert.rejects(admin.streams.info('KV_mesh_optout'), /stream not found/, 'the worker created nothing');
  });

  it('the client reads run and task records back (mesh show, runs, get)', async () => {
    const show = await procs.run(['show', `${first.flow}/${first.run}`], env('client'));
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /status\s+succeeded/);
    const runs = await procs.run(['runs', '--json'], env('client'));
    assert.equal(runs.code, 0, runs.stderr);
    assert.match(runs.stdout, new RegExp(first.run));
    const kv = await new Kvm(await as('client')).open(META_BUCKET);
    const record = await kv.get(`meta.${first.flow}.${first.run}.run`);
    assert.equal((JSON.parse(new TextDecoder().decode(record!.value)) as { status: string }).status, 'succeeded');
  });

  it('a registry the client creates is replicated like the mesh, and the worker reads its entries', async () => {
    const add = await procs.run(['optout', 'add', 'evilcorp', 'octocat/secret'], env('client'));
    assert.equal(add.code, 0, add.stderr);
    const info = await admin.streams.info('KV_mesh_optout');
    assert.equal(info.config.num_replicas, 3);
    assert.equal(info.config.allow_direct, false);
    const second = await curate(join(dir.path, 'out2'));
    const optout = await optoutOf(second);
    assert.deepEqual(optout.entries, ['evilcorp', 'octocat/secret']);
    assert.match(optout.source, /\/kv\/mesh_optout$/);
  });

  it('a worker can neither create streams, submit runs, nor write the registry', async () => {
    const nc = await as('worker');
    const jsm = await jetstreamManager(nc);
    await denied(jsm.streams.add({ name: 'STOLEN', subjects: ['stolen.>'], num_replicas: 3 }), 'creating a stream');
    await denied(jsm.streams.delete('KV_mesh_optout'), 'deleting the registry');
    const before = (await admin.streams.info('MESH_CONTROL')).state.last_seq;
    await denied(jetstream(nc).publish('mesh.control.submit', encodeMessage({ schema: 'mesh.v1.submit', flow: first.flow, run: 'forged' })), 'publishing a submission');
    const meta = await new Kvm(nc).open(META_BUCKET);
    await denied(meta.put(`meta.${first.flow}.forged.run`, text.encode('{}')), 'writing a run record');
    const cli = await procs.run(['submit', example('fanout'), '--param', 'n=2'], env('worker'));
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /Permissions Violation for Publish to "\$KV\.mesh_meta\.meta\.Fanout\./);
    assert.equal((await admin.streams.info('MESH_CONTROL')).state.last_seq, before, 'nothing reached the coordinators');
    const registry = await new Kvm(nc).open('mesh_optout');
    await denied(registry.put('evilcorp', text.encode('')), 'removing an opt-out by overwriting it');
    await denied(registry.delete('octocat/secret'), 'deleting an opt-out');
  });
});
