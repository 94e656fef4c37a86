/**
 * The worker service (`mesh worker`): pulls tasks of its pool from the shared durable consumer, never
 * more than it has free threads, runs each in a piscina thread while the main thread keeps the
 * message alive with `working()`, writes blobs and logs to the shared store, and reports the result
 * to the coordinators. Failed attempts are retried by `nak(delay)`; a crash of the worker leaves the
 * message unacknowledged and it is redelivered, producing the same digests.
 *
 *   const w = await MeshWorker.start({ nc, blobs, pool: 'default', concurrency: 2 });
 *   process.on('SIGTERM', () => w.stop());       // finishes in-flight tasks, then resolves
 */
import { hostname } from 'node:os';
import { jetstream, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { runKey, taskKey } from '../protocol/keys.js';
import { unpackValue } from '../protocol/artifacts.js';
import {
  CONSUMERS, COORD_KEYS, DEFAULT_POOL, META_BUCKET, STREAMS, SUBJECTS, decodeJoinInputs, decodeMessage, encodeEvents,
  encodeMessage, msgIds, UNUSABLE_DELIVERIES, type MeshEvent, type StepPolicy, type TaskMessage, type TaskResultMessage,
} from '../protocol/mesh.js';
import type { AttemptRecord, RunRecord, TaskRecord } from '../protocol/records.js';
import { artifactSetOf, type ArtifactSet, type TaskResult, type TaskSpec } from '../protocol/task.js';
import { ContentStore, InvalidKeyError, MetadataStore, type StorageBackend } from '../store/index.js';
import { KvBackend, MeshBackend } from '../store/kv.js';
import { defaultAckWaitMs, ensureMesh, ensurePoolConsumer } from '../coordinator/mesh-setup.js';
import { giveUpAfter, setAside } from '../coordinator/set-aside.js';
import { catchFailure } from './catch.js';
import { TaskPool } from './pool.js';
import { toTaskError } from './task-runner.js';

export interface WorkerOptions {
  nc: NatsConnection;
  blobs: StorageBackend;
  /** Tasks of this pool only (`@resources({ pool })`). */
  pool?: string;
  /** Pool threads; defaults to the number of cores. */
  concurrency?: number;
  /** Redelivery after this long without an ack or a heartbeat. */
  ackWaitMs?: number;
  replicas?: number;
  name?: string;
  log?: (line: string) => void;
}


const enc = new TextEncoder();

export class MeshWorker {
  private stopped = false;
  /** Tasks holding a thread slot. */
  private inFlight = 0;
  /** Tasks not yet acknowledged (running or reporting). */
  private pending = 0;
  /** Delivery at which a task message no worker can use is dead-lettered (set-aside.ts). */
  private giveUpAt = UNUSABLE_DELIVERIES;
  private readonly waiters: Array<() => void> = [];
  private loop?: Promise<void>;
  private readonly runs = new Map<string, { record: RunRecord; checked: number }>();
  /** Artifact maps of the inputs of joins running here, by run and `step/task`. */
  readonly joinInputs = new Map<string, Map<string, ArtifactSet>>();
  private readonly joinRefs = new Map<TaskSpec, string[]>();
  readonly name: string;

  private constructor(
    private readonly o: WorkerOptions,
    private readonly js: JetStreamClient,
    private readonly kv: KV,
    private readonly meta: MetadataStore,
    private readonly cas: ContentStore,
    private readonly threads: TaskPool,
  ) {
    this.name = o.name ?? `${hostname()}/${process.pid}`;
  }

  static async start(o: WorkerOptions): Promise<MeshWorker> {
    const pool = o.pool ?? DEFAULT_POOL;
    // A worker's NATS user may be allowed to use the streams and its pool's consumer but not to
    // create them: it then waits for a coordinator to.
    const setup = { replicas: o.replicas, waitIfDenied: true, log: o.log };
    const { jsm, kv } = await ensureMesh(o.nc, setup);
    const ackWaitMs = o.ackWaitMs ?? defaultAckWaitMs();
    await ensurePoolConsumer(jsm, pool, ackWaitMs, setup);
    const meta = new MetadataStore(new MeshBackend(new KvBackend(kv, META_BUCKET), o.blobs));
    const cas = new ContentStore(o.blobs);
    let self: MeshWorker | undefined;
    const threads = new TaskPool({
      threads: o.concurrency,
      handler: async (req) => {
        if (req.op === 'blobs') return Promise.all(req.digests.map((d) => cas.getStored(d)));
        const known = self?.joinInputs.get(req.run);
        return Promise.all(req.refs.map(async (ref) => {
          const hit = known?.get(ref);
          if (hit) return hit;
          const [step, task] = ref.split('/') as [string, string];
          const rec = await meta.getJson<TaskRecord>(taskKey(req.flow, req.run, step, task));
          if (!rec) throw new Error(`input ${req.flow}/${req.run}/${ref} has no record`);
          return artifactSetOf(rec);
        }));
      },
      onLog: (task, stream, text, run) => self?.onLog(task, stream, text, run),
    });
    self = new MeshWorker({ ...o, pool, ackWaitMs }, jetstream(o.nc), kv, meta, cas, threads);
    self.loop = self.pull();
    return self;
  }

  /** Stops pulling, lets in-flight tasks finish and report, then closes the pool. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.waiters.splice(0).forEach((w) => w());
    await this.loop?.catch(() => {});
    while (this.pending > 0) await new Promise<void>((r) => this.waiters.push(r));
    await this.threads.close();
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  private runLabel = new Map<string, string>();

  private onLog(task: string | undefined, stream: 'stdout' | 'stderr', text: string, run?: string): void {
    if (!task || !run) return;
    const flow = this.runLabel.get(run) ?? '';
    const [step, id] = task.split('/') as [string, string];
    this.event({ type: 'task.log', flow, run, step, task: id, stream, text, time: new Date().toISOString() });
  }

  /** Events of one run that happen together travel as one message (encodeEvents). */
  private event(...events: MeshEvent[]): void {
    if (events.length > 0) this.o.nc.publish(SUBJECTS.events(events[0]!.run), encodeEvents(events));
  }

  private async pull(): Promise<void> {
    const consumer = await this.js.consumers.get(STREAMS.tasks, CONSUMERS.pool(this.o.pool!));
    this.giveUpAt = await giveUpAfter(consumer);
    const capacity = this.threads.threads;
    while (!this.stopped) {
      const free = capacity - this.inFlight;
      if (free <= 0) {
        await new Promise<void>((r) => this.waiters.push(r));
        continue;
      }
      try {
        await this.fetchOnce(consumer, free);
      } catch (err) {
        // A pull can fail (missed heartbeats while the server was busy, a leader election): the
        // messages it held are redelivered after their ack wait; pull again.
        this.log(`pull failed, retrying: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private async fetchOnce(consumer: Awaited<ReturnType<JetStreamClient['consumers']['get']>>, free: number): Promise<void> {
    // Never hold more tasks than free threads: a buffered task's ack timer would be running.
    const batch = await consumer.fetch({ max_messages: free, expires: 1000 });
    for await (const m of batch) {
      this.inFlight++;
      this.pending++;
      let released = false;
      // A task holds a thread slot only while it runs: writing its blobs and reporting happen
      // while the next task already runs.
      const release = () => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.waiters.splice(0).forEach((w) => w());
      };
      void this.handle(m, release).catch((err) => {
        this.log(`task message ${m.seq} left for redelivery: ${(err as Error).message}`);
        m.nak(1000);
      }).finally(() => {
        release();
        this.pending--;
        this.waiters.splice(0).forEach((w) => w());
      });
    }
  }

  private async run(flow: string, run: string): Promise<RunRecord | undefined> {
    const hit = this.runs.get(run);
    if (hit && (hit.record.status !== 'running' || Date.now() - hit.checked < 2000)) return hit.record;
    const record = await this.meta.getJson<RunRecord>(runKey(flow, run));
    if (record) {
      this.runs.set(run, { record, checked: Date.now() });
      this.runLabel.set(run, flow);
      if (this.runs.size > 1000) this.runs.delete(this.runs.keys().next().value!);
    }
    return record;
  }

  /** A task message this worker cannot use: handed back, dead-lettered after a few deliveries (set-aside.ts). */
  private setAside(m: JsMsg, reason: string): Promise<void> {
    return setAside(this.js, m, STREAMS.tasks, 'task message', reason, this.giveUpAt, (l) => this.log(l));
  }

  private async handle(m: JsMsg, release: () => void): Promise<void> {
    let task: TaskMessage;
    try {
      task = decodeMessage(m.data, 'mesh.v1.task');
    } catch (err) {
      await this.setAside(m, (err as Error).message);
      return;
    }
    const { policy } = task;
    const first = task.specs[0]!;
    let run: RunRecord | undefined;
    try {
      run = await this.run(first.flow, first.run);
    } catch (err) {
      // A flow or run id no key can hold: no such run can exist.
      if (!(err instanceof InvalidKeyError)) throw err;
      await this.setAside(m, err.message);
      return;
    }
    if (!run) {
      await this.setAside(m, `no run ${first.flow}/${first.run}`);
      return;
    }
    if (run.status !== 'running') {
      m.ack();
      return;
    }
    let specs = task.specs;
    // A redelivered message may hold tasks that finished already (the worker died after reporting):
    // they are not run again. A first delivery is new unless republished after the duplicate window;
    // running it again would give the same digests, and the coordinator keeps the first record.
    if (m.info.deliveryCount > 1) {
      const done = await Promise.all(specs.map((s) => this.meta.getJson<TaskRecord>(taskKey(s.flow, s.run, s.step, s.task))));
      specs = specs.filter((_, i) => !done[i]);
    }
    const time = new Date().toISOString();
    this.event(...specs.map((s): MeshEvent => ({ type: 'task.started', flow: s.flow, run: s.run, step: s.step, task: s.task, attempt: 0, time })));
    const heartbeat = setInterval(() => m.working(), Math.max(1000, (this.o.ackWaitMs ?? 30_000) / 3));
    try {
      for (const spec of specs) if (spec.inputArtifactsRef) await this.loadJoinInputs(spec);
      const outcomes = await Promise.all(specs.map((spec) => this.runWithRetries(spec, policy)));
      for (const spec of specs) if (spec.inputArtifactsRef) this.forgetJoinInputs(spec);
      release();
      await Promise.all(outcomes.flatMap(({ result }) => result.blobs.map(([d, stored]) => this.cas.putEncoded(d, stored))));
      const results: TaskResultMessage[] = [];
      for (const { spec, result, record } of outcomes) {
        results.push({
          schema: 'mesh.v1.task.result', flow: spec.flow, run: spec.run, step: spec.step, task: spec.task, foreach: spec.foreach,
          ok: result.ok, ...(result.caught ? { caught: true } : {}), artifacts: result.ok ? result.artifacts : {},
          ...(result.ok && result.inline ? { inline: result.inline } : {}),
          ...(result.next ? { next: result.next } : {}), attempt: record, ...(result.error ? { error: result.error } : {}),
          worker: this.name,
        });
      }
      if (results.length > 0) {
        const message = results.length === 1 ? results[0]! : { schema: 'mesh.v1.task.results' as const, results };
        const msgID = results.length === 1 ? msgIds.result(results[0]!) : msgIds.results(results[0]!, results.length);
        await this.js.publish(SUBJECTS.result, encodeMessage(message), { msgID, retries: 30, timeout: 5000 });
      }
      m.ack();
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async loadJoinInputs(spec: TaskSpec): Promise<void> {
    const [refs, maps] = await Promise.all([
      spec.inputsRef ? this.cas.get(spec.inputsRef).then((b) => unpackValue(b) as string[]) : Promise.resolve(spec.inputs ?? []),
      this.cas.get(spec.inputArtifactsRef!).then(decodeJoinInputs),
    ]);
    let byRef = this.joinInputs.get(spec.run);
    if (!byRef) this.joinInputs.set(spec.run, (byRef = new Map()));
    refs.forEach((ref, i) => byRef!.set(ref, maps[i]!));
    this.joinRefs.set(spec, refs);
  }

  private forgetJoinInputs(spec: TaskSpec): void {
    const byRef = this.joinInputs.get(spec.run);
    for (const ref of this.joinRefs.get(spec) ?? []) byRef?.delete(ref);
    if (byRef?.size === 0) this.joinInputs.delete(spec.run);
    this.joinRefs.delete(spec);
  }

  /**
   * Attempts a task up to its policy's count, waiting `delayMs` between attempts, here in this worker
   * (a message can carry several partitions, so one cannot be handed back alone). Earlier failed
   * attempts are kept in KV for the task's record.
   */
  private async runWithRetries(spec: TaskSpec, policy: StepPolicy): Promise<{ spec: TaskSpec; result: TaskResult; record: AttemptRecord }> {
    for (let attempt = 0; ; attempt++) {
      // The first attempts of a message's tasks were announced together (handle).
      if (attempt > 0) this.event({ type: 'task.started', flow: spec.flow, run: spec.run, step: spec.step, task: spec.task, attempt, time: new Date().toISOString() });
      let result = await this.attempt({ ...spec, attempt }, policy.timeoutSeconds);
      const log = result.log ? await this.cas.put(enc.encode(result.log)) : undefined;
      const record: AttemptRecord = {
        attempt, startedAt: result.startedAt, finishedAt: result.finishedAt, ok: result.ok,
        ...(result.error ? { error: firstLine(result.error.message), errorName: result.error.name } : {}),
        ...(log ? { log } : {}),
        worker: this.name,
      };
      if (result.ok) return { spec, result, record };
      const willRetry = attempt + 1 < policy.attempts && !result.error?.nonRetryable;
      this.event({
        type: 'task.failed', flow: spec.flow, run: spec.run, step: spec.step, task: spec.task, attempt,
        error: record.error ?? 'failed', errorName: record.errorName ?? 'Error', willRetry, time: record.finishedAt,
      });
      if (!willRetry) {
        if (policy.catchVar) result = catchFailure({ ...spec, attempt }, result, policy.catchVar);
        return { spec, result, record };
      }
      await this.kv.put(COORD_KEYS.attempt(spec.run, spec.step, spec.task, attempt), enc.encode(JSON.stringify(record)));
      if (policy.delayMs > 0) await new Promise((r) => setTimeout(r, policy.delayMs));
    }
  }

  private async attempt(spec: TaskSpec, timeoutSeconds?: number): Promise<TaskResult> {
    const startedAt = new Date().toISOString();
    try {
      return await this.threads.run(spec, timeoutSeconds);
    } catch (err) {
      return { ok: false, artifacts: {}, blobs: [], log: '', error: toTaskError(err), startedAt, finishedAt: new Date().toISOString() };
    }
  }
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}


