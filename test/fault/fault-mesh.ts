/**
 * A mesh of real `mesh coordinator` and `mesh worker` processes that can be killed at any moment,
 * over any NATS (one server, a cluster, one being restarted) and any store (a directory, S3).
 * Unlike test/harness/mesh.ts it keeps each process's log, waits for runs by polling their record
 * (events can be lost while a server is down) and follows progress over a core subscription, which
 * survives reconnects.
 *
 *   const mesh = await FaultMesh.start({ nats: server.url, store: dir });
 *   mesh.coordinator(); mesh.worker(); await mesh.ready();
 *   const run = await mesh.submit(STACK_FLOW, params);
 *   await run.until((p) => p.finished('scan') >= 10);
 *   await mesh.workers()[0]!.kill();
 *   const final = await run.done();
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { submitRun } from '../../coordinator/mesh-client.js';
import { runKey } from '../../protocol/keys.js';
import { CONSUMERS, DEFAULT_POOL, META_BUCKET, STREAMS, SUBJECTS, decodeEvents, type MeshEvent } from '../../protocol/mesh.js';
import type { RunRecord, TaskRecord } from '../../protocol/records.js';
import { openBackend } from '../../store/index.js';
import { keysOf, readJsonMany } from '../../store/kv.js';
import { TaskParts } from '../../store/kv-parts.js';
import { spawnCli } from '../harness/mesh.js';

export interface FaultMeshOptions {
  /** One URL or several, comma-joined (a cluster). */
  nats: string;
  /** The shared content store: a directory or s3://bucket/prefix. */
  store: string;
  /** Extra environment for every process (AWS_*, TMPDIR, ...). */
  env?: NodeJS.ProcessEnv;
  /** Stream and KV replicas (`--replicas`), 3 on a cluster. */
  replicas?: number;
  /** Redelivery after this long without an ack (MESH_ACK_WAIT_MS); default 3 s. */
  ackWaitMs?: number;
}

/** Log lines of a process that say a message was set aside or dead-lettered, or a run repaired. */
const NOTABLE = /cannot use|dead-letter|not handled|cannot move/;

/** One coordinator or worker process. */
export class Service {
  private readonly lines: string[] = [];
  private readonly exited: Promise<void>;
  /** Killed or stopped by the test, rather than exiting on its own. */
  private ended = false;

  constructor(readonly kind: 'coordinator' | 'worker', readonly child: ChildProcess) {
    let partial = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      this.lines.push(...parts);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Its stderr so far, one entry per line. */
  get log(): readonly string[] {
    return this.lines;
  }

  /** It exited without being told to: a crash. */
  get crashed(): boolean {
    return !this.alive && !this.ended;
  }

  get isReady(): boolean {
    return this.lines.some((l) => / ready \(/.test(l));
  }

  /** kill -9, and wait until it is gone. */
  async kill(): Promise<void> {
    this.ended = true;
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (drain), and wait until it is gone. */
  async stop(): Promise<void> {
    this.ended = true;
    if (this.alive) this.child.kill('SIGTERM');
    await this.exited;
  }

  /** Peak resident set size so far, in KiB (VmHWM from /proc). */
  peakRssKiB(): number {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    if (!m) throw new Error(`no VmHWM for ${this.pid}`);
    return Number(m[1]);
  }
}

/** Progress of one run, from its events (which may miss some while a server is down). */
export class Progress {
  readonly events: MeshEvent[] = [];
  private readonly counts = new Map<string, number>();
  private readonly waiters = new Set<() => void>();

  add(e: MeshEvent): void {
    this.events.push(e);
    if (e.type === 'task.finished') this.counts.set(e.step, (this.counts.get(e.step) ?? 0) + 1);
    for (const w of this.waiters) w();
  }

  /** Tasks of `step` seen finishing. */
  finished(step: string): number {
    return this.counts.get(step) ?? 0;
  }

  started(step: string): number {
    return this.events.filter((e) => e.type === 'task.started' && e.step === step).length;
  }

  failures(): MeshEvent[] {
    return this.events.filter((e) => e.type === 'task.failed');
  }

  /** Resolves when `cond` holds after an event, or when `stop` resolves first. */
  until(cond: (p: Progress) => boolean, stop: Promise<unknown>): Promise<boolean> {
    if (cond(this)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!cond(this)) return;
        this.waiters.delete(check);
        resolve(true);
      };
      this.waiters.add(check);
      void stop.finally(() => {
        this.waiters.delete(check);
        resolve(cond(this));
      });
    });
  }
}

export class MeshRun {
  readonly progress = new Progress();
  private final?: Promise<RunRecord>;
  private ended = false;

