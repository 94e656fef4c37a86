/**
 * The embedded driver: runs a whole flow in this process, tasks in a piscina pool, run and task
 * records in the store beside the artifacts. `mesh run` and the Runner use it.
 *
 *   const run = await startEmbeddedRun({ file: 'flow.ts', params: { n: 5 } });
 *   for await (const e of run.events()) console.log(e.type);
 *   const record = await run.wait();       // record.status: 'succeeded' | 'failed'
 */
import { packValue } from '../protocol/artifacts.js';
import type { RunEvent, TaskCounts } from '../protocol/events.js';
import type { FlowGraph } from '../protocol/graph.js';
import { runKey, taskKey } from '../protocol/keys.js';
import type { AttemptRecord, RunRecord, TaskRecord } from '../protocol/records.js';
import { artifactSetOf, type ArtifactSet, type TaskResult, type TaskSpec } from '../protocol/task.js';
import type { FlowMeta, StepMeta } from '../sdk/meta.js';
import { ContentStore, MetadataStore, openBackend, type StorageBackend } from '../store/index.js';
import { TaskPool } from '../worker/pool.js';
import { toTaskError } from '../worker/task-runner.js';
import { catchFailure } from '../worker/catch.js';
import { prepareRun, type PreparedRun } from './prepare.js';
import { NotFoundError, UsageError } from './errors.js';
import { RunMachine, type PlannedTask } from './machine.js';
import { ReplayPlan, type ReplayRequest } from './replay.js';
import { EventStream } from './event-stream.js';
import { RecentMap } from './recent-map.js';

export interface EmbeddedRunOptions {
  file: string;
  /** Strings (parsed by the parameter's type) or typed values. */
  params?: Record<string, unknown>;
  /** Directory or s3://bucket/prefix; defaults to MESH_STORE, then `.mesh` in cwd. */
  store?: string;
  cwd?: string;
  /** Pool threads; defaults to the number of cores. */
  maxWorkers?: number;
  /** Called with everything a task prints, as it prints it. */
  onLog?: (task: string, stream: 'stdout' | 'stderr', text: string) => void;
  /** Called synchronously with every event, from the first. */
  onEvent?: (event: RunEvent) => void;
  /** Replay an earlier run of the same flow: clone its successful tasks, re-run the rest. */
  replay?: ReplayRequest;
}

export interface EmbeddedRun {
  readonly flow: string;
  readonly run: string;
  readonly store: string;
  /** Resolves with the final run record. */
  wait(): Promise<RunRecord>;
  /** Every event of the run from its start, then ends. */
  events(): AsyncIterableIterator<RunEvent>;
  readonly status: RunRecord['status'];
  /** Tasks planned so far for a step (a foreach counts all its partitions once it splits). */
  planned(step: string): number | undefined;
}

/** Tasks handed to the pool at once: enough to keep every thread busy while results are written. */
const WINDOW_PER_THREAD = 16;
/** Join inputs longer than this are stored as a blob, not inline in the spec and record. */
const INLINE_INPUTS = 64;
/** Artifact maps of recent tasks kept in memory (foreach parents are read once per partition). */
const RECORD_CACHE = 65_536;

export async function startEmbeddedRun(options: EmbeddedRunOptions): Promise<EmbeddedRun> {
  const cwd = options.cwd ?? process.cwd();
  const backend = openBackend(options.store, cwd);
  const cas = new ContentStore(backend);
  const meta = new MetadataStore(backend);
  const cache = new ArtifactCache(meta, RECORD_CACHE);
  const logSink = { fn: options.onLog };
  const pool = new TaskPool({
    threads: options.maxWorkers,
    handler: async (req) => {
      if (req.op === 'blobs') return Promise.all(req.digests.map((d) => cas.getStored(d)));
      return Promise.all(req.refs.map((ref) => cache.artifactsOf(req.flow, req.run, ref)));
    },
    onLog: (task, stream, text) => logSink.fn?.(task ?? '?', stream, text),
  });
  let prepared: PreparedRun;
  try {
    prepared = await prepareRun({
      file: options.file, cwd, params: options.params, replay: options.replay, runtime: 'embedded', cas, meta, pool,
    });
  } catch (err) {
    await pool.close();
    throw err;
  }
  const { record, flowMeta, replay } = prepared;
  await meta.putJson(runKey(record.flow, record.run), record);

  const driver = new Driver({ record, graph: record.graph, flowMeta, pool, cas, meta, cache, replay, backend });
  if (options.onEvent) driver.stream.listen(options.onEvent);
  const done = driver.run().finally(() => pool.close());
  return {
    flow: record.flow,
    run: record.run,
    store: backend.url,
    wait: () => done,
    events: () => driver.stream.iterate(),
    get status() { return driver.status; },
    planned: (step) => driver.planned(step),
  };
}

