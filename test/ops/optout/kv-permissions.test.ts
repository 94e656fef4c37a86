import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { KvOptOutStore, loadOptOut, openOptOutStore, OptOutStoreError } from '../../../ops/optout/index.js';
import { startNats, type NatsServer } from '../../harness/nats.js';

/**
 * Users as deploy/nats/mesh-roles.conf has them for the registry: `reader` may read the mesh_optout
 * bucket (what a worker may), `blind` may see that it exists but not read a key, `outsider` may not
 * even look. Only `admin` may create streams.
 */
const READ = [
  '$JS.API.STREAM.INFO.KV_mesh_optout', '$JS.API.DIRECT.GET.KV_mesh_optout.>', '$JS.API.STREAM.MSG.GET.KV_mesh_optout',
  '$JS.API.CONSUMER.CREATE.KV_mesh_optout.*.$KV.mesh_optout.>', '$JS.API.CONSUMER.INFO.KV_mesh_optout.*', '$JS.FC.KV_mesh_optout.>',
];
const user = (name: string, publish: string[]) =>
  `{ user: ${name}, password: ${name}-pw, permissions: { publish: { allow: ${JSON.stringify(['$JS.API.INFO', ...publish])} }, subscribe: { allow: ["_INBOX.>"] } } }`;
const AUTHORIZATION = `authorization { users: [
  { user: admin, password: admin-pw }
  ${user('reader', READ)}
  ${user('blind', ['$JS.API.STREAM.INFO.KV_mesh_optout'])}
  ${user('outsider', [])}
] }`;

let nats: NatsServer;
let adminNc: NatsConnection;
let admin: JetStreamManager;
const open: NatsConnection[] = [];

async function as(name: string): Promise<NatsConnection> {
  const nc = await connect({ servers: nats.url, user: name, pass: `${name}-pw`, noAsyncTraces: true });
  open.push(nc);
  return nc;
}

/** The environment a worker's task reads the registry with. */
function env(name: string): NodeJS.ProcessEnv {
  return { MESH_NATS_URL: nats.url, MESH_NATS_USER: name, MESH_NATS_PASSWORD: `${name}-pw` };
}

before(async () => {
  nats = await startNats({ config: AUTHORIZATION });
  adminNc = await as('admin');
  admin = await jetstreamManager(adminNc);
});
after(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => {})));
  await nats?.stop();
});

describe('optout - KV registry under NATS permissions', () => {
  it('a registry nobody created reads as no entries, says so, and reading creates nothing, whoever reads', async () => {
    for (const name of ['reader', 'admin']) {
      const snapshot = await loadOptOut({ env: env(name) });
      assert.deepEqual(snapshot.entries, [], name);
      assert.match(snapshot.source, /^nats:\/\/127\.0\.0\.1:\d+\/kv\/mesh_optout \(no such bucket: no entries\)$/, name);
    }
    await assert.rejects(admin.streams.info('KV_mesh_optout'), /stream not found/);
  });

  it('an empty registry opened for reading cannot be written', async () => {
    const store = await KvOptOutStore.open(await as('reader'), { missing: 'empty' });
    assert.equal(store.exists, false);
    await assert.rejects(store.add(['acme']), (err: Error) => err instanceof OptOutStoreError && err.nonRetryable && /opened for reading only/.test(err.message));
  });

  it('a user that may not look at the bucket fails, rather than being told there are no entries', async () => {
    await assert.rejects(loadOptOut({ env: env('outsider') }), (err: Error) =>
      err instanceof OptOutStoreError && err.nonRetryable && /Permissions Violation for Publish to "\$JS\.API\.STREAM\.INFO\.KV_mesh_optout"/.test(err.message));
  });

  it('a reader reads the entries of a bucket read from its leader (allow_direct off, as on a cluster)', async () => {
    // As the client role creates it on a cluster: reads go through $JS.API.STREAM.MSG.GET.
    await new Kvm(adminNc).create('mesh_optout', { history: 1, allow_direct: false });
    const store = await openOptOutStore({ nc: adminNc });
    await store.add(['evilcorp', 'octocat/secret']);
    await store.remove(['evilcorp']);
    await store.add(['acme']);
    const snapshot = await loadOptOut({ env: env('reader') });
    assert.deepEqual(snapshot.entries, ['acme', 'octocat/secret']);
    assert.match(snapshot.source, /^nats:\/\/127\.0\.0\.1:\d+\/kv\/mesh_optout$/);
    assert.equal(snapshot.digest, (await loadOptOut({ nc: adminNc })).digest);
    const reader = await KvOptOutStore.open(await as('reader'), { missing: 'empty' });
    assert.equal(reader.exists, true);
    await assert.rejects(reader.add(['intruder']), (err: Error) => err instanceof OptOutStoreError && err.nonRetryable && /Permissions Violation for Publish to "\$KV\.mesh_optout\.intruder"/.test(err.message));
  });

  it('an existing bucket this user may not read fails loudly', async () => {
    await assert.rejects(loadOptOut({ env: env('blind') }), (err: Error) => err instanceof OptOutStoreError && err.nonRetryable && /Permissions Violation/.test(err.message));
    await assert.rejects(loadOptOut({ env: env('outsider') }), (err: Error) => err instanceof OptOutStoreError && /Permissions Violation/.test(err.message));
  });
});
