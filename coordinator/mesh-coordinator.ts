/**
 * The coordinator service (`mesh coordinator`): plans tasks and records results, holding nothing
 * between messages. All run state is in KV and every step of the handling is idempotent (records are
 * created only if absent, joins set bits under compare-and-set, publishes carry deterministic message
 * ids), so any number of coordinators can share the work and any of them can be killed at any time:
 * an unacknowledged result is redelivered to another, which repeats what was done and finishes it.
 *
 *   const c = await MeshCoordinator.start({ nc, blobs: openBackend('s3://bucket/runs') });
 *   ...
 *   await c.stop();
 */
import { jetstream, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { packValue } from '../protocol/artifacts.js';
import type { FlowGraph } from '../protocol/graph.js';
import { checkName, runKey, stepPrefix, taskId, taskKey } from '../protocol/keys.js';
import {
  CONSUMERS, COORD_KEYS, DEFAULT_POOL, META_BUCKET, foreachGroupSize, ProtocolError, STREAMS, SUBJECTS, UNUSABLE_DELIVERIES, decodeMessage,
  encodeEvents, encodeJoinInputs, encodeMessage, msgIds, type MeshEvent, type StepPolicy, type TaskMessage, type TaskResultMessage,
} from '../protocol/mesh.js';
import type { AttemptRecord, RunRecord, TaskRecord } from '../protocol/records.js';
import { artifactSetOf, type ArtifactSet, type ResolvedNext, type TaskSpec } from '../protocol/task.js';
import { targetsOf } from '../sdk/graph.js';
import { ContentStore, InvalidKeyError, MetadataStore, type StorageBackend } from '../store/index.js';
import { isWrongSequence, keysOf, KvBackend, kvKeyOf, MeshBackend, readJsonMany } from '../store/kv.js';
import type { TaskParts } from '../store/kv-parts.js';
import type { PlannedTask } from './machine.js';
import { defaultAckWaitMs, ensureMesh, ensurePoolConsumer, stallCheckMs } from './mesh-setup.js';
import { JoinState, type JoinArrival } from './join-state.js';
import { arrivalOf, scopesOf, type Scope } from './scopes.js';
import { RecentMap } from './recent-map.js';
import { deadLetter, giveUpAfter, setAside } from './set-aside.js';
import { isForcedPartition } from './replay.js';

export interface CoordinatorOptions {
  nc: NatsConnection;
  /** The shared content store (S3 or a shared directory). */
  blobs: StorageBackend;
  replicas?: number;
  /** Control messages handled at once. */
  concurrency?: number;
  log?: (line: string) => void;
}

const INLINE_INPUTS = 64;

interface RunView {
  record: RunRecord;
  /** When the run's status was last read from KV. */
  checked?: number;
  scopes: Map<string, Scope[]>;
  forced?: Set<string>;
  /**
   * Set while the run is re-driven after a stall (repair): tasks recorded already are not planned
   * again, and the others are published under new message ids (the old ones may still be in the
   * stream's duplicate window).
   */
  repair?: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class MeshCoordinator {
  private stopped = false;
  private readonly runs = new Map<string, RunView>();
  /** Artifact sets of recent tasks (their records hold them too), for the tasks that inherit or join them. */
  private readonly artifacts = new RecentMap<string, ArtifactSet>(100_000);
  private loop?: Promise<void>;
  private advisories?: Subscription;
  private stallTimer?: NodeJS.Timeout;
  /** How often the queues are looked at for runs that cannot move (MESH_STALL_MS). */
  private readonly stallEvery = stallCheckMs();
  /** The queues' last sequences when they were last seen empty (a stall is the same state twice). */
  private quiet?: string;
  /** The quiet state whose runs were all looked at: nothing changed since, nothing to look at again. */
  private examined?: string;
  private checkingStall = false;
  private inFlight = 0;
  /** Deliveries after which a control message no coordinator can use is dead-lettered (at most the consumer's max_deliver). */
  private giveUpAt = UNUSABLE_DELIVERIES;
  private readonly idle: Array<() => void> = [];
  /** Pools whose consumer is known to exist (or is being created). */
  private readonly pools = new Map<string, Promise<void>>();

  private constructor(
    private readonly o: CoordinatorOptions,
    private readonly js: JetStreamClient,
    private readonly kv: KV,
    private readonly meta: MetadataStore,
    private readonly cas: ContentStore,
    private readonly joins: JoinState,
    private readonly parts: TaskParts,
  ) {}

  static async start(o: CoordinatorOptions): Promise<MeshCoordinator> {
    const { kv } = await ensureMesh(o.nc, { replicas: o.replicas });
    const records = new KvBackend(kv, META_BUCKET);
    const backend = new MeshBackend(records, o.blobs);
    const c = new MeshCoordinator(o, jetstream(o.nc), kv, new MetadataStore(backend), new ContentStore(o.blobs), new JoinState(kv), records.parts);
    c.loop = c.consume();
    c.watchDeadLetters();
    c.watchStalls();
    return c;
  }

  /** Stops taking messages, finishes those in hand. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.advisories?.unsubscribe();
    clearInterval(this.stallTimer);
    await this.loop?.catch(() => {});
    while (this.inFlight > 0) await new Promise<void>((r) => this.idle.push(r));
  }


  private log(line: string): void {
    this.o.log?.(line);
  }

  private async consume(): Promise<void> {
    const max = this.o.concurrency ?? 16;
    const consumer = await this.js.consumers.get(STREAMS.control, CONSUMERS.coordinator);
    this.giveUpAt = await giveUpAfter(consumer);
    while (!this.stopped) {
      try {
        await this.fetchOnce(consumer, max);
      } catch (err) {
        // A pull can fail (missed heartbeats while the server was busy, a leader election):
        // messages it held are redelivered; pull again.
        this.log(`pull failed, retrying: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      while (this.inFlight >= max && !this.stopped) await new Promise<void>((r) => this.idle.push(r));
    }
  }

  private async fetchOnce(consumer: Awaited<ReturnType<JetStreamClient['consumers']['get']>>, max: number): Promise<void> {
    const batch = await consumer.fetch({ max_messages: Math.max(1, max - this.inFlight), expires: 1000 });
    for await (const m of batch) {
      this.inFlight++;
      void this.handle(m).finally(() => {
        this.inFlight--;
        this.idle.splice(0).forEach((r) => r());
      });
      if (this.stopped) break;
    }
  }

  private async handle(m: JsMsg): Promise<void> {
    try {
      const msg = decodeMessage(m.data, 'mesh.v1.submit', 'mesh.v1.task.result', 'mesh.v1.task.results');
      if (msg.schema === 'mesh.v1.submit') await this.onSubmit(msg.flow, msg.run);
      else if (msg.schema === 'mesh.v1.task.result') await this.onResults([msg]);
      else await this.onResults(msg.results);
      m.ack();
    } catch (err) {
      // A message naming a flow, run or task no key can hold is as undecodable as garbage.
      if (err instanceof ProtocolError || err instanceof InvalidKeyError || (err as { nonRetryable?: boolean }).nonRetryable) {
        // Handed back, and dead-lettered after a few deliveries (set-aside.ts): never dropped.
        await setAside(this.js, m, STREAMS.control, 'control message', (err as Error).message, this.giveUpAt, (l) => this.log(l));
      } else {
        this.log(`control message ${m.seq} will be retried: ${(err as Error).message}`);
        m.nak(1000);
      }
    }
  }

  /** Events of one run that happen together travel as one message (encodeEvents). */
  private event(...events: MeshEvent[]): void {
    if (events.length > 0) this.o.nc.publish(SUBJECTS.events(events[0]!.run), encodeEvents(events));
  }

  private async view(flow: string, run: string): Promise<RunView> {
    let v = this.runs.get(run);
    if (!v) {
      const record = await this.meta.getJson<RunRecord>(runKey(flow, run));
      if (!record) throw new ProtocolError(`no run ${flow}/${run}`);
      v = { record, scopes: scopesOf(record.graph), forced: forcedSteps(record) };
      if (this.runs.size > 1000) this.runs.delete(this.runs.keys().next().value!);
      this.runs.set(run, v);
    }
    return v;
  }

  /** Whether the run ended (another coordinator may have ended it): read from KV at most once a second. */
  private async runIsOver(v: RunView): Promise<boolean> {
    if (v.record.status !== 'running') return true;
    if (Date.now() - (v.checked ?? 0) < 1000) return false;
    v.checked = Date.now();
    const fresh = await this.meta.getJson<RunRecord>(runKey(v.record.flow, v.record.run));
    if (fresh && fresh.status !== 'running') v.record = fresh;
    return v.record.status !== 'running';
  }

  private async onSubmit(flow: string, run: string): Promise<void> {
    const v = await this.view(flow, run);
    if (await this.runIsOver(v)) return;
    const r = v.record;
    this.event({ type: 'run.started', flow, run, file: r.file, params: r.params, store: this.o.blobs.url, origin: r.origin?.run, time: r.createdAt });
    await this.plan(v, { step: 'start', task: '0', foreach: [] });
  }

  /**
   * Records a result message's tasks (a foreach's partitions in one write of their part, see
   * store/kv-parts.ts), then moves on from each. A task recorded already (a redelivered or duplicated
   * result) keeps its first record and is moved on from again, which changes nothing.
   */
  private async onResults(msgs: TaskResultMessage[]): Promise<void> {
    const runs = new Set(msgs.map((m) => `${m.flow}/${m.run}`));
    if (runs.size > 1) {
      await Promise.all(msgs.map((m) => this.onResults([m])));
      return;
    }
    const first = msgs[0]!;
    const v = await this.view(first.flow, first.run);
    // A result no run could have produced is bad whether or not its run has ended.
    for (const msg of msgs) {
      if (!v.record.graph.steps[msg.step]) throw new ProtocolError(`run ${msg.flow}/${msg.run} has no step '${msg.step}'`);
    }
    if (await this.runIsOver(v)) return;
    const recs = await Promise.all(msgs.map(async (msg): Promise<TaskRecord> => {
      const attempts = msg.attempt.attempt > 0 ? await this.priorAttempts(msg) : [];
      const rec: TaskRecord = {
        schema: 'mesh.v1.task', flow: msg.flow, run: msg.run, step: msg.step, task: msg.task,
        status: msg.ok ? 'succeeded' : 'failed', foreach: msg.foreach, inputs: [], artifacts: msg.ok ? msg.artifacts : {},
        attempts: [...attempts, msg.attempt], startedAt: attempts[0]?.startedAt ?? msg.attempt.startedAt, finishedAt: msg.attempt.finishedAt,
      };
      if (msg.ok && msg.inline) rec.inline = msg.inline;
      if (msg.ok && msg.next) rec.next = msg.next;
      return rec;
    }));
    // A message's results are tasks of one step of one run: the step's part of the key is checked once.
    const stepKeys = new Map<string, string>();
    const kvTaskKey = (msg: TaskResultMessage) => {
      const at = `${msg.flow}/${msg.run}/${msg.step}`;
      let base = stepKeys.get(at);
      if (!base) stepKeys.set(at, (base = kvKeyOf(stepPrefix(msg.flow, msg.run, msg.step).slice(0, -1))));
      return `${base}.${checkName('task', msg.task)}`;
    };
    const written = await this.parts.create(msgs.map((msg, i) => ({ key: kvTaskKey(msg), record: recs[i], partition: msg.foreach.length > 0 })));
    const finished: MeshEvent[] = [];
    msgs.forEach((msg, i) => {
      if (!written[i]!.created || (written[i]!.record as TaskRecord).status !== 'succeeded') return;
      finished.push({
        type: 'task.finished', flow: msg.flow, run: msg.run, step: msg.step, task: msg.task, attempt: msg.attempt.attempt,
        status: 'succeeded', ...(msg.caught ? { caught: true } : {}),
        durationMs: Date.parse(msg.attempt.finishedAt) - Date.parse(msg.attempt.startedAt), time: msg.attempt.finishedAt,
      });
    });
    this.event(...finished);
    // Partitions that go on to their join (the end of a foreach body) arrive there together: one
    // update of the join's record per chunk, not one per partition. Every other task moves on alone.
    const atJoins = new Map<string, { join: string; stack: number[]; arrivals: JoinArrival[] }>();
    const alone: Promise<void>[] = [];
    msgs.forEach((msg, i) => {
      const final = written[i]!.record as TaskRecord;
      const t: PlannedTask = { step: msg.step, task: msg.task, foreach: final.foreach };
      const at = final.status === 'succeeded' ? this.joinArrival(v, t, final.next) : undefined;
      if (!at) {
        alone.push(this.outcome(v, t, final));
        return;
      }
      this.remember(v, t, final);
      const same = atJoins.get(at.key);
      if (same) same.arrivals.push(at.arrival);
      else atJoins.set(at.key, { join: at.join, stack: at.stack, arrivals: [at.arrival] });
    });
    await Promise.all([
      ...alone,
      ...[...atJoins].map(async ([key, { join, stack, arrivals }]) => {
        if ((await this.joins.arrive(key, ...arrivals)).complete) await this.release(v, join, stack);
      }),
    ]);
  }

  /** The join a succeeded task goes on to next, and its arrival there; undefined for any other transition. */
  private joinArrival(v: RunView, t: PlannedTask, next: ResolvedNext | undefined): { key: string; join: string; stack: number[]; arrival: JoinArrival } | undefined {
    const g = v.record.graph;
    const tr = g.steps[t.step]!.transition;
    if ((tr.type !== 'linear' && tr.type !== 'switch') || !next || !g.steps[next.steps[0]!]?.isJoin) return undefined;
    const scope = this.innermost(v, t.step);
    if (!scope) return undefined;
    const { stack, position } = arrivalOf(scope, t.foreach);
    const alt = scope.kind === 'split' || t.step !== defaultInput(g, scope.join) ? t.step : undefined;
    return { key: COORD_KEYS.join(v.record.run, scope.join, stack), join: scope.join, stack, arrival: { position, ok: true, step: alt } };
  }

  private async priorAttempts(msg: TaskResultMessage): Promise<AttemptRecord[]> {
    const out: AttemptRecord[] = [];
    const keys = await this.kv.keys(COORD_KEYS.attemptsOf(msg.run, msg.step, msg.task));
    for await (const k of keys) {
      const e = await this.kv.get(k);
      if (e?.operation === 'PUT') out.push(JSON.parse(dec.decode(e.value)) as AttemptRecord);
    }
    return out.filter((a) => a.attempt < msg.attempt.attempt).sort((a, b) => a.attempt - b.attempt);
  }

  /** What follows a task that reached a final state (succeeded, cloned or failed). */
  private async outcome(v: RunView, t: PlannedTask, rec: TaskRecord): Promise<void> {
    this.remember(v, t, rec);
    if (rec.status === 'failed') {
      await this.kv.put(COORD_KEYS.failed(v.record.run, t.step, t.task), enc.encode(`${t.step}/${t.task}`));
      await this.failUpward(v, t.step, t.foreach);
      return;
    }
    await this.transitions(v, t, rec.next);
  }

  /** A task's artifacts, for the tasks that inherit them or join them. */
  private remember(v: RunView, t: PlannedTask, rec: TaskRecord): void {
    this.artifacts.set(`${v.record.run}/${t.step}/${t.task}`, artifactSetOf(rec));
  }

  private async transitions(v: RunView, t: PlannedTask, next: ResolvedNext | undefined): Promise<void> {
    const g = v.record.graph;
    const node = g.steps[t.step]!;
    const ref = `${t.step}/${t.task}`;
    const tr = node.transition;
    if (tr.type === 'end') {
      await this.finish(v, 'succeeded');
      return;
    }
    if (!next) throw new ProtocolError(`task ${ref} finished without a transition`);
    switch (tr.type) {
      case 'linear':
      case 'switch': {
        const to = next.steps[0]!;
        if (g.steps[to]!.isJoin) await this.arrive(v, t.step, t.foreach, true);
        else await this.plan(v, { step: to, task: t.task, foreach: t.foreach, parent: ref });
        return;
      }
      case 'split':
        await this.joins.expect(COORD_KEYS.join(v.record.run, node.joinedBy!, t.foreach), next.steps.length);
        await Promise.all(next.steps.map((s) => this.plan(v, { step: s, task: t.task, foreach: t.foreach, parent: ref })));
        return;
      case 'foreach': {
        const count = next.foreach ?? 0;
        await this.joins.expect(COORD_KEYS.join(v.record.run, node.joinedBy!, t.foreach), count);
        if (!v.repair) this.event({ type: 'step.planned', flow: v.record.flow, run: v.record.run, step: tr.to, count, time: new Date().toISOString() });
        if (count === 0) await this.release(v, node.joinedBy!, t.foreach);
        else await this.fanout(v, t, tr.to, tr.field, count);
        return;
      }
    }
  }

  /**
   * Publishes a foreach's partitions, foreachGroupSize(count, waiting workers) to a message,
   * remembering the size and how far it got. The groups are fixed by index and size, so a coordinator
   * resuming the fanout publishes the same messages (same ids: the stream drops the copies).
   */
  private async fanout(v: RunView, parent: PlannedTask, step: string, field: string, count: number): Promise<void> {
    const key = COORD_KEYS.fanout(v.record.run, step, parent.foreach);
    const { size, from: published } = await this.fanoutState(v, key, step, count);
    // A repair looks at every partition again (planGroup passes over the recorded ones).
    let from = v.repair ? 0 : published;
    const ref = `${parent.step}/${parent.task}`;
    const groupsPerRound = 16;
    while (from < count) {
      const round: Promise<void>[] = [];
      let to = from;
      for (let g = 0; g < groupsPerRound && to < count; g++) {
        const start = to;
        to = Math.min(count, start + size);
        const group: PlannedTask[] = [];
        for (let i = start; i < to; i++) {
          const foreach = [...parent.foreach, i];
          group.push({ step, task: taskId(foreach), foreach, parent: ref, foreachInput: { field, index: i } });
        }
        round.push(this.planGroup(v, group));
      }
      await Promise.all(round);
      from = to;
      if (!v.repair) await this.kv.put(key, enc.encode(JSON.stringify({ size, from } satisfies FanoutState)));
    }
  }

  /**
   * Where a fanout stands: the size its messages have (chosen once, from the width and the workers
   * waiting on the step's pool, and recorded before the first message) and how far it got.
   */
  private async fanoutState(v: RunView, key: string, step: string, count: number): Promise<FanoutState> {
    for (;;) {
      const e = await this.kv.get(key);
      if (e?.operation === 'PUT') {
        const text = dec.decode(e.value);
        // An earlier version recorded the position alone, for messages sized by the width alone.
        if (/^\d+$/.test(text)) return { size: foreachGroupSize(count), from: Number(text) };
        return JSON.parse(text) as FanoutState;
      }
      const state: FanoutState = { size: foreachGroupSize(count, await this.waitingWorkers(v.record.steps?.[step]?.resources?.pool ?? DEFAULT_POOL)), from: 0 };
      try {
        await this.kv.create(key, enc.encode(JSON.stringify(state)));
        return state;
      } catch (err) {
        if (!isWrongSequence(err)) throw err;
      }
    }
  }

  /** Workers of a pool waiting for tasks now (pull requests at the pool's consumer); 0 when unknown. */
  private async waitingWorkers(pool: string): Promise<number> {
    try {
      await this.ensurePool(pool);
      const jsm = await this.js.jetstreamManager();
      return (await jsm.consumers.info(STREAMS.tasks, CONSUMERS.pool(pool))).num_waiting ?? 0;
    } catch {
      return 0;
    }
  }

  private innermost(v: RunView, step: string): Scope | undefined {
    const s = v.scopes.get(step);
    return s && s.length > 0 ? s[s.length - 1] : undefined;
  }

  private async arrive(v: RunView, step: string, foreach: number[], ok: boolean): Promise<void> {
    const scope = this.innermost(v, step)!;
    const { stack, position } = arrivalOf(scope, foreach);
    const key = COORD_KEYS.join(v.record.run, scope.join, stack);
    const alt = scope.kind === 'split' || step !== defaultInput(v.record.graph, scope.join) ? step : undefined;
    const { complete } = await this.joins.arrive(key, { position, ok, step: alt });
    if (complete) await this.release(v, scope.join, stack);
  }

  /** A failure cannot pass its join: the join is marked failed at its own enclosing split, or the run fails. */
  private async failUpward(v: RunView, step: string, foreach: number[]): Promise<void> {
    if (!this.innermost(v, step)) {
      await this.finish(v, 'failed');
      return;
    }
    await this.arrive(v, step, foreach, false);
  }

  /** Every input of a join arrived: run it, or pass the failure on. */
  private async release(v: RunView, join: string, stack: number[]): Promise<void> {
    const key = COORD_KEYS.join(v.record.run, join, stack);
    const { expected, failed, alt } = await this.joins.collect(key);
    if (failed.length > 0) {
      await this.failUpward(v, join, stack);
      return;
    }
    const g = v.record.graph;
    const split = g.steps[g.steps[join]!.closes!]!;
    const isForeach = split.transition.type === 'foreach';
    const fallback = defaultInput(g, join);
    const inputs: string[] = [];
    for (let p = 0; p < expected; p++) {
      const step = alt.get(p) ?? fallback;
      inputs.push(`${step}/${taskId(isForeach ? [...stack, p] : stack)}`);
    }
    await this.plan(v, { step: join, task: taskId(stack), foreach: stack, inputs });
  }

  /** Publishes a task (or, in a replay, clones it from the earlier run and goes on). */
  private plan(v: RunView, t: PlannedTask): Promise<void> {
    return this.planGroup(v, [t]);
  }

  /** Tasks of one step published as one message; in a replay, the cloneable ones are cloned instead. */
  private async planGroup(v: RunView, planned: PlannedTask[]): Promise<void> {
    const r = v.record;
    const tasks = v.repair ? await this.unrecorded(v, planned) : planned;
    if (tasks.length === 0) return;
    const specs: TaskSpec[] = [];
    for (const t of tasks) {
      const cloned = await this.cloneable(v, t);
      if (cloned) await this.clone(v, t, cloned);
      else specs.push(await this.spec(v, t));
    }
    if (specs.length === 0) return;
    const step = specs[0]!.step;
    const options = r.steps?.[step] ?? {};
    const policy: StepPolicy = {
      attempts: 1 + (options.retry?.times ?? 0),
      delayMs: options.retry?.delayMs ?? 0,
      ...(options.timeout ? { timeoutSeconds: options.timeout.seconds } : {}),
      ...(options.catchErrors ? { catchVar: options.catchErrors.var } : {}),
    };
    const pool = options.resources?.pool ?? DEFAULT_POOL;
    await this.ensurePool(pool);
    const id = tasks.length === 1 ? msgIds.task(specs[0]!) : msgIds.taskBatch({ run: r.run, step, task: tasks[0]!.task }, tasks.length);
    const msgID = v.repair ? `${id}~${v.repair}` : id;
    await this.js.publish(SUBJECTS.task(pool), encodeMessage({ schema: 'mesh.v1.task', specs, policy }), { msgID, retries: 30, timeout: 5000 });
  }

  /**
   * The pool's consumer exists before its first task is published: workers whose NATS user may not
   * create consumers (deploy/nats/mesh-roles.conf) wait for it. Once per pool and process.
   */
  private ensurePool(pool: string): Promise<void> {
    let ready = this.pools.get(pool);
    if (!ready) {
      ready = this.js.jetstreamManager().then((jsm) => ensurePoolConsumer(jsm, pool, defaultAckWaitMs()));
      ready.catch(() => this.pools.delete(pool));
      this.pools.set(pool, ready);
    }
    return ready;
  }

  private async clone(v: RunView, t: PlannedTask, cloned: TaskRecord): Promise<void> {
    const r = v.record;
    const rec: TaskRecord = { ...cloned, run: r.run, status: 'cloned', clonedFrom: cloned.clonedFrom ?? `${r.flow}/${cloned.run}/${t.step}/${t.task}` };
    const key = taskKey(r.flow, r.run, t.step, t.task);
    const created = await this.meta.putJson(key, rec, { ifAbsent: true });
    if (created) {
      this.event({ type: 'task.finished', flow: r.flow, run: r.run, step: t.step, task: t.task, attempt: 0, status: 'cloned', durationMs: 0, time: new Date().toISOString() });
    }
    await this.outcome(v, t, created ? rec : (await this.meta.getJson<TaskRecord>(key))!);
  }

  private async spec(v: RunView, t: PlannedTask): Promise<TaskSpec> {
    const r = v.record;
    const node = r.graph.steps[t.step]!;
    const parent = t.parent ? await this.artifactsOf(r, t.parent) : { artifacts: {} };
    const inherit = parent.artifacts;
    const spec: TaskSpec = {
      schema: 'mesh.v1.task.spec', flow: r.flow, run: r.run, step: t.step, task: t.task, attempt: 0, code: r.code,
      className: r.graph.flow, foreach: t.foreach, transition: node.transition, isJoin: node.isJoin, inherit, params: r.paramArtifacts,
      ...(parent.inline ? { inline: parent.inline } : {}),
    };
    if (t.foreachInput) {
      const digest = inherit[t.foreachInput.field];
      if (!digest) throw new ProtocolError(`foreach field '${t.foreachInput.field}' missing from ${t.parent}`);
      spec.foreachInput = { digest, index: t.foreachInput.index };
    }
    if (t.inputs) {
      if (t.inputs.length > INLINE_INPUTS) {
        spec.inputsRef = await this.cas.put(packValue(t.inputs));
        const maps: ArtifactSet[] = [];
        for (let i = 0; i < t.inputs.length; i += 256) {
          maps.push(...await Promise.all(t.inputs.slice(i, i + 256).map((ref) => this.artifactsOf(r, ref))));
        }
        spec.inputArtifactsRef = await this.cas.put(encodeJoinInputs(maps));
      } else spec.inputs = t.inputs;
    }
    return spec;
  }

  private async artifactsOf(r: RunRecord, ref: string): Promise<ArtifactSet> {
    const hit = this.artifacts.get(`${r.run}/${ref}`);
    if (hit) return hit;
    const [step, task] = ref.split('/') as [string, string];
    const rec = await this.meta.getJson<TaskRecord>(taskKey(r.flow, r.run, step, task));
    if (!rec) throw new Error(`task ${r.flow}/${r.run}/${ref} has no record yet`);
    const set = artifactSetOf(rec);
    this.artifacts.set(`${r.run}/${ref}`, set);
    return set;
  }

  /** In a replay: the earlier run's record when this task can be cloned (see coordinator/replay.ts). */
  private async cloneable(v: RunView, t: PlannedTask): Promise<TaskRecord | undefined> {
    const r = v.record;
    if (!r.origin || v.forced?.has(t.step)) return undefined;
    if (isForcedPartition(r.origin.partitions, t.foreach)) return undefined;
    for (const ref of [...(t.parent ? [t.parent] : []), ...(t.inputs ?? [])]) {
      const [step, task] = ref.split('/') as [string, string];
      const rec = await this.meta.getJson<TaskRecord>(taskKey(r.flow, r.run, step, task));
      if (rec?.status !== 'cloned') return undefined;
    }
    const rec = await this.meta.getJson<TaskRecord>(taskKey(r.flow, r.origin.run, t.step, t.task));
    if (!rec || (rec.status !== 'succeeded' && rec.status !== 'cloned')) return undefined;
    return rec;
  }

  /** Ends the run once (compare-and-set from running); the losers of a race do nothing. */
  private async finish(v: RunView, status: 'succeeded' | 'failed'): Promise<void> {
    const r = v.record;
    const kvKey = runKey(r.flow, r.run).replace(/\//g, '.');
    for (;;) {
      const e = await this.kv.get(kvKey);
      if (!e || e.operation !== 'PUT') throw new ProtocolError(`no run record ${kvKey}`);
      const current = JSON.parse(dec.decode(e.value)) as RunRecord;
      if (current.status !== 'running') {
        v.record = current;
        return;
      }
      const failed: string[] = [];
      if (status === 'failed') {
        const keys = await this.kv.keys(COORD_KEYS.failedAll(r.run));
        for await (const k of keys) {
          const parts = k.split('.');
          failed.push(`${r.flow}/${r.run}/${parts[3]}/${parts.slice(4).join('.')}`);
        }
        failed.sort();
      }
      const final: RunRecord = { ...current, status, finishedAt: new Date().toISOString(), ...(failed.length ? { failed } : {}) };
      try {
        await this.kv.update(kvKey, enc.encode(JSON.stringify(final)), e.revision);
      } catch (err) {
        if (isWrongSequence(err)) continue;
        throw err;
      }
      v.record = final;
      const counts = await this.counts(r);
      this.event({
        type: 'run.finished', flow: r.flow, run: r.run, status, failed, tasks: counts,
        durationMs: Date.parse(final.finishedAt!) - Date.parse(r.createdAt), time: final.finishedAt!,
      });
      this.log(`${r.flow}/${r.run} ${status}`);
      return;
    }
  }

  /** Task counts for `run.finished`: from the keys and the parts' records counted, unless a replay cloned some. */
  private async counts(r: RunRecord): Promise<{ succeeded: number; failed: number; cloned: number }> {
    const counts = { succeeded: 0, failed: 0, cloned: 0 };
    const base = `meta.${r.flow}.${r.run}`;
    const names = await keysOf(this.kv, `${base}.steps.>`);
    const inParts = await this.parts.count(base);
    for await (const _ of await this.kv.keys(COORD_KEYS.failedAll(r.run))) counts.failed++;
    const total = names.length + inParts.records;
    if (!r.origin) {
      counts.succeeded = total - counts.failed;
      return counts;
    }
    const own = await readJsonMany(this.kv, names);
    counts.cloned = inParts.cloned + own.filter(([, rec]) => (rec as TaskRecord).status === 'cloned').length;
    counts.succeeded = total - counts.failed - counts.cloned;
    return counts;
  }

  /** Those of `tasks` that have no record yet. */
  private async unrecorded(v: RunView, tasks: PlannedTask[]): Promise<PlannedTask[]> {
    const r = v.record;
    const recs = await Promise.all(tasks.map((t) => this.meta.getJson<TaskRecord>(taskKey(r.flow, r.run, t.step, t.task))));
    return tasks.filter((_, i) => !recs[i]);
  }

  /**
   * Every MESH_STALL_MS (30 s; 0: never) a coordinator looks for runs that cannot move: both work
   * queues empty (a work queue keeps a message until it is acknowledged, so nothing is queued, running
   * or being recorded anywhere) and unchanged since the last look, while a run is still running. Its
   * next task messages were lost outside the mesh's protocol (a broker that lost them, a process of
   * another version that dropped them): the run is re-driven from its records (repair).
   */
  private watchStalls(): void {
    const every = this.stallEvery;
    if (every <= 0) return;
    this.stallTimer = setInterval(() => {
      if (this.checkingStall || this.stopped) return;
      this.checkingStall = true;
      this.checkStall().catch((err: unknown) => this.log(`stall check failed: ${(err as Error).message}`)).finally(() => {
        this.checkingStall = false;
      });
    }, every);
    this.stallTimer.unref();
  }

  private async checkStall(): Promise<void> {
    const jsm = await this.js.jetstreamManager();
    const [tasks, control] = await Promise.all([jsm.streams.info(STREAMS.tasks), jsm.streams.info(STREAMS.control)]);
    if (tasks.state.messages > 0 || control.state.messages > 0) {
      this.quiet = undefined;
      return;
    }
    const state = `${tasks.state.last_seq}-${control.state.last_seq}`;
    const seenBefore = this.quiet === state;
    this.quiet = state;
    // An idle mesh stays in one state for hours: its runs are read once, not at every look.
    if (!seenBefore || this.examined === state) return;
    let young = false;
    for (const [key, rec] of await readJsonMany(this.kv, await keysOf(this.kv, 'meta.*.*.run'))) {
      const r = rec as RunRecord;
      if (r.status !== 'running' || this.stopped) continue;
      // A run younger than a look may not have published its submission yet: looked at next time.
      if (Date.now() - Date.parse(r.createdAt) < this.stallEvery) {
        young = true;
        continue;
      }
      // One coordinator repairs a run in a given state of the queues: the one that creates this key.
      try {
        await this.kv.create(COORD_KEYS.repair(r.run, state), enc.encode(new Date().toISOString()));
      } catch (err) {
        if (isWrongSequence(err)) continue;
        throw err;
      }
      this.log(`${r.flow}/${r.run} cannot move (nothing queued or running since the last look): re-driving it from its records (${key})`);
      await this.repair(await this.view(r.flow, r.run), `r${state}`);
    }
    if (!young) this.examined = state;
  }

  /**
   * Moves a run on from every task it recorded, as when each result arrived, planning only tasks that
   * have no record (under new message ids); with no records at all, from its start. Joins count each
   * arrival once, so arriving again changes nothing.
   */
  private async repair(v: RunView, tag: string): Promise<void> {
    const r = v.record;
    v.repair = tag;
    try {
      const base = `meta.${r.flow}.${r.run}`;
      const recs = [...await readJsonMany(this.kv, await keysOf(this.kv, `${base}.steps.>`)), ...await this.parts.records(base)]
        .map(([, rec]) => rec as TaskRecord);
      if (recs.length === 0) {
        await this.plan(v, { step: 'start', task: '0', foreach: [] });
        return;
      }
      for (let i = 0; i < recs.length; i += 64) {
        if (await this.runIsOver(v)) return;
        await Promise.all(recs.slice(i, i + 64).map((rec) => this.outcome(v, { step: rec.step, task: rec.task, foreach: rec.foreach }, rec)));
      }
    } finally {
      v.repair = undefined;
    }
  }

  /**
   * A task delivered `max_deliver` times without an ack stays in the work queue; the server says so
   * with an advisory. It is moved to the dead-letter stream and its task recorded as failed.
   */
  private watchDeadLetters(): void {
    const sub = this.o.nc.subscribe(SUBJECTS.maxDeliveries(STREAMS.tasks));
    this.advisories = sub;
    void (async () => {
      for await (const m of sub) {
        try {
          const adv = JSON.parse(dec.decode(m.data)) as { stream_seq: number; deliveries: number };
          const jsm = await this.js.jetstreamManager();
          const stored = await jsm.streams.getMessage(STREAMS.tasks, { seq: adv.stream_seq });
          if (!stored) continue;
          const reason = `delivered ${adv.deliveries} times without finishing`;
          await deadLetter(this.js, stored.data, STREAMS.tasks, adv.stream_seq, reason);
          let task: TaskMessage;
          try {
            task = decodeMessage(stored.data, 'mesh.v1.task');
          } catch (err) {
            // No worker could read it: no task to record as failed; the copy in MESH_DEAD keeps it.
            await jsm.streams.deleteMessage(STREAMS.tasks, adv.stream_seq);
            this.log(`dead-lettered undecodable task message ${adv.stream_seq} after ${adv.deliveries} deliveries: ${(err as Error).message}`);
            continue;
          }
          const s = task.specs[0]!;
          // A task of a run that does not exist has no one to tell (the copy in MESH_DEAD keeps it).
          let exists = false;
          try {
            exists = (await this.meta.getJson<RunRecord>(runKey(s.flow, s.run))) !== undefined;
          } catch (err) {
            if (!(err instanceof InvalidKeyError)) throw err;
          }
          const now = new Date().toISOString();
          const results: TaskResultMessage[] = task.specs.map((s) => ({
            schema: 'mesh.v1.task.result', flow: s.flow, run: s.run, step: s.step, task: s.task, foreach: s.foreach, ok: false,
            artifacts: {}, attempt: { attempt: adv.deliveries - 1, startedAt: now, finishedAt: now, ok: false, error: reason, errorName: 'DeadLetter' },
            worker: 'coordinator',
          }));
          if (exists) await this.js.publish(SUBJECTS.result, encodeMessage({ schema: 'mesh.v1.task.results', results }), { msgID: msgIds.results(results[0]!, results.length) });
          await jsm.streams.deleteMessage(STREAMS.tasks, adv.stream_seq);
          this.log(`dead-lettered ${s.flow}/${s.run}/${s.step}/${s.task}${task.specs.length > 1 ? ` and ${task.specs.length - 1} more` : ''} after ${adv.deliveries} deliveries`);
        } catch (err) {
          this.log(`max-deliveries advisory not handled: ${(err as Error).message}`);
        }
      }
    })();
  }
}

interface FanoutState {
  /** Partitions per task message. */
  size: number;
  /** Partitions published so far. */
  from: number;
}

/** The step every partition of a foreach reaches its join from, unless a switch sends it elsewhere. */
function defaultInput(graph: FlowGraph, join: string): string {
  return graph.steps[join]!.parents[0]!;
}

function forcedSteps(r: RunRecord): Set<string> | undefined {
  if (!r.origin) return undefined;
  const forced = new Set<string>();
  if (r.origin.step) {
    const todo = [r.origin.step];
    while (todo.length) {
      const s = todo.pop()!;
      if (forced.has(s) || !r.graph.steps[s]) continue;
      forced.add(s);
      todo.push(...targetsOf(r.graph.steps[s]!.transition));
    }
  }
  return forced;
}
