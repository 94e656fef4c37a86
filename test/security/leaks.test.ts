import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { META_BUCKET } from '../../protocol/mesh.js';
import { ContentStore, openBackend } from '../../store/index.js';
import { example, tempDir } from '../harness/flows.js';
import { startNats, type NatsServer } from '../harness/nats.js';
import { meshEnv, newPasswords, Processes, roleEnv, roleFlags, rolesConfig, USERS, type Role } from './roles.js';

/** Where something was written, and what. */
interface Written {
  where: string;
  bytes: Uint8Array;
}

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

/** Every file under a directory. */
function filesUnder(dir: string, label: string): Written[] {
  const out: Written[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(path, label));
    else if (e.isFile()) out.push({ where: `${label} ${path}`, bytes: readFileSync(path) });
  }
  return out;
}

/** Every blob of a content store, decoded (a gzipped code package hides its text from a plain search). */
async function everyBlob(store: string): Promise<Written[]> {
  const cas = new ContentStore(openBackend(store));
  const out: Written[] = [];
  for (const file of filesUnder(join(store, 'data'), 'blob')) {
    const digest = basename(file.where);
    out.push({ where: `store blob ${digest}, decoded`, bytes: await cas.get(digest) });
  }
  return out;
}

/** Every message of every stream (the KV bucket's values and headers included), read back through the server. */
async function everyMessage(nc: NatsConnection): Promise<Written[]> {
  const jsm = await jetstreamManager(nc);
  const out: Written[] = [];
  for await (const s of jsm.streams.list()) {
    const { first_seq, last_seq } = s.state;
    for (let seq = first_seq; seq > 0 && seq <= last_seq; seq++) {
      const m = await jsm.streams.getMessage(s.config.name, { seq }).catch(() => null);
      if (!m) continue;
      out.push({ where: `${s.config.name} message ${seq} (${m.subject})`, bytes: m.data });
      if (m.header) out.push({ where: `${s.config.name} message ${seq} headers`, bytes: new TextEncoder().encode(m.header.toString()) });
    }
  }
  return out;
}

/** Every value of the run metadata bucket, by key. */
async function everyKvValue(nc: NatsConnection): Promise<Written[]> {
  const kv = await new Kvm(nc).create(META_BUCKET);
  const out: Written[] = [];
  for await (const key of await kv.keys()) {
    const e = await kv.get(key);
    if (e) out.push({ where: `KV ${META_BUCKET} ${key}`, bytes: e.value });
  }
  return out;
}

function assertNoSecret(written: Written[], secrets: Record<string, string>): void {
  const found: string[] = [];
  for (const w of written) {
    const buf = Buffer.from(w.bytes.buffer, w.bytes.byteOffset, w.bytes.byteLength);
    for (const [name, secret] of Object.entries(secrets)) if (buf.includes(secret)) found.push(`${name} in ${w.where}`);
  }
  assert.deepEqual(found, [], 'credentials written out');
}

/** Auth for each mesh process: environment variables, or flags (the worker, to cover both). */
interface Auth {
  env(role: 'coordinator' | 'client'): NodeJS.ProcessEnv;
  workerFlags: string[];
  /** The worker may not create the streams: it waits for the coordinator (started after it). */
  workerWaits?: boolean;
  admin: Partial<ConnectionOptions>;
}

/** A further command, run as the client unless `env` says otherwise. */
interface Extra {
  args: string[];
  env?: NodeJS.ProcessEnv;
  code?: number;
  stderr?: RegExp;
}

/**
 * Runs a flow on a fresh server (the worker started before the coordinator), reads it back with
 * every client command, and returns everything that was written or printed.
 */
