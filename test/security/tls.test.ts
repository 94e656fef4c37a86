import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { example, tempDir } from '../harness/flows.js';
import { startNats, type NatsServer } from '../harness/nats.js';
import { makeTlsFiles, natsTlsConfig, opensslMissing, type TlsFiles } from '../harness/tls.js';
import { meshEnv, newPasswords, Processes, roleEnv, roleFlags, rolesConfig, USERS } from './roles.js';

const skip = opensslMissing();
const secrets = newPasswords();
const store = tempDir('mesh-tls-store-');
const procs = new Processes();
let tls: TlsFiles | undefined;
let nats: NatsServer | undefined;

before(async () => {
  if (skip) return;
  tls = makeTlsFiles();
  // The roles of deploy/nats/mesh-roles.conf, and a client certificate from the CA on top.
  nats = await startNats({ config: `${rolesConfig(secrets)}\n${natsTlsConfig(tls, { verify: true })}` });
});

after(async () => {
  await procs.stopAll();
  await nats?.stop();
  tls?.remove();
  store.remove();
});

describe('security - TLS', { skip }, () => {
  it('a run goes end to end over TLS: every process verifies the server with --nats-ca and shows a client certificate', async () => {
    const { url } = nats!;
    const files = tls!;
    const tlsEnv = { MESH_NATS_CA: files.ca, MESH_NATS_CERT: files.clientCert, MESH_NATS_KEY: files.clientKey };
    const coordinator = procs.start(['coordinator'], { ...meshEnv(url, store.path), ...roleEnv('coordinator', secrets), ...tlsEnv });
    procs.start(
      ['worker', '--concurrency', '2', ...roleFlags('worker', secrets), '--nats-ca', files.ca, '--nats-cert', files.clientCert, '--nats-key', files.clientKey],
      meshEnv(url, store.path),
    );
    // The client does not wait for the streams the coordinator creates; the worker does.
    await coordinator.waitForLog(/coordinator: ready/);
    const submit = await procs.run(['submit', example('fanout'), '--param', 'n=3', '--wait'], { ...meshEnv(url, store.path), ...roleEnv('client', secrets), ...tlsEnv });
    assert.equal(submit.code, 0, submit.stderr);
    assert.match(submit.stdout, /succeeded/);

    // The server saw each mesh process over TLS, as its role's user.
    const connz = await (await fetch(`${nats!.monitorUrl}/connz?auth=1`)).json() as { connections: Array<{ name?: string; tls_version?: string; authorized_user?: string }> };
    const mesh = connz.connections.filter((c) => c.name?.startsWith('mesh-'));
    assert.deepEqual(mesh.map((c) => `${c.name} ${c.authorized_user}`).sort(), [`mesh-coordinator ${USERS.coordinator}`, `mesh-worker-default ${USERS.worker}`]);
    for (const c of mesh) assert.ok(c.tls_version, `${c.name} without TLS`);
  });

  it('refuses a client that does not trust the CA, or shows no certificate, or one from another CA', async () => {
    const { url } = nats!;
    const files = tls!;
    // A server that rejects the client's certificate closes the connection without a word: the
    // client gives up at its timeout, which loopback makes short.
    const user = { user: USERS.client, pass: secrets.client, timeout: 1500 };
    await assert.rejects(connect({ servers: url, ...user }), /unable to verify|self.signed|certificate/i, 'without the CA');
    await Promise.all([
      assert.rejects(connect({ servers: url, ...user, tls: { caFile: files.ca } }), /timeout/, 'without a client certificate'),
      assert.rejects(connect({ servers: url, ...user, tls: { caFile: files.ca, certFile: files.strangerCert, keyFile: files.strangerKey } }), /timeout/, 'with a certificate from another CA'),
    ]);
    const nc = await connect({ servers: url, ...user, tls: { caFile: files.ca, certFile: files.clientCert, keyFile: files.clientKey } });
    await nc.close();
  });
});