/** Artifact sets of this run's tasks, from memory when recent, else from their records. */
class ArtifactCache {
  private readonly map: RecentMap<string, ArtifactSet>;
  constructor(private readonly meta: MetadataStore, limit: number) {
    this.map = new RecentMap(limit);
  }

  set(ref: string, rec: ArtifactSet): void {
    this.map.set(ref, artifactSetOf(rec));
  }

  async artifactsOf(flow: string, run: string, ref: string): Promise<ArtifactSet> {
    const hit = this.map.get(ref);
    if (hit) return hit;
    const [step, task] = ref.split('/') as [string, string];
    const rec = await this.meta.getJson<TaskRecord>(taskKey(flow, run, step, task));
    if (!rec) throw new NotFoundError(`task ${flow}/${run}/${ref} has no record`);
    return artifactSetOf(rec);
  }
}

interface DriverParts {
  record: RunRecord;
  graph: FlowGraph;
  flowMeta: FlowMeta;
  pool: TaskPool;
  cas: ContentStore;
  meta: MetadataStore;
  cache: ArtifactCache;
  backend: StorageBackend;
  replay?: ReplayPlan;
}

class Driver {
  readonly stream = new EventStream<RunEvent>();
  status: RunRecord['status'] = 'running';
  private readonly machine: RunMachine;
  private inFlight = 0;
  private readonly counts: TaskCounts = { succeeded: 0, failed: 0, cloned: 0 };
  private wake?: () => void;
  private fatal?: unknown;
  private readonly started = Date.now();

  constructor(private readonly p: DriverParts) {
    this.machine = new RunMachine(p.graph);
  }

  planned(step: string): number | undefined {
    return this.machine.planned.get(step);
  }

  private emit(e: RunEvent): void {
    this.stream.push(e);
  }

  async run(): Promise<RunRecord> {
    const { record } = this.p;
    this.emit({
      type: 'run.started', flow: record.flow, run: record.run, file: record.file, params: record.params,
      store: this.p.backend.url, origin: record.origin?.run, time: record.createdAt,
    });
    this.machine.start();
    const window = this.p.pool.threads * WINDOW_PER_THREAD;
    try {
      for (;;) {
        if (this.fatal) throw this.fatal;
        for (const t of this.machine.take(window - this.inFlight)) {
          this.inFlight++;
          this.execute(t).catch((err) => { this.fatal ??= err; }).finally(() => {
            this.inFlight--;
            this.wake?.();
          });
        }
        if (this.inFlight === 0 && !this.machine.hasReady) break;
        await new Promise<void>((resolve) => { this.wake = resolve; });
      }
    } catch (err) {
      // A store failure or a bug: wait for what is running, then end the run failed.
      while (this.inFlight > 0) await new Promise<void>((resolve) => { this.wake = resolve; });
      await this.finish(err);
      throw err;
    }
    return this.finish();
  }

  private async finish(error?: unknown): Promise<RunRecord> {
    const { record } = this.p;
    const failed = this.machine.failed.map((r) => `${record.flow}/${record.run}/${r}`);
    const status = failed.length === 0 && !error ? 'succeeded' : 'failed';
    const final: RunRecord = { ...record, status, finishedAt: new Date().toISOString(), ...(failed.length ? { failed } : {}) };
    await this.p.meta.putJson(runKey(record.flow, record.run), final);
    this.status = status;
    this.emit({
      type: 'run.finished', flow: record.flow, run: record.run, status, failed, tasks: { ...this.counts },
      durationMs: Date.now() - this.started, time: final.finishedAt!,
    });
    this.stream.end();
    return final;
  }

  private stepMeta(step: string): StepMeta {
    return this.p.flowMeta.steps[step] ?? { isStep: true };
  }

  private async spec(t: PlannedTask, attempt: number): Promise<TaskSpec> {
    const { record, graph, cache, cas } = this.p;
    const node = graph.steps[t.step]!;
    const parent = t.parent ? await cache.artifactsOf(record.flow, record.run, t.parent) : { artifacts: {} };
    const inherit = parent.artifacts;
    const spec: TaskSpec = {
      schema: 'mesh.v1.task.spec', flow: record.flow, run: record.run, step: t.step, task: t.task, attempt,
      code: record.code, className: graph.flow, foreach: t.foreach, transition: node.transition, isJoin: node.isJoin,
      inherit, params: record.paramArtifacts, ...(parent.inline ? { inline: parent.inline } : {}),
    };
    if (t.foreachInput) {
      const digest = inherit[t.foreachInput.field];
      if (!digest) throw new Error(`foreach field '${t.foreachInput.field}' missing from ${t.parent}`);
      spec.foreachInput = { digest, index: t.foreachInput.index };
    }
    if (t.inputs) {
      if (t.inputs.length > INLINE_INPUTS) spec.inputsRef = await cas.put(packValue(t.inputs));
      else spec.inputs = t.inputs;
    }
    return spec;
  }

