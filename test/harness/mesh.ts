/** A mesh for tests: a real nats-server, a store directory, and coordinators and workers in-process or as processes. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { followRun, meshMetadata, submitRun } from '../../coordinator/mesh-client.js';
import { MeshCoordinator } from '../../coordinator/mesh-coordinator.js';
import { DEAD_HEADERS, STREAMS, type MeshEvent } from '../../protocol/mesh.js';
import type { RunRecord, TaskRecord } from '../../protocol/records.js';
import { taskKey } from '../../protocol/keys.js';
import type { ReplayRequest } from '../../coordinator/replay.js';
import { openBackend, type MetadataStore } from '../../store/index.js';
import { MeshWorker } from '../../worker/mesh-worker.js';
import { ROOT, tempDir } from './flows.js';
import { startNats, type NatsServer } from './nats.js';

export const CLI = join(ROOT, 'dist/cli/index.js');

/**
 * Every `mesh` process this test process started, so none outlives it: one left reconnecting to the
 * port of a server that is gone would join the mesh of whatever server takes the port next.
 */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A `mesh` CLI process (its stderr piped, stdout too if asked), killed when this process exits if still running. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, stdout: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', stdout, 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A dead letter as a test reads it back. */
export interface DeadLetter {
  data: Uint8Array;
  reason: string;
}

/**
 * The dead letters from MESH_DEAD's sequence `from` on, keyed `<stream>/<seq>` of where each message
 * was, once there are `count` of them (or `timeoutMs` has passed: the caller's assertions say what is missing).
 */
export async function deadLetters(jsm: JetStreamManager, from: number, count: number, timeoutMs = 30_000): Promise<Map<string, DeadLetter>> {
  const dead = new Map<string, DeadLetter>();
  for (let seq = from, deadline = Date.now() + timeoutMs; dead.size < count && Date.now() < deadline;) {
    const m = await jsm.streams.getMessage(STREAMS.dead, { seq });
    if (!m) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    dead.set(`${m.header.get(DEAD_HEADERS.stream)}/${m.header.get(DEAD_HEADERS.seq)}`, { data: m.data, reason: m.header.get(DEAD_HEADERS.reason) });
    seq++;
  }
  return dead;
}

export class TestMesh {
  readonly connections: NatsConnection[] = [];
  readonly services: Array<{ stop(): Promise<void> }> = [];
  readonly processes: ChildProcess[] = [];

  private constructor(readonly nats: NatsServer, readonly store: string, private readonly cleanup: () => void) {}

  static async start(): Promise<TestMesh> {
    const nats = await startNats();
    const dir = tempDir('mesh-store-');
    return new TestMesh(nats, dir.path, dir.remove);
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, MESH_NATS_URL: this.nats.url, MESH_STORE: this.store, MESH_ACK_WAIT_MS: '3000' };
  }

  async connection(): Promise<NatsConnection> {
    const nc = await connect({ servers: this.nats.url, maxReconnectAttempts: -1, noAsyncTraces: true });
    this.connections.push(nc);
    return nc;
  }

  async coordinator(): Promise<MeshCoordinator> {
    const c = await MeshCoordinator.start({ nc: await this.connection(), blobs: openBackend(this.store) });
    this.services.push(c);
    return c;
  }

  async worker(concurrency = 2, name?: string, pool?: string): Promise<MeshWorker> {
    const w = await MeshWorker.start({ nc: await this.connection(), blobs: openBackend(this.store), concurrency, name, pool, ackWaitMs: 3000 });
    this.services.push(w);
    return w;
  }

  /** A `mesh` CLI process against this mesh (coordinator, worker, ...). */
  spawn(...args: string[]): ChildProcess {
    const child = spawnCli(args, this.env);
    child.stderr!.on('data', () => {});
    this.processes.push(child);
    return child;
  }

  async submit(file: string, params: Record<string, unknown> = {}, replay?: ReplayRequest): Promise<RunRecord> {
    return submitRun({ nc: await this.connection(), blobs: openBackend(this.store), file, params, replay });
  }

  async follow(record: Pick<RunRecord, 'flow' | 'run'>, events: MeshEvent[] = []): Promise<RunRecord> {
    const final = await followRun({ nc: await this.connection(), flow: record.flow, run: record.run, onEvent: (e) => events.push(e) });
    if (!final) throw new Error('run record missing');
    return final;
  }

  async meta(): Promise<MetadataStore> {
    return meshMetadata(await this.connection(), openBackend(this.store));
  }

  async task(record: Pick<RunRecord, 'flow' | 'run'>, step: string, task = '0'): Promise<TaskRecord> {
    const rec = await (await this.meta()).getJson<TaskRecord>(taskKey(record.flow, record.run, step, task));
    if (!rec) throw new Error(`no record for ${step}/${task}`);
    return rec;
  }

  /** Every task's artifacts, as `step/task` -> name -> digest. */
  async allArtifacts(record: Pick<RunRecord, 'flow' | 'run'>): Promise<Record<string, Record<string, string>>> {
    const meta = await this.meta();
    const out: Record<string, Record<string, string>> = {};
    for (const step of await meta.list(`meta/${record.flow}/${record.run}/steps/`)) {
      const s = step.replace(/\/$/, '');
      for (const task of await meta.list(`meta/${record.flow}/${record.run}/steps/${s}/`)) {
        const rec = await meta.getJson<TaskRecord>(taskKey(record.flow, record.run, s, task));
        out[`${s}/${task}`] = rec!.artifacts;
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    for (const p of this.processes) if (p.exitCode === null) p.kill('SIGKILL');
    await Promise.all(this.services.map((s) => s.stop().catch(() => {})));
    await Promise.all(this.connections.map((c) => c.close().catch(() => {})));
    await this.nats.stop();
    this.cleanup();
  }
}
