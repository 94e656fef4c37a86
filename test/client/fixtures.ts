/**
 * Stored runs for client tests, written record by record the way the runtime writes them (blobs
 * first, the task record last) so no flow has to run. Values go through packValue like real artifacts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packValue } from '../../protocol/artifacts.js';
import type { FlowGraph, GraphStep, Transition } from '../../protocol/graph.js';
import { runKey, taskKey } from '../../protocol/keys.js';
import type { AttemptRecord, RunRecord, TaskRecord, TaskStatus } from '../../protocol/records.js';
import { ContentStore, FileBackend, MetadataStore } from '../../store/index.js';

export const LINEAR_OLD = '20261127T100000000-aaaa';
export const LINEAR_NEW = '20261127T110000000-bbbb';
export const FANOUT_RUN = '20261127T120000000-cccc';
export const FANOUT_TASKS = 150;
export const FAILED_TASK = '7';

export const VALUES = {
  counts: new Map<string, number>([['a', 1], ['b', 2]]),
  tags: new Set(['x', 'y']),
  when: new Date('2026-11-27T10:00:01.000Z'),
  vec: new Float64Array([1.5, 2.5]),
  big: 12345678901234567890n,
  text: 'hello\nworld',
};

export class TestStore {
  readonly meta: MetadataStore;
  readonly blobs: ContentStore;

  private constructor(readonly root: string, readonly backend: FileBackend) {
    this.meta = new MetadataStore(backend);
    this.blobs = new ContentStore(backend);
  }

  static async create(): Promise<TestStore> {
    const root = await mkdtemp(join(tmpdir(), 'mesh-client-'));
    return new TestStore(root, new FileBackend(root));
  }

  async remove(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }

  async writeRun(rec: RunRecord): Promise<void> {
    await this.meta.putJson(runKey(rec.flow, rec.run), rec);
  }

  /** Stores the artifact values and logs, then the task record. */
  async writeTask(t: {
    flow: string; run: string; step: string; task: string; status?: TaskStatus;
    artifacts?: Record<string, unknown>;
    attempts?: Array<{ ok: boolean; log?: string; error?: string; ms?: number }>;
    start?: string;
    clonedFrom?: string;
  }): Promise<TaskRecord> {
    const artifacts: Record<string, string> = {};
    for (const [name, value] of Object.entries(t.artifacts ?? {})) artifacts[name] = await this.blobs.put(packValue(value));
    let at = Date.parse(t.start ?? '2026-11-27T10:00:00.000Z');
    const attempts: AttemptRecord[] = [];
    for (const [i, a] of (t.attempts ?? [{ ok: true }]).entries()) {
      const startedAt = new Date(at).toISOString();
      at += a.ms ?? 10;
      const log = a.log ? await this.blobs.put(new TextEncoder().encode(a.log)) : undefined;
      attempts.push({
        attempt: i, startedAt, finishedAt: new Date(at).toISOString(), ok: a.ok,
        ...(a.error ? { error: a.error, errorName: 'Error' } : {}),
        ...(log ? { log } : {}),
      });
    }
    const status = t.status ?? (attempts[attempts.length - 1]!.ok ? 'succeeded' : 'failed');
    const foreach = t.task === '0' && t.step !== 'process' ? [] : t.task.split('.').map(Number);
    const rec: TaskRecord = {
      schema: 'mesh.v1.task', flow: t.flow, run: t.run, step: t.step, task: t.task, status, foreach,
      inputs: [], artifacts, attempts, startedAt: attempts[0]!.startedAt, finishedAt: attempts[attempts.length - 1]!.finishedAt,
      ...(t.clonedFrom ? { clonedFrom: t.clonedFrom } : {}),
    };
    await this.meta.putJson(taskKey(t.flow, t.run, t.step, t.task), rec);
    return rec;
  }
}

