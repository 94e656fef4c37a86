/**
 * Foreach partitions' task records, 64 to a KV value, against a real nats-server: every reader of
 * task records (get, list) sees them as if each had its own key; two coordinators writing the same
 * part at once lose nothing and never record a task twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ensureMesh } from '../../coordinator/mesh-setup.js';
import { taskKey } from '../../protocol/keys.js';
import { META_BUCKET } from '../../protocol/mesh.js';
import { MetadataStore } from '../../store/index.js';
import { KvBackend, kvKeyOf } from '../../store/kv.js';
import { PART_SIZE, partKeyOf, TaskParts } from '../../store/kv-parts.js';
import { startNats, type NatsServer } from '../harness/nats.js';

const rec = (task: string, note = 'first') => ({ task, status: 'succeeded', note });
const key = (run: string, step: string, task: string) => kvKeyOf(taskKey('F', run, step, task));

describe('task records in parts (KV)', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let kv: KV;

  before(async () => {
    server = await startNats();
    nc = await connect({ servers: server.url });
    kv = (await ensureMesh(nc)).kv;
  });
  after(async () => {
    await nc?.close();
    await server?.stop();
  });

  it('maps a partition to its part by its innermost index, and nothing else', () => {
    assert.deepEqual(partKeyOf('meta.F.r1.steps.work.130'), { part: 'meta.F.r1.parts.work.2', task: '130' });
    assert.deepEqual(partKeyOf('meta.F.r1.steps.inner.3.63'), { part: 'meta.F.r1.parts.inner.3.0', task: '3.63' });
    assert.equal(partKeyOf('meta.F.r1.run'), undefined);
    assert.equal(partKeyOf('meta.F.r1.steps.start.x'), undefined);
  });

  it('reads and lists partitions in parts as if each had its own key', async () => {
    const parts = new TaskParts(kv);
    const writes = Array.from({ length: 130 }, (_, i) => ({ key: key('r1', 'work', String(i)), record: rec(String(i)), partition: true }));
    writes.push({ key: key('r1', 'start', '0'), record: rec('0'), partition: false });
    const out = await parts.create(writes);
    assert.ok(out.every((w) => w.created));
    // 130 partitions: three parts, and the start step under its own key.
    const stored: string[] = [];
    for await (const k of await kv.keys('meta.F.r1.>')) stored.push(k);
    assert.deepEqual(stored.sort(), ['meta.F.r1.parts.work.0', 'meta.F.r1.parts.work.1', 'meta.F.r1.parts.work.2', 'meta.F.r1.steps.start.0']);

    const meta = new MetadataStore(new KvBackend(kv, META_BUCKET));
    assert.deepEqual(await meta.getJson(taskKey('F', 'r1', 'work', '129')), rec('129'));
    assert.equal(await meta.getJson(taskKey('F', 'r1', 'work', '130')), undefined);
    // A part read before holds no news: a partition written since is found all the same.
    await new TaskParts(kv).create([{ key: key('r1', 'work', '130'), record: rec('130', 'later'), partition: true }]);
    assert.deepEqual(await meta.getJson(taskKey('F', 'r1', 'work', '130')), rec('130', 'later'));
    await new TaskParts(kv).create([{ key: key('r1', 'work', '130'), record: rec('130', 'again'), partition: true }]);
    assert.deepEqual(await meta.getJson(taskKey('F', 'r1', 'work', '130')), rec('130', 'later'));
    assert.deepEqual(await meta.list('meta/F/r1/steps/'), ['start/', 'work/']);
    const tasks = await meta.list('meta/F/r1/steps/work/');
    assert.deepEqual(tasks, Array.from({ length: 131 }, (_, i) => String(i)).sort());
    assert.equal((await parts.records('meta.F.r1')).length, 131);
  });

  it('counts the records of a run and the cloned ones, whatever their fields hold', async () => {
    const parts = new TaskParts(kv);
    // A record's text may hold the very fields counted, inside a string: an error message, a note.
    const tricky = '"schema":"mesh.v1.task","status":"cloned"';
    const record = (i: number) => ({
      schema: 'mesh.v1.task', task: String(i), status: i % 3 === 0 ? 'cloned' : 'succeeded', note: tricky,
      attempts: [{ attempt: 0, ok: false, error: tricky }],
    });
    await parts.create(Array.from({ length: 150 }, (_, i) => ({ key: key('r5', i % 2 ? 'a' : 'b', String(i)), record: record(i), partition: true })));
    // One too large to share its part: under its own key, claimed in the part as null (not counted there).
    await parts.create([{ key: key('r5', 'a', '151'), record: { ...record(151), big: 'x'.repeat(300 * 1024) }, partition: true }]);
    assert.deepEqual(await parts.count('meta.F.r5'), { records: 150, cloned: 50 });
    assert.equal((await parts.records('meta.F.r5')).length, 150);
    assert.deepEqual(await parts.count('meta.F.nothing'), { records: 0, cloned: 0 });
  });

  it('keeps the first record of a task written twice, from two processes at once', async () => {
    const a = new TaskParts(kv);
    const b = new TaskParts(kv);
    const n = PART_SIZE;
    // Each process records every partition, in its own order and in small result messages.
    const round = (p: TaskParts, note: string, order: number[]) => Promise.all(
      order.map((i) => p.create([{ key: key('r2', 'work', String(i)), record: rec(String(i), note), partition: true }])),
    );
    const up = Array.from({ length: n }, (_, i) => i);
    const [ra, rb] = await Promise.all([round(a, 'a', up), round(b, 'b', [...up].reverse())]);
    const byTask = new Map<string, unknown>();
    for (const [k, r] of await a.records('meta.F.r2')) {
      assert.ok(!byTask.has(k), `${k} recorded once`);
      byTask.set(k, r);
    }
    assert.equal(byTask.size, n);
    for (let i = 0; i < n; i++) {
      const wa = ra[i]![0]!;
      const wb = rb[n - 1 - i]![0]!;
      assert.equal(Number(wa.created) + Number(wb.created), 1, `partition ${i} created by exactly one`);
      // Both were told what the store holds.
      assert.deepEqual(wa.record, byTask.get(key('r2', 'work', String(i))));
      assert.deepEqual(wb.record, byTask.get(key('r2', 'work', String(i))));
    }
  });

  it('gives records too large to share a part their own keys', async () => {
    const parts = new TaskParts(kv);
    const big = 'x'.repeat(100 * 1024);
    const out = await parts.create([0, 1, 2, 3].map((i) => ({ key: key('r3', 'work', String(i)), record: { task: String(i), big }, partition: true })));
    assert.ok(out.every((w) => w.created));
    const meta = new MetadataStore(new KvBackend(kv, META_BUCKET));
    for (const i of [0, 1, 2, 3]) assert.equal((await meta.getJson<{ task: string }>(taskKey('F', 'r3', 'work', String(i))))?.task, String(i));
    assert.deepEqual(await meta.list('meta/F/r3/steps/work/'), ['0', '1', '2', '3']);
    const again = await parts.create([{ key: key('r3', 'work', '2'), record: { task: '2', big: 'other' }, partition: true }]);
    assert.equal(again[0]!.created, false);
    assert.equal((again[0]!.record as { big: string }).big, big);
  });
});
