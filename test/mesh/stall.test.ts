/**
 * Task messages lost outside the mesh's protocol (deleted from the stream here, as a broker fault or a
 * foreign process could) leave a run that cannot move: a coordinator notices the queues empty and
 * unchanged with the run still running, and re-drives it from its records.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { unpackValue } from '../../protocol/artifacts.js';
import { fromInline } from '../../protocol/cas.js';
import { STREAMS, SUBJECTS } from '../../protocol/mesh.js';
import { ContentStore, openBackend } from '../../store/index.js';
import { fixture } from '../harness/flows.js';
import { TestMesh } from '../harness/mesh.js';

// Look for stalls twice a second (the default is every 30 s): set before the coordinator starts.
process.env.MESH_STALL_MS = '500';

let mesh: TestMesh;
before(async () => {
  mesh = await TestMesh.start();
  await mesh.coordinator();
  await mesh.worker(2, 'default-worker');
});
after(() => mesh.stop());

describe('mesh - a run whose task messages were lost', () => {
  it('is re-driven from its records once nothing is queued or running: the partitions lost run, the others do not run again', { timeout: 60_000 }, async () => {
    const js = jetstream(await mesh.connection());
    const jsm = await js.jetstreamManager();
    // No worker of pool 'side' yet: the foreach's 12 partitions wait in the stream.
    const submitted = await mesh.submit(fixture('side-pool'));
    const deadline = Date.now() + 30_000;
    let count = -1;
    for (let stable = 0; stable < 5 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const now = (await jsm.streams.info(STREAMS.tasks, { subjects_filter: SUBJECTS.task('side') })).state.messages;
      stable = now > 0 && now === count ? stable + 1 : 0;
      count = now;
    }
    const info = await jsm.streams.info(STREAMS.tasks);
    const seqs: number[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(STREAMS.tasks, { seq }).catch(() => null);
      if (m?.subject === SUBJECTS.task('side')) seqs.push(seq);
    }
    assert.ok(seqs.length >= 2, `the foreach is published on pool side (${seqs.length} messages)`);
    // Two of them are lost.
    for (const seq of seqs.slice(0, 2)) assert.ok(await jsm.streams.deleteMessage(STREAMS.tasks, seq));
    await mesh.worker(1, 'side-worker', 'side');
    const final = await mesh.follow(submitted);
    assert.equal(final.status, 'succeeded');
    const collect = await mesh.task(final, 'collect');
    const digest = collect.artifacts.total!;
    const inline = collect.inline?.[digest];
    const total = unpackValue(inline !== undefined ? fromInline(digest, inline) : await new ContentStore(openBackend(mesh.store)).get(digest));
    assert.equal(total, 132, 'the join saw all 12 partitions (2 × (0 + ... + 11))');
    const meta = await mesh.meta();
    let ran = 0;
    for (let i = 0; i < 12; i++) {
      const rec = await meta.getJson<{ status: string; attempts: unknown[] }>(`meta/SidePool/${final.run}/steps/work/${i}`);
      assert.equal(rec?.status, 'succeeded', `partition ${i}`);
      ran += rec!.attempts.length;
    }
    assert.equal(ran, 12, 'each partition recorded once');
  });
});