async function runEverything(config: string, auth: Auth, extra: (client: NodeJS.ProcessEnv) => Extra[]) {
  const nats: NatsServer = await startNats({ config });
  const store = tempDir('mesh-leaks-store-');
  const procs = new Processes();
  cleanup.push(() => store.remove(), () => nats.stop(), () => procs.stopAll());
  const base = meshEnv(nats.url, store.path);

  const worker = procs.start(['worker', '--concurrency', '2', ...auth.workerFlags], base);
  if (auth.workerWaits) await worker.waitForLog(/stream MESH_TASKS does not exist and this NATS user may not create it: waiting/);
  const coordinator = procs.start(['coordinator'], { ...base, ...auth.env('coordinator') });
  await coordinator.waitForLog(/coordinator: ready/);
  const client = { ...base, ...auth.env('client') };
  const submit = await procs.run(['submit', example('fanout'), '--param', 'n=4', '--wait', '--json'], client);
  assert.equal(submit.code, 0, submit.stderr);
  const end = JSON.parse(submit.stdout.trim().split('\n').at(-1)!) as { type: string; status: string; flow: string; run: string };
  assert.deepEqual([end.type, end.status], ['run.finished', 'succeeded']);
  const run = `${end.flow}/${end.run}`;

  const commands: Extra[] = [
    ...[['runs'], ['runs', '--json'], ['show', run], ['show', run, '--json'], ['logs', `${run}/end/0`],
      ['get', `${run}/join/0/total`], ['watch', run, '--json'], ['optout', 'ls']].map((args) => ({ args })),
    ...extra(client),
  ];
  for (const c of commands) {
    const r = await procs.run(c.args, c.env ?? client);
    assert.equal(r.code, c.code ?? 0, `mesh ${c.args.join(' ')}: ${r.stderr}`);
    if (c.stderr) assert.match(r.stderr, c.stderr);
  }
  assert.match(procs.output(), new RegExp(`"run":"${end.run}"`), 'the commands printed the run');
  await worker.stop();
  await coordinator.stop();

  const admin = await connect({ servers: nats.url, ...auth.admin });
  try {
    const written = [
      ...filesUnder(store.path, 'store'),
      ...await everyBlob(store.path),
      ...await everyKvValue(admin),
      ...await everyMessage(admin),
      { where: 'output of the mesh processes', bytes: new TextEncoder().encode(procs.output()) },
    ];
    // The server's own files: streams and bucket as stored, deleted messages not yet compacted included.
    await nats.stop();
    written.push(...filesUnder(nats.storeDir, 'nats store'));
    // The search sees what it searches: what the run wrote is found in each place.
    const markers: Array<[string, string]> = [
      ['store ', 'sum of squares below 4: 14'], ['store blob', 'sum of squares below ${this.n}'], [`KV ${META_BUCKET}`, end.run],
      ['MESH_EVENTS', end.run], ['output', end.run], ['nats store', end.run],
    ];
    for (const [place, marker] of markers) {
      const here = written.filter((w) => w.where.startsWith(place));
      assert.ok(here.some((w) => Buffer.from(w.bytes).includes(marker)), `'${marker}' not found in ${place} (${here.length} items)`);
    }
    return { written };
  } finally {
    await admin.close();
  }
}

describe('security - no credential leaks', () => {
  it('with a user and password per role: no password in the store, KV, streams, command output or the server store', async () => {
    const secrets = newPasswords();
    const wrong = `pw-wrong-${randomBytes(12).toString('hex')}`;
    const auth: Auth = {
      env: (role) => roleEnv(role, secrets),
      workerFlags: roleFlags('worker', secrets),
      workerWaits: true,
      admin: { user: USERS.admin, pass: secrets.admin },
    };
    const { written } = await runEverything(rolesConfig(secrets), auth, (client) => [
      { args: ['runs'], env: { ...client, MESH_NATS_PASSWORD: wrong }, code: 1, stderr: /authorization violation \(check MESH_NATS_USER\/MESH_NATS_PASSWORD\)/ },
    ]);
    const named = Object.fromEntries((Object.keys(secrets) as Role[]).map((r) => [`${r} password`, secrets[r]]));
    assertNoSecret(written, { ...named, 'wrong password': wrong });
  });

  it('with a token: no token in the store, KV, streams, command output or the server store', async () => {
    const token = `tok-${randomBytes(16).toString('hex')}`;
    const wrong = `tok-wrong-${randomBytes(16).toString('hex')}`;
    const auth: Auth = {
      env: () => ({ MESH_NATS_TOKEN: token }),
      workerFlags: ['--nats-token', token],
      admin: { token },
    };
    const { written } = await runEverything(`authorization { token: ${JSON.stringify(token)} }`, auth, (client) => [
      { args: ['runs'], env: { ...client, MESH_NATS_TOKEN: wrong }, code: 1, stderr: /authorization violation/ },
    ]);
    assertNoSecret(written, { token, 'wrong token': wrong });
  });
});
