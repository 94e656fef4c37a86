import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Flow, NotFoundError, UsageError, findRun, listFlows, listRuns, openArtifact, openRun, openTask, type Task,
} from '../../client/index.js';
import type { StorageBackend } from '../../store/index.js';
import { FAILED_TASK, FANOUT_RUN, FANOUT_TASKS, LINEAR_NEW, LINEAR_OLD, TestStore, VALUES, writeFixtures } from './fixtures.js';

/** A backend that counts reads and how many are in flight at once. */
class CountingBackend implements StorageBackend {
  gets = 0;
  lists = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly inner: StorageBackend) {}

  get url(): string {
    return this.inner.url;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.gets++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      return await this.inner.get(key);
    } finally {
      this.inFlight--;
    }
  }

  list(prefix: string): Promise<string[]> {
    this.lists++;
    return this.inner.list(prefix);
  }

  has(key: string): Promise<boolean> {
    return this.inner.has(key);
  }

  put(): Promise<boolean> {
    throw new Error('the client must not write');
  }

  delete(): Promise<void> {
    throw new Error('the client must not delete');
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function collect(tasks: AsyncIterable<Task>): Promise<Task[]> {
  const out: Task[] = [];
  for await (const t of tasks) out.push(t);
  return out;
}

let store: TestStore;
before(async () => {
  store = await TestStore.create();
  await writeFixtures(store);
});
after(() => store.remove());

describe('client - flows and runs', () => {
  it('lists the flows in a store by name', async () => {
    const flows = await listFlows({ store: store.root });
    assert.deepEqual(flows.map((f) => f.name), ['Fanout', 'Linear']);
  });

  it('reads nothing until asked, and lists run ids with one list call', async () => {
    const counting = new CountingBackend(store.backend);
    const flow = new Flow('Linear', { store: counting });
    assert.equal(counting.gets + counting.lists, 0);
    assert.deepEqual(await flow.runIds(), [LINEAR_NEW, LINEAR_OLD]);
    assert.equal(counting.lists, 1);
    assert.equal(counting.gets, 0);
  });

  it('lists runs newest first and finds the latest', async () => {
    const flow = new Flow('Linear', { store: store.root });
    const runs = await flow.runs();
    assert.deepEqual(runs.map((r) => [r.id, r.status]), [[LINEAR_NEW, 'running'], [LINEAR_OLD, 'succeeded']]);
    assert.equal((await flow.latestRun())?.id, LINEAR_NEW);
    assert.deepEqual((await flow.runs({ limit: 1 })).map((r) => r.id), [LINEAR_NEW]);
  });

  it('lists the runs of every flow newest first', async () => {
    const runs = await listRuns({ store: store.root });
    assert.deepEqual(runs.map((r) => r.pathspec), [`Fanout/${FANOUT_RUN}`, `Linear/${LINEAR_NEW}`, `Linear/${LINEAR_OLD}`]);
  });

  it('gives a flow without runs no runs and no latest run', async () => {
    const flow = new Flow('Nothing', { store: store.root });
    assert.deepEqual(await flow.runs(), []);
    assert.equal(await flow.latestRun(), undefined);
  });

  it('exposes the run record as typed fields', async () => {
    const run = await new Flow('Linear', { store: store.root }).run(LINEAR_OLD);
    assert.equal(run.pathspec, `Linear/${LINEAR_OLD}`);
    assert.deepEqual(run.params, { n: 3, name: 'x' });
    assert.deepEqual(run.createdAt, new Date('2026-11-27T10:00:00.000Z'));
    assert.deepEqual(run.finishedAt, new Date('2026-11-27T10:00:02.500Z'));
    assert.equal(run.durationMs, 2500);
    assert.deepEqual(run.failed, []);
    assert.equal(run.record().schema, 'mesh.v1.run');
  });

  it('lists every step in graph order, and the tasks of a step that did not run as none', async () => {
    const run = await openRun(`Fanout/${FANOUT_RUN}`, { store: store.root });
    assert.deepEqual(run.steps().map((s) => s.name), ['start', 'process', 'join', 'end']);
    assert.deepEqual(await run.step('join').taskIds(), []);
    assert.throws(() => run.step('nope'), (err: Error) =>
      err instanceof NotFoundError && /no step 'nope'.*start, process, join, end/.test(err.message));
  });

  it('names the run and the store when a run is missing', async () => {
    await assert.rejects(new Flow('Linear', { store: store.root }).run('20200101T000000000-0000'), (err: Error) =>
      err instanceof NotFoundError && err.message.includes('Linear/20200101T000000000-0000') && err.message.includes(store.backend.url));
  });

  it('rejects a concurrency that is not a positive integer, naming the field', () => {
    assert.throws(() => new Flow('Linear', { store: store.root, concurrency: 0 }), (err: Error) =>
      err instanceof UsageError && /^concurrency must be a positive integer/.test(err.message));
  });

  it('rejects a flow name that cannot be stored', () => {
    assert.throws(() => new Flow('../etc', { store: store.root }), UsageError);
  });
});

describe('client - data of a run', () => {
  it('round-trips Map, Set, Date, typed array, BigInt and string artifacts', async () => {
    const data = await (await openRun(LINEAR_OLD, { store: store.root })).data();
    assert.deepEqual(Object.keys(data), ['big', 'counts', 'n', 'tags', 'text', 'vec', 'when']);
    assert.ok(data.counts instanceof Map);
    assert.deepEqual(data.counts, VALUES.counts);
    assert.ok(data.tags instanceof Set);
    assert.deepEqual(data.tags, VALUES.tags);
    assert.ok(data.when instanceof Date);
    assert.equal((data.when as Date).toISOString(), VALUES.when.toISOString());
    assert.ok(data.vec instanceof Float64Array);
    assert.deepEqual(Array.from(data.vec as Float64Array), [1.5, 2.5]);
    assert.equal(data.big, VALUES.big);
    assert.equal(data.text, VALUES.text);
  });

  it('reads an artifact only when its value is asked for, and once', async () => {
    const counting = new CountingBackend(store.backend);
    const task = await (await new Flow('Linear', { store: counting }).run(LINEAR_OLD)).step('middle').task('0');
    const before = counting.gets;
    const artifacts = task.artifacts();
    assert.deepEqual(artifacts.map((a) => a.name), ['counts', 'n', 'tags', 'when']);
    assert.equal(counting.gets, before);
    const when = task.artifact('when');
    assert.equal(when.pathspec, `Linear/${LINEAR_OLD}/middle/0/when`);
    assert.match(when.digest, /^[0-9a-f]{64}$/);
    assert.equal((await when.value<Date>()).toISOString(), VALUES.when.toISOString());
    await when.value();
    assert.equal(counting.gets, before + 1);
  });

  it('says the run has no result when it did not reach its end step', async () => {
    const run = await openRun(`Fanout/${FANOUT_RUN}`, { store: store.root });
    await assert.rejects(run.data(), (err: Error) => err instanceof NotFoundError && /'end' step did not run/.test(err.message));
  });

  it('lists the artifacts a task has when asked for one it lacks', async () => {
    const task = await openTask(`Linear/${LINEAR_OLD}/start/0`, { store: store.root });
    assert.throws(() => task.artifact('nope'), (err: Error) =>
      err instanceof NotFoundError && err.message.includes("no artifact 'nope' (it has counts, n)"));
  });

  it('opens an artifact by pathspec', async () => {
    const artifact = await openArtifact(`Linear/${LINEAR_OLD}/end/0/counts`, { store: store.root });
    assert.deepEqual(await artifact.value(), VALUES.counts);
  });
});

describe('client - a foreach of 150 tasks', () => {
  it('orders task ids by their indices as numbers, not as text', async () => {
    const run = await openRun(FANOUT_RUN, { store: store.root });
    const ids = await run.step('process').taskIds();
    assert.equal(ids.length, FANOUT_TASKS);
    assert.deepEqual(ids.slice(0, 12), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
    assert.equal(ids.at(-1), '149');
    const tasks = await collect(run.step('process').tasks());
    assert.deepEqual(tasks.map((t) => t.id), ids);
  });

  it('reads task records a bounded number at a time, and not past where the loop stops', async () => {
    const counting = new CountingBackend(store.backend);
    const run = await new Flow('Fanout', { store: counting, concurrency: 8 }).run(FANOUT_RUN);
    const start = counting.gets;
    let seen = 0;
    for await (const task of run.step('process').tasks()) {
      assert.equal(task.id, String(seen));
      if (++seen === 3) break;
    }
    assert.ok(counting.gets - start <= 3 + 8, `read ${counting.gets - start} records for 3 tasks`);
    assert.ok(counting.maxInFlight <= 8, `${counting.maxInFlight} reads in flight`);

    const fresh = new CountingBackend(store.backend);
    const again = await new Flow('Fanout', { store: fresh, concurrency: 8 }).run(FANOUT_RUN);
    const all = await collect(again.step('process').tasks());
    assert.equal(all.length, FANOUT_TASKS);
    assert.ok(fresh.maxInFlight <= 8, `${fresh.maxInFlight} reads in flight`);
    assert.ok(fresh.maxInFlight > 1, 'reads should overlap');
  });

  it('summarizes a large step: counts by status, durations, and only the failed tasks', async () => {
    const run = await openRun(FANOUT_RUN, { store: store.root });
    const s = await run.step('process').summary({ keep: 20 });
    assert.equal(s.tasks, FANOUT_TASKS);
    assert.equal(s.byStatus.succeeded, FANOUT_TASKS - 1);
    assert.equal(s.byStatus.failed, 1);
    assert.equal(s.all, undefined);
    assert.deepEqual(s.failed.map((t) => t.id), [FAILED_TASK]);
    assert.equal(s.totalMs, (FANOUT_TASKS - 1) * 10 + 20);
    assert.equal(run.status, 'failed');
    assert.deepEqual(run.failed, [`Fanout/${FANOUT_RUN}/process/${FAILED_TASK}`]);
  });

  it('keeps a failed task’s attempts and the log of each', async () => {
    const task = await openTask(`Fanout/${FANOUT_RUN}/process/${FAILED_TASK}`, { store: store.root });
    assert.equal(task.status, 'failed');
    assert.equal(task.successful, false);
    assert.equal(task.attempts.length, 2);
    assert.equal(task.error, 'Error: boom 1');
    assert.equal(await task.logs(), 'try 1\n');
    assert.equal(await task.logs(0), 'try 0\n');
    await assert.rejects(task.logs(5), (err: Error) => err instanceof NotFoundError && /attempts: 0, 1/.test(err.message));
    assert.throws(() => task.artifact('doubled'), /a failed task stores none/);
  });

  it('gives an empty log for an attempt that printed nothing', async () => {
    const task = await openTask(`Fanout/${FANOUT_RUN}/process/3`, { store: store.root });
    assert.equal(task.successful, true);
    assert.equal(await task.logs(), '');
    assert.equal(await task.artifact('doubled').value(), 6);
  });

  it('says which task is missing, and where', async () => {
    await assert.rejects(openTask(`Fanout/${FANOUT_RUN}/process/150`, { store: store.root }), (err: Error) =>
      err instanceof NotFoundError && err.message.includes(`Fanout/${FANOUT_RUN}/process/150`) && err.message.includes(store.backend.url));
  });
});

describe('client - findRun', () => {
  it('finds a run by Flow/run and by its bare id', async () => {
    assert.equal((await findRun(`Linear/${LINEAR_OLD}`, { store: store.root })).run, LINEAR_OLD);
    const rec = await findRun(FANOUT_RUN, { store: store.root });
    assert.equal(rec.flow, 'Fanout');
    assert.equal(rec.status, 'failed');
  });

  it('names the run and the store when no flow has it', async () => {
    await assert.rejects(findRun('20200101T000000000-0000', { store: store.root }), (err: Error) =>
      err instanceof NotFoundError
      && err.message.includes('20200101T000000000-0000')
      && err.message.includes(store.backend.url)
      && err.message.includes('Fanout, Linear'));
    await assert.rejects(findRun('Nope/20200101T000000000-0000', { store: store.root }), NotFoundError);
  });

  it('says a bare id is ambiguous when two flows have it', async () => {
    const other = await TestStore.create();
    try {
      await writeFixtures(other);
      const copy = await other.meta.getJson<object>(`meta/Linear/${LINEAR_OLD}/run`);
      await other.meta.putJson(`meta/Other/${LINEAR_OLD}/run`, { ...copy, flow: 'Other' });
      await assert.rejects(findRun(LINEAR_OLD, { store: other.root }), (err: Error) =>
        err instanceof UsageError && err.message.includes('Linear, Other') && err.message.includes(`Linear/${LINEAR_OLD}`));
      assert.equal((await findRun(`Other/${LINEAR_OLD}`, { store: other.root })).flow, 'Other');
    } finally {
      await other.remove();
    }
  });

  it('rejects what is not a run id or Flow/run', async () => {
    await assert.rejects(findRun('a/b/c', { store: store.root }), UsageError);
    await assert.rejects(findRun('../x', { store: store.root }), UsageError);
  });
});
