import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { nkeys, type NatsConnection } from '@nats-io/transport-node';
import {
  ConnectionError, connectNats, DEFAULT_NATS_URL, describeConnection, natsOptionFlags, resolveConnection,
  type NatsFlags, type ResolvedConnection,
} from '../../cli/connection.js';
import { startNats, type NatsServer } from '../harness/nats.js';

const PASSWORD = 'secret-pw';
const TOKEN = 'tok-8d1f-secret';

const dir = mkdtempSync(join(tmpdir(), 'mesh-connection-test-'));
const servers: NatsServer[] = [];
const connections: NatsConnection[] = [];
after(async () => {
  await Promise.all(connections.map((nc) => nc.close().catch(() => {})));
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function server(config?: string): Promise<NatsServer> {
  const s = await startNats({ jetstream: false, config });
  servers.push(s);
  return s;
}

async function connected(resolved: ResolvedConnection, name = 'mesh-test'): Promise<NatsConnection> {
  const nc = await connectNats(resolved, name);
  connections.push(nc);
  await nc.flush();
  return nc;
}

/** The error connectNats rejects with, checked to be a ConnectionError. */
async function failure(resolved: ResolvedConnection): Promise<ConnectionError> {
  try {
    const nc = await connectNats(resolved, 'mesh-test');
    await nc.close();
  } catch (err) {
    assert.ok(err instanceof ConnectionError, `expected a ConnectionError, got ${inspect(err)}`);
    return err;
  }
  assert.fail('connected, but should not have');
}

/** Everything a user or a log could see of an error: message, stack, fields, cause. */
function allOf(err: unknown): string {
  return `${String(err)}\n${(err as Error).stack}\n${inspect(err, { depth: 5 })}`;
}

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('cli connection - resolving options', () => {
  it('defaults to nats://127.0.0.1:4222 with no auth and no TLS', () => {
    assert.deepEqual(resolveConnection({}, {}), { servers: [DEFAULT_NATS_URL], auth: { type: 'none' }, tls: undefined, timeoutMs: 10_000 });
  });

  it('takes flags over the environment and the environment over defaults', () => {
    const env = { MESH_NATS_URL: 'nats://env-host:4222', MESH_NATS_USER: 'env-user', MESH_NATS_PASSWORD: 'env-pw' };
    assert.deepEqual(resolveConnection({}, env).servers, ['nats://env-host:4222']);
    assert.deepEqual(resolveConnection({ nats: 'nats://flag-host:4222' }, env).servers, ['nats://flag-host:4222']);
    assert.deepEqual(resolveConnection({}, env).auth, { type: 'user', user: 'env-user', password: 'env-pw', from: 'MESH_NATS_USER/MESH_NATS_PASSWORD' });
    assert.deepEqual(resolveConnection({}, { MESH_NATS_URL: '' }).servers, [DEFAULT_NATS_URL], 'an empty variable counts as unset');
  });

  it('lets any auth flag replace the auth variables as a whole', () => {
    const env = { MESH_NATS_USER: 'env-user', MESH_NATS_PASSWORD: 'env-pw' };
    assert.deepEqual(resolveConnection({ natsToken: TOKEN }, env).auth, { type: 'token', token: TOKEN, from: '--nats-token' });
  });

  it('splits comma-separated servers and turns on TLS for tls:// or any TLS file', () => {
    const r = resolveConnection({ nats: 'nats://a:4222, tls://b:4223,c:4224' }, {});
    assert.deepEqual(r.servers, ['nats://a:4222', 'tls://b:4223', 'c:4224']);
    assert.deepEqual(r.tls, { ca: undefined, cert: undefined, key: undefined });
    assert.deepEqual(resolveConnection({}, { MESH_NATS_CA: '/etc/ca.pem' }).tls?.ca, { path: '/etc/ca.pem', from: 'MESH_NATS_CA' });
  });

  it('names the field at fault in every validation error', () => {
    const rules: Array<[NatsFlags, NodeJS.ProcessEnv, RegExp]> = [
      [{ natsUser: 'a' }, {}, /^--nats-user needs --nats-password$/],
      [{ natsPassword: PASSWORD }, {}, /^--nats-password needs --nats-user$/],
      [{}, { MESH_NATS_USER: 'a' }, /^MESH_NATS_USER needs MESH_NATS_PASSWORD$/],
      [{ natsCert: 'c.pem' }, {}, /^--nats-cert needs --nats-key$/],
      [{}, { MESH_NATS_KEY: 'k.pem' }, /^MESH_NATS_KEY needs MESH_NATS_CERT$/],
      [{ natsToken: TOKEN, natsCreds: 'x.creds' }, {}, /^use one way to authenticate to NATS, not --nats-token and --nats-creds$/],
      [{ nats: '' }, {}, /^--nats must not be empty$/],
      [{ nats: ',' }, {}, /^--nats must name at least one server/],
      [{}, { MESH_NATS_URL: 'http://127.0.0.1:4222' }, /^MESH_NATS_URL: 'http:\/\/127.0.0.1:4222' is not a NATS URL/],
      [{ nats: 'nats://a:b:c' }, {}, /^--nats must be a URL like nats:\/\/127.0.0.1:4222, got 'nats:\/\/a:b:c'$/],
    ];
    for (const [flags, env, message] of rules) {
      assert.throws(() => resolveConnection(flags, env), (err: Error) => err.name === 'UsageError' && message.test(err.message), `${inspect(flags)} ${inspect(env)}`);
    }
  });

  it('never echoes a secret given in the wrong place', () => {
    const seed = new TextDecoder().decode(nkeys.createUser().getSeed());
    for (const [flags, secret] of [
      [{ nats: `nats://a:${PASSWORD}@127.0.0.1:4222` }, PASSWORD],
      [{ nats: `nats://${TOKEN}@127.0.0.1:4222` }, TOKEN],
      [{ natsNkeySeed: seed }, seed],
    ] as Array<[NatsFlags, string]>) {
      assert.throws(() => resolveConnection(flags, {}), (err: Error) => err.name === 'UsageError' && !allOf(err).includes(secret));
    }
  });

  it('describes a connection for logs without its password or token', () => {
    const user = resolveConnection({ nats: 'nats://h:4222', natsUser: 'a', natsPassword: PASSWORD }, {});
    assert.equal(describeConnection(user), 'nats://h:4222 as user a');
    assert.equal(describeConnection(resolveConnection({ natsToken: TOKEN, natsCa: 'ca.pem' }, {})), `${DEFAULT_NATS_URL} with a token over TLS`);
  });

  it('adds every --nats option to a command', () => {
    const command = natsOptionFlags(new Command('worker').exitOverride());
    command.parse(['--nats', 'nats://x:1', '--nats-user', 'a', '--nats-password', PASSWORD, '--nats-ca', 'ca.pem',
      '--nats-cert', 'c.pem', '--nats-key', 'k.pem'], { from: 'user' });
    const r = resolveConnection(command.opts<NatsFlags>(), {});
    assert.deepEqual(r.servers, ['nats://x:1']);
    assert.equal(r.auth.type, 'user');
    assert.deepEqual(r.tls, { ca: { path: 'ca.pem', from: '--nats-ca' }, cert: { path: 'c.pem', from: '--nats-cert' }, key: { path: 'k.pem', from: '--nats-key' } });
    for (const flag of ['--nats-token', '--nats-nkey-seed', '--nats-creds']) assert.ok(command.options.some((o) => o.long === flag), flag);
  });
});

describe('cli connection - connecting to a real server', () => {
  let open: NatsServer;
  let auth: NatsServer;
  before(async () => {
    open = await server();
    auth = await server(`authorization { user: a, password: ${PASSWORD} }`);
  });

  it('connects with the given name and reconnects forever', async () => {
    const nc = await connected(resolveConnection({}, { MESH_NATS_URL: open.url }), 'mesh-worker-test');
    assert.equal(nc.info?.port, open.port);
    const connz = (await (await fetch(`${open.monitorUrl}/connz`)).json()) as { connections: Array<{ name?: string }> };
    assert.ok(connz.connections.some((c) => c.name === 'mesh-worker-test'));
  });

  it('says there is no server at a closed port, in one line', async () => {
    const url = `nats://127.0.0.1:${await closedPort()}`;
    const err = await failure(resolveConnection({ nats: url }, {}));
    assert.equal(err.message, `no NATS server at ${url} (connection refused)`);
    assert.deepEqual(err.servers, [url]);
    assert.equal(err.nonRetryable, false);
  });

  it('authenticates with a user and password from flags or the environment', async () => {
    await connected(resolveConnection({ nats: auth.url, natsUser: 'a', natsPassword: PASSWORD }, {}));
    await connected(resolveConnection({}, { MESH_NATS_URL: auth.url, MESH_NATS_USER: 'a', MESH_NATS_PASSWORD: PASSWORD }));
  });

  it('reports a wrong password as an authorization violation without the password', async () => {
    const wrong = 'wrong-pw-77';
    const err = await failure(resolveConnection({ nats: auth.url, natsUser: 'a', natsPassword: wrong }, {}));
    assert.equal(err.message, `NATS at ${auth.url}: authorization violation (check --nats-user/--nats-password)`);
    assert.equal(err.nonRetryable, true);
    assert.ok(!allOf(err).includes(wrong) && !allOf(err).includes(PASSWORD), allOf(err));

    const fromEnv = await failure(resolveConnection({ nats: auth.url }, { MESH_NATS_USER: 'a', MESH_NATS_PASSWORD: wrong }));
    assert.match(fromEnv.message, /\(check MESH_NATS_USER\/MESH_NATS_PASSWORD\)$/);
    assert.ok(!allOf(fromEnv).includes(wrong));
  });

  it('tells a client without credentials which options it can use', async () => {
    const err = await failure(resolveConnection({ nats: auth.url }, {}));
    assert.match(err.message, /authorization violation \(the server wants credentials: --nats-user\/--nats-password, --nats-token, --nats-nkey-seed or --nats-creds\)$/);
  });

  it('authenticates with a token, and a wrong token stays out of the message', async () => {
    const tokenServer = await server(`authorization { token: ${TOKEN} }`);
    await connected(resolveConnection({ nats: tokenServer.url }, { MESH_NATS_TOKEN: TOKEN }));
    const wrong = 'tok-wrong-1234';
    const err = await failure(resolveConnection({ nats: tokenServer.url, natsToken: wrong }, {}));
    assert.match(err.message, /authorization violation \(check --nats-token\)$/);
    assert.ok(!allOf(err).includes(wrong));
  });

  it('authenticates with an nkey seed file, and a wrong seed stays out of the message', async () => {
    const user = nkeys.createUser();
    const nkeyServer = await server(`authorization { users: [ { nkey: ${user.getPublicKey()} } ] }`);
    const seedFile = file('user.nk', `${new TextDecoder().decode(user.getSeed())}\n`);
    await connected(resolveConnection({ nats: nkeyServer.url, natsNkeySeed: seedFile }, {}));

    const other = new TextDecoder().decode(nkeys.createUser().getSeed());
    const err = await failure(resolveConnection({ nats: nkeyServer.url, natsNkeySeed: file('other.nk', other) }, {}));
    assert.match(err.message, /authorization violation \(check the seed in --nats-nkey-seed/);
    assert.ok(!allOf(err).includes(other));
  });

  it('names the option whose file cannot be read', async () => {
    const missing = join(dir, 'missing.creds');
    await assert.rejects(connectNats(resolveConnection({ nats: open.url, natsCreds: missing }, {}), 'mesh-test'),
      { name: 'UsageError', message: `--nats-creds: cannot read ${missing} (no such file)` });
    await assert.rejects(connectNats(resolveConnection({ nats: open.url }, { MESH_NATS_CA: missing }), 'mesh-test'),
      { name: 'UsageError', message: `MESH_NATS_CA: cannot read ${missing} (no such file)` });
  });

  it('says when TLS was asked of a server that does not use it', async () => {
    const err = await failure(resolveConnection({ nats: open.url, natsCa: file('any-ca.pem', 'not used') }, {}));
    assert.equal(err.message, `NATS at ${open.url}: the server does not use TLS, but --nats-ca asked for it`);
    const url = open.url.replace('nats://', 'tls://');
    assert.equal((await failure(resolveConnection({ nats: url }, {}))).message, `NATS at ${url}: the server does not use TLS, but a tls:// URL asked for it`);
  });
});

const openssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('cli connection - TLS', { skip: openssl ? false : 'openssl is not installed' }, () => {
  let tls: NatsServer;
  const pem = (name: string) => join(dir, name);
  before(async () => {
    const sh = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    const cert = (name: string, subject: string, ext?: string) => {
      sh('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
      sh('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1',
        ...(ext ? ['-extfile', file(`${name}.ext`, ext)] : []));
    };
    sh('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=mesh test CA');
    sh('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-days', '1', '-subj', '/CN=other CA');
    // The client checks the name 'localhost' when it connects to an IP address.
    cert('server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    cert('client', '/CN=mesh client');
    tls = await server(`tls { cert_file: ${JSON.stringify(pem('server.pem'))}, key_file: ${JSON.stringify(pem('server.key'))}, ca_file: ${JSON.stringify(pem('ca.pem'))}, verify: true }`);
  });

  it('connects with a CA and a client certificate', async () => {
    await connected(resolveConnection({}, {
      MESH_NATS_URL: tls.url, MESH_NATS_CA: pem('ca.pem'), MESH_NATS_CERT: pem('client.pem'), MESH_NATS_KEY: pem('client.key'),
    }));
  });

  it('reports a server certificate from an unknown CA as a TLS problem naming --nats-ca', async () => {
    const err = await failure(resolveConnection({ nats: tls.url, natsCa: pem('other-ca.pem'), natsCert: pem('client.pem'), natsKey: pem('client.key') }, {}));
    assert.match(err.message, new RegExp(`^NATS at ${tls.url}: TLS: .*certificate.* \\(check --nats-ca\\)$`));
    assert.equal(err.nonRetryable, true);
  });

  it('reports a certificate that does not match its key, naming --nats-cert/--nats-key', async () => {
    const err = await failure(resolveConnection({ nats: tls.url, natsCa: pem('ca.pem'), natsCert: pem('client.pem'), natsKey: pem('server.key') }, {}));
    assert.match(err.message, /TLS: .*key values mismatch \(check --nats-cert\/--nats-key\)$/);
  });

  it('says a server that wants a client certificate may just close the connection', async () => {
    const resolved = { ...resolveConnection({ nats: tls.url, natsCa: pem('ca.pem') }, {}), timeoutMs: 1_000 };
    const err = await failure(resolved);
    assert.equal(err.message, `NATS at ${tls.url}: no reply within 1 s (a TLS server that rejects the client certificate closes silently: check --nats-cert/--nats-key)`);
  });
});
