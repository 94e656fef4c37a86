/**
 * A long run: a 100,000-partition foreach of a trivial step on one coordinator and two workers. It
 * completes with every partition joined once; the coordinator's memory stays bounded (its peak RSS is
 * reported); run events and KV records stay within the limits their streams are configured with; and
 * nothing is left in the work queues.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { unpackValue } from '../../protocol/artifacts.js';
import { fromInline } from '../../protocol/cas.js';
import { FOREACH_WIDE_BATCH, META_BUCKET, STREAMS, SUBJECTS } from '../../protocol/mesh.js';
import type { TaskRecord } from '../../protocol/records.js';
import { PART_SIZE, TaskParts } from '../../store/kv-parts.js';
import { ROOT } from '../harness/flows.js';
import { startNats, type NatsServer } from '../harness/nats.js';
import { report } from './dataset.js';
import { FaultMesh, sleep } from './fault-mesh.js';

const N = 100_000;
const FLOW = join(ROOT, 'bench/flows/trivial-foreach.ts');
/**
 * Above what the coordinator needs for this run (a peak of about 500 MiB here with the default heap, most of
 * it garbage not yet collected and the 100,000 inputs of the join; it completes with a 256 MiB heap); a
 * leak of a few KiB per partition crosses it.
 */
const RSS_LIMIT_MIB = 768;

process.env.MESH_ACK_WAIT_MS = '30000';

// The store on tmpfs when there is one: the run measures the mesh, not this machine's disk.
const store = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'fault-load-'));
let nats: NatsServer;
let mesh: FaultMesh;

before(async () => {
  nats = await startNats();
  mesh = await FaultMesh.start({ nats: nats.url, store, ackWaitMs: 30_000 });
});
after(async () => {
  await mesh?.stop();
  await nats?.stop();
  rmSync(store, { recursive: true, force: true });
});

describe('fault - a long run', () => {
  it(`a ${N.toLocaleString('en')}-partition foreach on a coordinator and 2 workers completes within the configured limits`, async () => {
    const coordinator = mesh.coordinator();
    const workers = [mesh.worker(), mesh.worker()];
    await mesh.ready();
    const t0 = Date.now();
    // Its 200,000 events (about 3,000 messages) are not followed here.
    const run = await mesh.submit(FLOW, { n: N }, { follow: false, timeoutMs: 240_000 });
    const final = await run.done();
    const ms = Date.now() - t0;
    assert.equal(final.status, 'succeeded', `${JSON.stringify(final.failed)}\n${mesh.logTail()}`);
    const peakMiB = coordinator.peakRssKiB() / 1024;
    const workerPeaks = workers.map((w) => (w.peakRssKiB() / 1024).toFixed(0));

    // Every partition reached the join exactly once.
    const kv = await mesh.kv();
    const join = (await kv.get(`meta.${final.flow}.${final.run}.steps.join.0`))!.json() as TaskRecord;
    const digest = join.artifacts.count!;
    assert.equal(unpackValue(fromInline(digest, join.inline![digest]!)), N);
    // One record per partition, 64 to a KV value.
    const records = await new TaskParts(kv).tasks(`meta.${final.flow}.${final.run}.steps.work`);
    assert.equal(new Set(records).size, N, 'one record per partition');
    assert.equal(records.length, N, 'no partition recorded twice');
    let parts = 0;
    for await (const _ of await kv.keys(`meta.${final.flow}.${final.run}.parts.work.>`)) parts++;
    assert.equal(parts, Math.ceil(N / PART_SIZE));

    const jsm = await jetstreamManager(mesh.nc);
    // Events: every one of this run kept (none discarded by a limit), below the per-subject cap.
    const events = await jsm.streams.info(STREAMS.events, { subjects_filter: SUBJECTS.events(final.run) });
    const runEvents = events.state.subjects?.[SUBJECTS.events(final.run)] ?? 0;
    // A message's partitions start and finish together: their events travel together, a message's
    // worth (up to FOREACH_WIDE_BATCH partitions) to an event message.
    assert.ok(runEvents >= 2 * Math.ceil(N / FOREACH_WIDE_BATCH), `a start and a finish per task message (${runEvents})`);
    assert.ok(runEvents < N, `events of partitions travel together (${runEvents} messages)`);
    assert.ok(runEvents <= events.config.max_msgs_per_subject, `${runEvents} events <= max_msgs_per_subject ${events.config.max_msgs_per_subject}`);
    for (const [what, used, limit] of [['messages', events.state.messages, events.config.max_msgs], ['bytes', events.state.bytes, events.config.max_bytes]] as const) {
      if (limit > 0) assert.ok(used <= limit, `events ${what} ${used} <= ${limit}`);
    }
    // KV: history 1, so one value per key; nothing over the bucket's limits.
    const bucket = await jsm.streams.info(`KV_${META_BUCKET}`);
    assert.equal(bucket.config.max_msgs_per_subject, 1);
    assert.equal(bucket.state.messages, bucket.state.num_subjects, 'no key holds more than its latest value');
    for (const [what, used, limit] of [['messages', bucket.state.messages, bucket.config.max_msgs], ['bytes', bucket.state.bytes, bucket.config.max_bytes]] as const) {
      if (limit > 0) assert.ok(used <= limit, `KV ${what} ${used} <= ${limit}`);
    }
    // Nothing left behind in the work queues, once the coordinator has acknowledged the last result
    // (it does after the final record, once it has counted the run's tasks for run.finished).
    const queued = async () => (await jsm.streams.info(STREAMS.tasks)).state.messages + (await jsm.streams.info(STREAMS.control)).state.messages;
    for (let i = 0; i < 300 && (await queued()) > 0; i++) await sleep(100);
    assert.equal(await queued(), 0, 'the task and control queues are empty');

    assert.ok(peakMiB < RSS_LIMIT_MIB, `coordinator peak RSS ${peakMiB.toFixed(0)} MiB < ${RSS_LIMIT_MIB} MiB`);
    report(`${N.toLocaleString('en')}-partition foreach`, 0, '-', ms,
      `${Math.round((N + 3) / (ms / 1000))} tasks/s | coordinator peak RSS ${peakMiB.toFixed(0)} MiB (workers ${workerPeaks.join(', ')} MiB) | ${runEvents} event messages (cap ${events.config.max_msgs_per_subject} per run) | KV ${bucket.state.messages} keys, ${(bucket.state.bytes / 2 ** 20).toFixed(0)} MiB`);
  });
});
