import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  decodeKey, encodeKey, InvalidOptOutEntryError, KvOptOutStore, loadOptOut, openOptOutStore, OptOutSnapshot, OptOutStoreError,
} from '../../../ops/optout/index.js';
import { startNats, type NatsServer } from '../../harness/nats.js';

let nats: NatsServer;
let nc: NatsConnection;
before(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
});
after(async () => {
  await nc?.close();
  await nats?.stop();
});

describe('optout - KV key encoding', () => {
  it('keeps plain entries readable and escapes everything a KV key or subject token cannot hold', () => {
    assert.equal(encodeKey('octocat/hello-world'), 'octocat/hello-world');
    assert.equal(encodeKey('acme/.github'), 'acme/=2egithub');
    assert.equal(encodeKey('a_b/x..y.'), 'a_b/x=2e=2ey=2e');
    for (const e of ['octocat', 'acme/.github', 'a_b/x..y.', 'o/=weird', 'o/ünï']) {
      const key = encodeKey(e);
      assert.match(key, /^[-/=\w]+$/, e);
      assert.equal(decodeKey(key), e);
    }
  });
});

describe('optout - KV store on a real nats-server', () => {
  it('creates the bucket idempotently and round-trips add, ls and rm', async () => {
    const store = await KvOptOutStore.open(nc, { bucket: 'optout_rt' });
    const again = await KvOptOutStore.open(nc, { bucket: 'optout_rt' });
    assert.match(store.url, /^nats:\/\/127\.0\.0\.1:\d+\/kv\/optout_rt$/);
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(await store.add(['Acme', 'acme/.github', 'https://github.com/o/r.js.git']), ['acme', 'acme/.github', 'o/r.js']);
    assert.deepEqual(await again.add(['acme', 'new']), ['new'], 'a second handle sees the first one\'s entries');
    assert.deepEqual(await again.list(), ['acme', 'acme/.github', 'new', 'o/r.js']);
    assert.deepEqual(await store.remove(['o/r.js', 'absent', 'new']), ['new', 'o/r.js']);
    assert.deepEqual(await store.list(), ['acme', 'acme/.github']);
    assert.deepEqual(await store.add(['new']), ['new'], 'a removed entry can be added again');
    // The bucket holds one key per entry, escaped.
    const kv = await new Kvm(nc).open('optout_rt');
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    assert.deepEqual(keys.sort(), ['acme', 'acme/=2egithub', 'new']);
    await assert.rejects(store.add(['ok', 'also bad']), InvalidOptOutEntryError);
    assert.deepEqual(await store.list(), ['acme', 'acme/.github', 'new'], 'nothing changed on a bad entry');
    await store.close();
    assert.equal(nc.isClosed(), false, 'a caller\'s connection is left open');
  });

  it('loadOptOut picks the mesh_optout bucket from a connection, a URL or MESH_NATS_URL', async () => {
    const store = await openOptOutStore({ nc });
    await store.add(['octocat/secret', 'evilcorp']);
    const fromNc = await loadOptOut({ nc });
    assert.deepEqual(fromNc.entries, ['evilcorp', 'octocat/secret']);
    assert.match(fromNc.source, /\/kv\/mesh_optout$/);
    assert.equal(fromNc.digest, new OptOutSnapshot(['octocat/secret', 'evilcorp']).digest, 'same entries, same digest as any other store');
    const fromUrl = await loadOptOut({ natsUrl: nats.url, env: {} });
    const fromEnv = await loadOptOut({ env: { MESH_NATS_URL: nats.url } });
    assert.deepEqual(fromUrl.entries, fromNc.entries);
    assert.equal(fromEnv.digest, fromNc.digest);
    assert.ok(fromEnv.matches('https://github.com/EvilCorp/anything.git'));
  });

  it('fails loudly on a key someone wrote by hand that is not an entry', async () => {
    const kv = await new Kvm(nc).create('optout_hand', { history: 1 });
    await kv.put('not=20valid', 'x');
    const store = await KvOptOutStore.open(nc, { bucket: 'optout_hand' });
    await assert.rejects(store.list(), (err: Error) => err instanceof InvalidOptOutEntryError && /kv\/optout_hand key not=20valid: bad opt-out entry "not valid": contains whitespace/.test(err.message));
  });

  it('waits out a server restart instead of failing the task that reads the registry', async () => {
    const own = await startNats();
    const conn = await connect({ servers: own.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    try {
      const store = await KvOptOutStore.open(conn, { bucket: 'optout_restart' });
      await store.add(['acme']);
      await own.kill();
      const listed = store.list();
      await new Promise((r) => setTimeout(r, 1500));
      await own.restart();
      assert.deepEqual(await listed, ['acme']);
    } finally {
      await conn.close();
      await own.stop();
    }
  });

  it('a bucket created on first use is as replicated as the mesh on that server; an explicit count wins', async () => {
    const jsm = await jetstreamManager(nc);
    await (await KvOptOutStore.open(nc, { bucket: 'optout_r1' })).close();
    assert.equal((await jsm.streams.info('KV_optout_r1')).config.num_replicas, 1, 'no mesh yet: 1');
    await assert.rejects(KvOptOutStore.open(nc, { bucket: 'optout_r3', replicas: 3 }), /replicas > 1 not supported in non-clustered mode/, 'the count reaches the server');
  });

  it('says which server it could not reach', async () => {
    await assert.rejects(loadOptOut({ natsUrl: 'nats://127.0.0.1:1', env: {} }), (err: Error) => err instanceof OptOutStoreError && /^nats:\/\/127\.0\.0\.1:1\/kv\/mesh_optout: cannot open the opt-out registry: cannot connect to NATS/.test(err.message));
  });
});