/** A graph from steps in order, each with its transition. */
export function graphOf(flow: string, steps: Array<[string, Transition]>): FlowGraph {
  const out: Record<string, GraphStep> = {};
  for (const [i, [name, transition]] of steps.entries()) {
    out[name] = {
      name, line: i + 1, isJoin: name === 'join', transition, foreachDepth: name === 'process' ? 1 : 0,
      assigns: [], parents: steps.filter(([, t]) => 'to' in t && (t.to === name || (Array.isArray(t.to) && t.to.includes(name)))).map(([n]) => n),
    };
  }
  return { flow, file: `${flow.toLowerCase()}.ts`, order: steps.map(([n]) => n), steps: out, params: [] };
}

export function runRecord(flow: string, run: string, graph: FlowGraph, more: Partial<RunRecord> = {}): RunRecord {
  return {
    schema: 'mesh.v1.run', flow, run, status: 'succeeded', code: '0'.repeat(64), file: graph.file, graph,
    params: {}, paramArtifacts: {}, createdAt: '2026-11-27T10:00:00.000Z', runtime: 'embedded', ...more,
  };
}

const LINEAR_GRAPH = graphOf('Linear', [
  ['start', { type: 'linear', to: 'middle' }],
  ['middle', { type: 'linear', to: 'end' }],
  ['end', { type: 'end' }],
]);

const FANOUT_GRAPH = graphOf('Fanout', [
  ['start', { type: 'foreach', to: 'process', field: 'items' }],
  ['process', { type: 'linear', to: 'join' }],
  ['join', { type: 'linear', to: 'end' }],
  ['end', { type: 'end' }],
]);

/**
 * Linear: an older finished run whose artifacts are Map/Set/Date/typed array/BigInt/string values,
 * and a newer one still running. Fanout: a failed run whose `process` foreach has 150 tasks and
 * task 7 failed twice, with a log per attempt.
 */
export async function writeFixtures(store: TestStore): Promise<void> {
  const ref = { flow: 'Linear', run: LINEAR_OLD };
  await store.writeRun(runRecord('Linear', LINEAR_OLD, LINEAR_GRAPH, {
    params: { n: 3, name: 'x' }, createdAt: '2026-11-27T10:00:00.000Z', finishedAt: '2026-11-27T10:00:02.500Z',
  }));
  await store.writeTask({ ...ref, step: 'start', task: '0', artifacts: { n: 3, counts: VALUES.counts }, attempts: [{ ok: true, log: 'hello from start\n' }] });
  await store.writeTask({ ...ref, step: 'middle', task: '0', artifacts: { n: 3, counts: VALUES.counts, tags: VALUES.tags, when: VALUES.when } });
  await store.writeTask({ ...ref, step: 'end', task: '0', artifacts: { n: 3, counts: VALUES.counts, tags: VALUES.tags, when: VALUES.when, vec: VALUES.vec, big: VALUES.big, text: VALUES.text } });

  await store.writeRun(runRecord('Linear', LINEAR_NEW, LINEAR_GRAPH, { status: 'running', createdAt: '2026-11-27T11:00:00.000Z' }));
  await store.writeTask({ flow: 'Linear', run: LINEAR_NEW, step: 'start', task: '0', artifacts: { n: 3 } });

  const fan = { flow: 'Fanout', run: FANOUT_RUN };
  const items = Array.from({ length: FANOUT_TASKS }, (_, i) => i * 2);
  await store.writeRun(runRecord('Fanout', FANOUT_RUN, FANOUT_GRAPH, {
    status: 'failed', params: { width: FANOUT_TASKS }, createdAt: '2026-11-27T12:00:00.000Z', finishedAt: '2026-11-27T12:01:05.000Z',
    failed: [`Fanout/${FANOUT_RUN}/process/${FAILED_TASK}`],
  }));
  await store.writeTask({ ...fan, step: 'start', task: '0', artifacts: { items } });
  await Promise.all(items.map((item, i) => i === Number(FAILED_TASK)
    ? store.writeTask({
      ...fan, step: 'process', task: String(i),
      attempts: [{ ok: false, log: 'try 0\n', error: 'boom 0' }, { ok: false, log: 'try 1\n', error: 'boom 1' }],
    })
    : store.writeTask({ ...fan, step: 'process', task: String(i), artifacts: { items, doubled: item } })));
}