  private async execute(t: PlannedTask): Promise<void> {
    const { record } = this.p;
    const ref = `${t.step}/${t.task}`;
    const cloned = await this.p.replay?.cloneable(t);
    if (cloned) {
      await this.saveRecord(t, { ...cloned, run: record.run, status: 'cloned', clonedFrom: cloned.clonedFrom ?? `${record.flow}/${cloned.run}/${ref}` });
      this.counts.cloned++;
      const now = new Date().toISOString();
      this.emit({ type: 'task.finished', flow: record.flow, run: record.run, step: t.step, task: t.task, attempt: 0, status: 'cloned', durationMs: 0, time: now });
      this.machine.complete(t, cloned.next);
      return;
    }
    this.p.replay?.markExecuted(ref);
    const options = this.stepMeta(t.step);
    const maxAttempts = 1 + (options.retry?.times ?? 0);
    const attempts: AttemptRecord[] = [];
    let result: TaskResult | undefined;
    let spec: TaskSpec | undefined;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      spec = await this.spec(t, attempt);
      this.emit({ type: 'task.started', flow: record.flow, run: record.run, step: t.step, task: t.task, attempt, time: new Date().toISOString() });
      result = await this.attempt(spec, options.timeout?.seconds);
      const log = result.log ? await this.p.cas.put(Buffer.from(result.log)) : undefined;
      attempts.push({
        attempt, startedAt: result.startedAt, finishedAt: result.finishedAt, ok: result.ok,
        ...(result.error ? { error: firstLine(result.error.message), errorName: result.error.name } : {}),
        ...(log ? { log } : {}),
      });
      if (result.ok) break;
      const willRetry = attempt + 1 < maxAttempts && !result.error?.nonRetryable;
      this.emit({
        type: 'task.failed', flow: record.flow, run: record.run, step: t.step, task: t.task, attempt,
        error: firstLine(result.error?.message ?? 'failed'), errorName: result.error?.name ?? 'Error', willRetry, time: result.finishedAt,
      });
      if (!willRetry) break;
      if (options.retry?.delayMs) await sleep(options.retry.delayMs);
    }
    if (result && !result.ok && options.catchErrors) result = catchFailure(spec!, result, options.catchErrors.var);

    const ok = result!.ok;
    await Promise.all(result!.blobs.map(([d, stored]) => this.p.cas.putEncoded(d, stored)));
    const rec: TaskRecord = {
      schema: 'mesh.v1.task', flow: record.flow, run: record.run, step: t.step, task: t.task,
      status: ok ? 'succeeded' : 'failed', foreach: t.foreach, inputs: spec?.inputs ?? [],
      ...(spec?.inputsRef ? { inputsRef: spec.inputsRef } : {}),
      ...(t.parent ? { inputs: [t.parent] } : {}),
      artifacts: ok ? result!.artifacts : {}, ...(ok && result!.inline ? { inline: result!.inline } : {}),
      ...(ok && result!.next ? { next: result!.next } : {}),
      attempts, startedAt: attempts[0]!.startedAt, finishedAt: attempts[attempts.length - 1]!.finishedAt,
    };
    await this.saveRecord(t, rec);
    const last = attempts[attempts.length - 1]!;
    if (ok) {
      this.counts.succeeded++;
      this.emit({
        type: 'task.finished', flow: record.flow, run: record.run, step: t.step, task: t.task, attempt: last.attempt,
        status: 'succeeded', ...(result!.caught ? { caught: true } : {}),
        durationMs: Date.parse(last.finishedAt) - Date.parse(last.startedAt), time: last.finishedAt,
      });
      this.machine.complete(t, result!.next);
    } else {
      this.counts.failed++;
      this.machine.fail(t);
    }
  }

  private async attempt(spec: TaskSpec, timeoutSeconds?: number): Promise<TaskResult> {
    const startedAt = new Date().toISOString();
    try {
      return await this.p.pool.run(spec, timeoutSeconds);
    } catch (err) {
      // The thread died or was stopped (timeout): the attempt failed, the run goes on.
      const error = toTaskError(err);
      const exit = /worker exited with code: (\d+)/.exec(error.message);
      if (exit) error.message = `the step ended its thread (exit code ${exit[1]}); steps must not call process.exit()`;
      return { ok: false, artifacts: {}, blobs: [], log: '', error, startedAt, finishedAt: new Date().toISOString() };
    }
  }

  /** Outputs are written; the task record is the completion marker, written last. */
  private async saveRecord(t: PlannedTask, rec: TaskRecord): Promise<void> {
    await this.p.meta.putJson(taskKey(rec.flow, rec.run, t.step, t.task), rec);
    this.p.cache.set(`${t.step}/${t.task}`, rec);
  }
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export { UsageError };