  /** `sub`: the run's events, when followed. */
  constructor(private readonly mesh: FaultMesh, readonly record: RunRecord, private readonly sub: Subscription | undefined, private readonly timeoutMs: number) {
    if (!sub) return;
    void (async () => {
      for await (const m of sub) {
        try {
          for (const e of decodeEvents(m.data)) this.progress.add(e);
        } catch {
          // not an event
        }
      }
    })();
  }

  /** Whether the run has been seen to end. */
  get over(): boolean {
    return this.ended;
  }

  /** Resolves when the condition holds or the run ends, whichever is first; true if the condition held. */
  until(cond: (p: Progress) => boolean): Promise<boolean> {
    return this.progress.until(cond, this.done().catch(() => {}));
  }

  /** The final run record, polled from KV (tolerating a server that is down or electing a leader). */
  done(): Promise<RunRecord> {
    this.final ??= (async () => {
      const deadline = Date.now() + this.timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        const crashed = this.mesh.services.find((s) => s.crashed);
        if (crashed) {
          this.sub?.unsubscribe();
          throw new Error(`${crashed.kind} ${crashed.pid} exited on its own (${crashed.child.exitCode ?? crashed.child.signalCode})\n${this.mesh.logTail()}`);
        }
        try {
          const r = await this.mesh.record(this.record);
          if (r && r.status !== 'running') {
            this.sub?.unsubscribe();
            this.ended = true;
            return r;
          }
        } catch (err) {
          last = (err as Error).message;
        }
        await sleep(200);
      }
      this.sub?.unsubscribe();
      const seen = this.progress.events.slice(-8).map((e) => `${e.type}${'step' in e ? ` ${e.step}${'task' in e ? `/${e.task}` : ''}` : ''}`);
      throw new Error(`run ${this.record.flow}/${this.record.run} did not end within ${this.timeoutMs} ms${last ? ` (last error: ${last})` : ''}\n`
        + `last events: ${seen.join(', ')}\n${await this.mesh.queues().catch((err) => `queues: ${(err as Error).message}`)}\n`
        + `${await this.mesh.state(this.record).catch((err) => `state: ${(err as Error).message}`)}\n${this.mesh.logTail()}`);
    })();
    return this.final;
  }
}

export class FaultMesh {
  readonly services: Service[] = [];
  private kvHandle?: Promise<KV>;

  private constructor(readonly o: FaultMeshOptions, readonly nc: NatsConnection) {}

