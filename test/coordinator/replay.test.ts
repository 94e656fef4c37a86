import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Runner } from '../../coordinator/runner.js';
import { startEmbeddedRun } from '../../coordinator/embedded.js';
import type { RunEvent } from '../../protocol/events.js';
import { blobKey, taskKey } from '../../protocol/keys.js';
import { openBackend } from '../../store/index.js';
import { fixture, runToEnd, tempDir } from '../harness/flows.js';
import { StoredRun } from '../harness/read.js';

const dir = tempDir('mesh-replay-');
after(() => dir.remove());

async function replay(file: string, origin: string, opts: { step?: string; partitions?: number[] } = {}) {
  const events: RunEvent[] = [];
  const run = await startEmbeddedRun({
    file, store: dir.path, maxWorkers: 2, replay: { run: origin, step: opts.step, partitions: opts.partitions, failed: !opts.step && !opts.partitions },
    onEvent: (e) => events.push(e),
  });
  const record = await run.wait();
  return { record, events, stored: new StoredRun(dir.path, record.flow, record.run) };
}

const executed = (events: RunEvent[]) => events
  .filter((e) => e.type === 'task.finished' && e.status === 'succeeded')
  .map((e) => (e.type === 'task.finished' ? `${e.step}/${e.task}` : ''))
  .sort();

describe('replay', () => {
  it('a failing partition fails the run naming it; replay --failed after the fix re-runs only it', async () => {
    const flow = join(dir.path, 'partitions.ts');
    copyFileSync(fixture('partitions'), flow);
    const first = await runToEnd(flow, { store: dir.path });
    assert.equal(first.record.status, 'failed');
    assert.deepEqual(first.record.failed, [`Partitions/${first.record.run}/work/3`]);
    const failure = first.events.find((e) => e.type === 'task.failed');
    assert.ok(failure?.type === 'task.failed' && failure.error === 'cannot handle 3');

    // Fix the code, then replay: partition 3, the join and end run; everything else is cloned.
    writeFileSync(flow, readFileSync(flow, 'utf8').replace('if (this.input === this.bad)', 'if (this.input === -1)'));
    const second = await replay(flow, first.record.run);
    assert.equal(second.record.status, 'succeeded');
    assert.deepEqual(second.record.origin, { run: first.record.run, mode: 'failed' });
    assert.deepEqual(executed(second.events), ['collect/0', 'end/0', 'work/3']);
    const cloned = second.events.filter((e) => e.type === 'task.finished' && e.status === 'cloned');
    assert.equal(cloned.length, 12); // start and 11 partitions
    assert.equal(await second.stored.artifact('end', '0', 'total'), 132);
    const clonedTask = await second.stored.task('work', '5');
    assert.equal(clonedTask.status, 'cloned');
    assert.equal(clonedTask.clonedFrom, `Partitions/${first.record.run}/work/5`);
    const original = await new StoredRun(dir.path, 'Partitions', first.record.run).task('work', '5');
    assert.deepEqual(clonedTask.artifacts, original.artifacts);
  });

  it('replay --step re-runs that step and everything after it', async () => {
    const first = await runToEnd(fixture('linear'), { store: dir.path });
    assert.equal(first.record.status, 'succeeded');
    const second = await replay(fixture('linear'), first.record.run, { step: 'middle' });
    assert.equal(second.record.status, 'succeeded');
    assert.deepEqual(executed(second.events), ['end/0', 'middle/0']);
    assert.equal((await second.stored.task('start')).status, 'cloned');
  });

  it('replay --partition re-runs those partitions and what depends on them', async () => {
    const first = await runToEnd(fixture('partitions'), { store: dir.path, params: { n: 8, bad: -1 } });
    assert.equal(first.record.status, 'succeeded');
    const second = await replay(fixture('partitions'), first.record.run, { partitions: [2, 6] });
    assert.equal(second.record.status, 'succeeded');
    assert.deepEqual(second.record.origin, { run: first.record.run, mode: 'partition', partitions: [2, 6] });
    assert.deepEqual(executed(second.events), ['collect/0', 'end/0', 'work/2', 'work/6']);
  });

  it('a blob changed in the store is detected on read: the task fails naming both digests', async () => {
    const first = await runToEnd(fixture('linear'), { store: dir.path });
    const stored = new StoredRun(dir.path, 'Linear', first.record.run);
    const start = await stored.task('start');
    const digest = start.artifacts.a!;
    const backend = openBackend(dir.path);
    // Same codec byte (raw), different payload: a bit flip on disk. A small artifact's bytes are in its
    // task record, a large one's in its own object: change whichever holds them.
    const flipped = new Uint8Array([0, 0x02]);
    if (start.inline?.[digest]) {
      const key = taskKey('Linear', first.record.run, 'start', '0');
      await backend.put(key, new TextEncoder().encode(JSON.stringify({ ...start, inline: { [digest]: Buffer.from(flipped).toString('base64') } })));
    } else {
      await backend.put(blobKey(digest), flipped);
    }
    const second = await replay(fixture('linear'), first.record.run, { step: 'middle' });
    assert.equal(second.record.status, 'failed');
    const failure = second.events.find((e) => e.type === 'task.failed');
    assert.ok(failure?.type === 'task.failed');
    assert.match(failure.error, new RegExp(`expected sha256 ${digest}, got [0-9a-f]{64}`));
    assert.equal(failure.willRetry, false);
  });

  it('refuses to replay a run that does not exist, naming it', async () => {
    await assert.rejects(
      startEmbeddedRun({ file: fixture('linear'), store: dir.path, replay: { run: 'nope' } }),
      /no run Linear\/nope/,
    );
    await assert.rejects(new Runner(fixture('linear'), { store: dir.path }).run().then(async (r) => {
      await r.wait();
      return startEmbeddedRun({ file: fixture('linear'), store: dir.path, replay: { run: r.id, step: 'nosuch' } });
    }), /--step nosuch: the flow has no such step/);
  });
});
