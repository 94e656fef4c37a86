import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { example, fixture, runToEnd, tempDir } from '../harness/flows.js';
import { StoredRun } from '../harness/read.js';
import { Runner } from '../../coordinator/runner.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { blobKey } from '../../protocol/keys.js';

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n++;
  return n;
}

const store = tempDir('mesh-embedded-');
after(() => store.remove());

async function run(file: string, params: Record<string, unknown> = {}) {
  const done = await runToEnd(file, { store: store.path, params });
  const stored = new StoredRun(store.path, done.record.flow, done.record.run);
  return { ...done, stored };
}

describe('embedded runs - DAG shapes', () => {
  it('a linear flow passes artifacts from step to step and stores every task', async () => {
    const { record, stored, logs } = await run(fixture('linear'));
    assert.equal(record.status, 'succeeded');
    assert.deepEqual((await stored.steps()).sort(), ['end', 'middle', 'start']);
    assert.equal(await stored.artifact('middle', '0', 'b'), 2);
    assert.equal(await stored.artifact('end', '0', 'a'), 10);
    assert.match(logs('end/0'), /a=10 b=2/);
    assert.match(await stored.log('middle'), /middle on stderr/);
  });

  it('a static branch joins, merges agreeing artifacts, and a switch takes the chosen path', async () => {
    const big = await run(example('branches'));
    assert.equal(big.record.status, 'succeeded');
    assert.equal(await big.stored.artifact('end', '0', 'verdict'), '9 words, 35 letters');
    assert.deepEqual(await big.stored.artifact('merge', '0', 'words'), 'the quick brown fox jumps over the lazy dog'.split(' '));
    assert.deepEqual((await big.stored.steps()).includes('quote'), false);

    const small = await run(example('branches'), { text: 'two words' });
    assert.equal(await small.stored.artifact('end', '0', 'verdict'), '"two words"');
    assert.deepEqual((await small.stored.steps()).includes('summarize'), false);
  });

  it('a foreach fans out one task per element and the join sees every partition in order', async () => {
    const { record, stored, events } = await run(example('fanout'), { n: 50 });
    assert.equal(record.status, 'succeeded');
    assert.equal((await stored.tasks('sq')).length, 50);
    assert.equal(await stored.artifact('sq', '7', 'square'), 49);
    assert.equal(await stored.artifact('end', '0', 'total'), [...Array(50).keys()].reduce((s, i) => s + i * i, 0));
    const finished = events.filter((e) => e.type === 'task.finished');
    assert.equal(finished.length, 53);
    assert.equal(events.at(-1)?.type, 'run.finished');
  });

  it('a nested foreach gives each task its foreach stack and joins level by level', async () => {
    const { record, stored } = await run(fixture('nested'));
    assert.equal(record.status, 'succeeded');
    assert.deepEqual(await stored.artifact('cell', '2.1', 'stack'), [2, 1]);
    assert.equal(await stored.artifact('cell', '1.0', 'value'), 10);
    assert.deepEqual(await stored.artifact('joinAll', '0', 'rows'), [1, 21, 41]);
    assert.equal(await stored.artifact('end', '0', 'total'), 63);
  });

  it('a foreach over an empty list runs the join with no inputs', async () => {
    const { record, stored } = await run(example('fanout'), { n: 0 });
    assert.equal(record.status, 'succeeded');
    assert.equal(await stored.artifact('end', '0', 'total'), 0);
  });

  it('a few heavy partitions submitted together run on every pool thread, not one after the other on one', async () => {
    const { record, stored } = await run(fixture('heavy'), { n: 4, ms: 300 });
    assert.equal(record.status, 'succeeded');
    const threads = await stored.artifact('join', '0', 'threads') as number[];
    assert.equal(threads.length, 4);
    assert.equal(new Set(threads).size, 2, `partitions ran on threads ${threads.join(', ')} of the two`);
  });
});