  static async start(o: FaultMeshOptions): Promise<FaultMesh> {
    const nc = await connect({ servers: o.nats.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 250, noAsyncTraces: true });
    return new FaultMesh(o, nc);
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env, ...this.o.env,
      MESH_NATS_URL: this.o.nats, MESH_STORE: this.o.store, MESH_ACK_WAIT_MS: String(this.o.ackWaitMs ?? 3000),
    };
  }

  private spawn(kind: 'coordinator' | 'worker', args: string[], env: NodeJS.ProcessEnv = {}): Service {
    const replicas = this.o.replicas ? ['--replicas', String(this.o.replicas)] : [];
    const child = spawnCli([kind, ...replicas, ...args], { ...this.env, ...env });
    const s = new Service(kind, child);
    this.services.push(s);
    return s;
  }

  coordinator(env: NodeJS.ProcessEnv = {}): Service {
    return this.spawn('coordinator', [], env);
  }

  worker(concurrency = 2, env: NodeJS.ProcessEnv = {}): Service {
    return this.spawn('worker', ['--concurrency', String(concurrency)], env);
  }

  coordinators(): Service[] {
    return this.services.filter((s) => s.kind === 'coordinator' && s.alive);
  }

  workers(): Service[] {
    return this.services.filter((s) => s.kind === 'worker' && s.alive);
  }

  /** Starts coordinators, then workers (two threads each), and waits until all are ready. */
  async up(o: { coordinators?: number; workers?: number; workerEnv?: NodeJS.ProcessEnv } = {}): Promise<this> {
    for (let i = 0; i < (o.coordinators ?? 1); i++) this.coordinator();
    for (let i = 0; i < (o.workers ?? 2); i++) this.worker(2, o.workerEnv);
    await this.ready();
    return this;
  }

  /** Waits until every live process says it is ready. */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.services.some((s) => s.crashed)) break;
      if (this.services.filter((s) => s.alive).every((s) => s.isReady)) return;
      await sleep(50);
    }
    throw new Error(`services not ready:\n${this.logTail()}`);
  }

  /** Submits a run; its events are followed unless `follow` is false (a huge run's events cost CPU). */
  async submit(file: string, params: Record<string, unknown>, o: { timeoutMs?: number; follow?: boolean } = {}): Promise<MeshRun> {
    // Every event of every run: one run at a time here, and the subscription exists before the run does.
    const sub = o.follow === false ? undefined : this.nc.subscribe(SUBJECTS.eventsAll);
    const blobs = openBackend(this.o.store);
    try {
      const record = await submitRun({ nc: this.nc, blobs, file, params, replicas: this.o.replicas });
      return new MeshRun(this, record, sub, o.timeoutMs ?? Number(process.env.FAULT_RUN_TIMEOUT_MS ?? 180_000));
    } catch (err) {
      sub?.unsubscribe();
      throw err;
    } finally {
      await blobs.close();
    }
  }

  kv(): Promise<KV> {
    this.kvHandle ??= new Kvm(this.nc).open(META_BUCKET);
    return this.kvHandle;
  }

  async record(r: Pick<RunRecord, 'flow' | 'run'>): Promise<RunRecord | undefined> {
    const e = await (await this.kv()).get(kvKey(runKey(r.flow, r.run)));
    return e?.operation === 'PUT' ? (e.json() as RunRecord) : undefined;
  }

  /** Every task record of a run, and the coordination keys of failed attempts and failed tasks. */
  async tasks(r: Pick<RunRecord, 'flow' | 'run'>): Promise<{ records: TaskRecord[]; failedKeys: string[] }> {
    const kv = await this.kv();
    const base = `meta.${r.flow}.${r.run}`;
    // Foreach partitions are recorded 64 to a part (store/kv-parts.ts), every other task under its key.
    const own = await readJsonMany(kv, await keysOf(kv, `${base}.steps.>`));
    const records = [...own, ...await new TaskParts(kv).records(base)].map(([, rec]) => rec as TaskRecord);
    const failedKeys: string[] = [];
    for await (const k of await kv.keys(`coord.${r.run}.failed.>`)) failedKeys.push(k);
    for await (const k of await kv.keys(`coord.${r.run}.attempt.>`)) failedKeys.push(k);
    return { records, failedKeys };
  }

  /** A run's task records per step and its coordination keys, for a failure message. */
  async state(r: Pick<RunRecord, 'flow' | 'run'>): Promise<string> {
    const kv = await this.kv();
    const { records } = await this.tasks(r);
    const perStep = new Map<string, number>();
    for (const rec of records) perStep.set(rec.step, (perStep.get(rec.step) ?? 0) + 1);
    const lines = [`task records: ${[...perStep].map(([s, n]) => `${s} ${n}`).join(', ')}`];
    for await (const k of await kv.keys(`coord.${r.run}.>`)) {
      const e = await kv.get(k);
      lines.push(`${k} = ${e?.operation === 'PUT' ? e.string().slice(0, 300) : e?.operation}`);
    }
    return lines.join('\n');
  }

  /** The work queues and their consumers, for a failure message. */
  async queues(): Promise<string> {
    const jsm = await jetstreamManager(this.nc, { timeout: 2000 });
    const lines: string[] = [];
    for (const [stream, consumer] of [[STREAMS.tasks, CONSUMERS.pool(DEFAULT_POOL)], [STREAMS.control, CONSUMERS.coordinator]] as const) {
      const s = await jsm.streams.info(stream);
      const c = await jsm.consumers.info(stream, consumer).catch(() => undefined);
      lines.push(`${stream}: ${s.state.messages} messages (seq ${s.state.first_seq}..${s.state.last_seq}), leader ${s.cluster?.leader ?? '-'}; `
        + (c ? `${consumer}: pending ${c.num_pending}, ack pending ${c.num_ack_pending}, waiting pulls ${c.num_waiting}, redelivered ${c.num_redelivered}, leader ${c.cluster?.leader ?? '-'}` : `${consumer}: missing`));
    }
    lines.push(`${STREAMS.dead}: ${(await jsm.streams.info(STREAMS.dead)).state.messages} messages`);
    return lines.join('\n');
  }

  /**
   * For a failure message: every process's lines about messages it could not use or gave up on, and
   * runs it repaired (all of them, however early), then the last lines of each.
   */
  logTail(lines = 12): string {
    const notable = this.services.flatMap((s) => s.log.filter((l) => NOTABLE.test(l)).map((l) => `${s.kind} ${s.pid}: ${l}`));
    const tails = this.services.map((s) => `--- ${s.kind} ${s.pid}${s.alive ? '' : ' (exited)'}\n${s.log.slice(-lines).join('\n')}`);
    return [...(notable.length > 0 ? [`--- messages set aside or given up on, runs repaired (${notable.length})`, ...notable.slice(0, 40)] : []), ...tails].join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.services.map((s) => s.kill()));
    await this.nc.close().catch(() => {});
  }
}

function kvKey(key: string): string {
  return key.replace(/\//g, '.');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A small deterministic PRNG (mulberry32), so a failing kill sequence can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