describe('embedded runs - artifacts', () => {
  it('round-trips Map, Set, Date, typed arrays, Buffer, BigInt, large numbers and cycles', async () => {
    const { record, stored } = await run(fixture('types'));
    assert.equal(record.status, 'succeeded', JSON.stringify(record.failed));
    const map = await stored.artifact('end', '0', 'map');
    assert.ok(map instanceof Map && map.get('a') === 1);
    const cyclic = (await stored.artifact('end', '0', 'cyclic')) as { self: unknown };
    assert.equal(cyclic.self, cyclic);
    assert.equal(await stored.artifact('end', '0', 'big'), 12345678901234567890n);
  });

  it('an artifact that cannot be stored fails the task naming the step and the field', async () => {
    const { record, events } = await run(fixture('bad-artifact'));
    assert.equal(record.status, 'failed');
    assert.deepEqual(record.failed, [`BadArtifact/${record.run}/start/0`]);
    const failure = events.find((e) => e.type === 'task.failed');
    assert.ok(failure && failure.type === 'task.failed');
    assert.equal(failure.error, "step 'start': artifact 'callback' cannot be stored: the value is a function");
    assert.equal(failure.willRetry, false);
  });

  it('an unchanged artifact keeps its digest from step to step (stored once)', async () => {
    const { stored } = await run(fixture('linear'));
    const mid = await stored.task('middle');
    const end = await stored.task('end');
    assert.equal(end.artifacts.b, mid.artifacts.b);
    assert.match(mid.artifacts.b!, /^[0-9a-f]{64}$/);
  });

  it('small artifacts ride in their task record; large ones and putBlob bytes are store objects', async () => {
    const { record, stored } = await run(fixture('blobs'), { n: 6, big: true });
    assert.equal(record.status, 'succeeded');
    assert.deepEqual(await stored.artifact('join', '0', 'texts'), [0, 1, 2, 3, 4, 5].map((i) => `part ${i}`));
    assert.deepEqual(await stored.artifact('join', '0', 'sizes'), [4096, 4096, 4096, 4096, 4096, 4096]);
    const work = await stored.task('work', '3');
    // `ref` (a short string) is inline; `large` (4 KiB) is not, and neither is the putBlob payload.
    assert.ok(work.inline?.[work.artifacts.ref!], 'the small artifact is inline');
    assert.equal(work.inline?.[work.artifacts.large!], undefined);
    assert.equal(await stored.cas.backend.has(blobKey(work.artifacts.ref!)), false);
    assert.equal(await stored.cas.backend.has(blobKey(work.artifacts.large!)), true);
    const ref = await stored.artifact('work', '3', 'ref') as string;
    assert.equal(new TextDecoder().decode(await stored.cas.get(ref)), 'part 3');
  });

  it('a foreach of small values writes no store object per partition', async () => {
    const before = countFiles(join(store.path, 'data'));
    const { record } = await run(fixture('partitions'), { n: 200, bad: -1 });
    assert.equal(record.status, 'succeeded');
    // The list, the join's inputs, the code package, params: a handful, not 200.
    assert.ok(countFiles(join(store.path, 'data')) - before < 20, 'partitions stored no objects of their own');
  });

  it('getBlob of something that is not a digest fails the task naming the step', async () => {
    const done = await runToEnd(fixture('bad-blob'), { store: store.path });
    assert.equal(done.record.status, 'failed');
    const failure = done.events.find((e) => e.type === 'task.failed');
    assert.ok(failure?.type === 'task.failed');
    assert.match(failure.error, /step 'start'.*getBlob\(\) takes a sha256 digest/);
  });

  it('mergeArtifacts fails naming the artifacts the inputs disagree on, unless excluded', async () => {
    const conflict = await run(fixture('merge-conflict'));
    assert.equal(conflict.record.status, 'failed');
    const failure = conflict.events.find((e) => e.type === 'task.failed');
    assert.ok(failure && failure.type === 'task.failed');
    assert.match(failure.error, /inputs disagree on 'label'/);

    const excluded = await run(fixture('merge-conflict'), { exclude: true });
    assert.equal(excluded.record.status, 'succeeded');
    assert.equal(await excluded.stored.artifact('end', '0', 'shared'), 'same');
    assert.equal(await excluded.stored.artifact('end', '0', 'left'), 1);
    assert.deepEqual(await excluded.stored.artifact('end', '0', 'names'), ['from a', 'from b']);
  });
});

describe('embedded runs - parameters', () => {
  it('parses strings by the declared or default type and makes parameters read-only', async () => {
    const { record, stored, logs } = await run(fixture('params'), { count: '7', loud: 'true', owner: 'ana', config: '{"k":[2,3]}' });
    assert.equal(record.status, 'succeeded');
    assert.deepEqual(record.params, { count: 7, label: 'x', loud: true, config: { k: [2, 3] }, owner: 'ana' });
    assert.equal(await stored.artifact('start', '0', 'summary'), 'number:7 x boolean:true {"k":[2,3]} ana');
    assert.equal(await stored.artifact('end', '0', 'count'), 7);
    assert.match(logs('end/0'), /parameter 'count' is read-only/);
  });

  it('rejects a missing required parameter, a bad number and an unknown name before running', async () => {
    await assert.rejects(new Runner(fixture('params'), { store: store.path }).run(), /parameter 'owner' is required \(who runs it\)/);
    await assert.rejects(new Runner(fixture('params'), { store: store.path, params: { owner: 'a', count: 'many' } }).run(), /parameter 'count' must be a number, got 'many'/);
    await assert.rejects(new Runner(fixture('params'), { store: store.path, params: { owner: 'a', colour: 'red' } }).run(), /unknown parameter 'colour'/);
  });
});

describe('embedded runs - retry, timeout, catchErrors', () => {
  it('retries a flaky step, times out a hung attempt, and catches an error into an artifact', async () => {
    const { record, stored, events } = await run(fixture('policies'), { mode: 'timeout-once' });
    assert.equal(record.status, 'succeeded', JSON.stringify(record.failed));
    const flaky = await stored.task('flakyStep');
    assert.equal(flaky.attempts.length, 3);
    assert.deepEqual(flaky.attempts.map((a) => a.ok), [false, false, true]);
    assert.equal(flaky.attempts[0]!.error, 'flaky failure 0');
    assert.match(await stored.log('flakyStep', '0', 1), /attempt 1/);
    const slow = await stored.task('slowStep');
    assert.equal(slow.attempts[0]!.errorName, 'TimeoutError');
    assert.equal(await stored.artifact('slowStep', '0', 'slow'), 'done on attempt 1');
    assert.equal(await stored.artifact('end', '0', 'after'), 'caught TypeError: risky went wrong');
    const caught = events.find((e) => e.type === 'task.finished' && e.step === 'risky');
    assert.ok(caught && caught.type === 'task.finished' && caught.caught === true);
  });

  it('fails the run naming the step when every attempt fails', async () => {
    const { record, stored } = await run(fixture('policies'), { mode: 'exhaust' });
    assert.equal(record.status, 'failed');
    assert.deepEqual(record.failed, [`Policies/${record.run}/flakyStep/0`]);
    assert.equal((await stored.task('flakyStep')).attempts.length, 3);
    assert.deepEqual((await stored.steps()).sort(), ['flakyStep', 'start']);
  });

  it('fails the run when every attempt times out', async () => {
    const { record, stored } = await run(fixture('policies'), { mode: 'timeout-always' });
    assert.equal(record.status, 'failed');
    assert.deepEqual((await stored.task('slowStep')).attempts.map((a) => a.errorName), ['TimeoutError', 'TimeoutError']);
  });
});

describe('embedded runs - branch and switch inside a foreach', () => {
  it('joins each partition\'s branches, takes each partition\'s switch case, and collects in index order', async () => {
    const { record, stored } = await run(fixture('mixed'));
    assert.equal(record.status, 'succeeded', JSON.stringify(record.failed));
    assert.deepEqual(await stored.artifact('end', '0', 'labels'), ['odd 110', 'even 220', 'odd 330', 'even 440']);
    assert.deepEqual((await stored.tasks('ev')).sort(), ['1', '3']);
    assert.deepEqual((await stored.tasks('bodyJoin')).sort(), ['0', '1', '2', '3']);
    assert.deepEqual((await stored.task('bodyJoin', '2')).inputs, ['a/2', 'b/2']);
  });
});

describe('embedded runs - a task that kills its thread', () => {
  it('fails only that task; the tasks sent to the same thread with it still succeed', async () => {
    const { record, stored } = await run(fixture('crash'));
    assert.equal(record.status, 'failed');
    assert.deepEqual(record.failed, [`Crash/${record.run}/work/2`]);
    assert.equal((await stored.tasks('work')).length, 40);
    assert.equal((await stored.task('work', '3')).status, 'succeeded');
    assert.equal((await stored.task('work', '2')).status, 'failed');
  });
});

describe('embedded runs - failures deep inside splits', () => {
  it('a failing partition of a foreach inside a branch fails the run naming it; the other branch still runs', async () => {
    const { record, stored, events } = await run(fixture('deep-failure'), { bad: 2 });
    assert.equal(record.status, 'failed');
    assert.deepEqual(record.failed, [`DeepFailure/${record.run}/work/2`]);
    assert.equal((await stored.task('b')).status, 'succeeded');
    assert.equal(events.some((e) => e.type === 'task.started' && (e.step === 'inner' || e.step === 'outer')), false);
  });
});
