/**
 * The main-thread side of a piscina pool of task threads: starts the threads, answers their bridge
 * requests from the store, forwards their live output, and aborts tasks past their timeout.
 */
import { availableParallelism } from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { TaskResult, TaskSpec } from '../protocol/task.js';
import { serveBridge, type BridgeHandler } from './bridge.js';
import type { InspectResult, ThreadRequest } from './thread.js';

export interface TaskPoolOptions {
  /** Threads; defaults to the number of cores. */
  threads?: number;
  handler: BridgeHandler;
  onLog?: (task: string | undefined, stream: 'stdout' | 'stderr', text: string, run?: string) => void;
}

/** Tasks per pool message at most (a mesh task message's partitions fit in one). */
const BATCH = 256;

export class TimeoutError extends Error {
  override name = 'TimeoutError';
  constructor(readonly step: string, readonly seconds: number) {
    super(`step '${step}' timed out after ${seconds} s`);
  }
}

export function resolveThreads(threads: number | undefined): number {
  if (threads === undefined) return availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`max workers must be a positive integer, got ${threads}`);
  return threads;
}

export class TaskPool {
  readonly threads: number;
  private readonly piscina: Piscina;
  private readonly pending: Array<{ spec: TaskSpec; resolve: (r: TaskResult) => void; reject: (e: unknown) => void }> = [];

  constructor(options: TaskPoolOptions) {
    this.threads = resolveThreads(options.threads);
    this.piscina = new Piscina({
      filename: new URL('./thread-entry.cjs', import.meta.url).href,
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: 60_000,
    });
    this.piscina.on('message', (msg: { type?: string; port?: MessagePort }) => {
      if (msg?.type === 'stackmesh.bridge' && msg.port) {
        serveBridge(msg.port, options.handler, (note) => {
          const n = note as { type: string; stream: 'stdout' | 'stderr'; text: string; task?: string; run?: string };
          if (n?.type === 'log') options.onLog?.(n.task, n.stream, n.text, n.run);
        });
      }
    });
    // A thread that fails to load must not crash the process; the task it held fails instead.
    this.piscina.on('error', () => {});
  }

  inspect(code: string): Promise<InspectResult> {
    return this.piscina.run({ kind: 'inspect', code } satisfies ThreadRequest) as Promise<InspectResult>;
  }

  /**
   * Runs a task in a thread. Tasks without a timeout that are submitted in the same tick travel
   * together, up to BATCH per message when there are enough of them to keep every thread busy,
   * which triples the throughput of trivial steps.
   */
  async run(spec: TaskSpec, timeoutSeconds?: number): Promise<TaskResult> {
    if (!timeoutSeconds) {
      return new Promise<TaskResult>((resolve, reject) => {
        this.pending.push({ spec, resolve, reject });
        // Once per tick, when all the tasks submitted together are known: their number sizes the groups.
        if (this.pending.length === 1) setImmediate(() => this.flush());
      });
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new TimeoutError(spec.step, timeoutSeconds)), timeoutSeconds * 1000);
    try {
      return (await this.piscina.run({ kind: 'run', spec } satisfies ThreadRequest, { signal: abort.signal })) as TaskResult;
    } catch (err) {
      if (abort.signal.aborted) throw abort.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private flush(): void {
    // A thread runs a group's tasks one after the other: groups are only as large as keeps every
    // thread busy (a few heavy tasks go one to a message; a thousand trivial ones travel by BATCH).
    // With one thread there is nothing to balance: every message to it is a wake-up that costs a
    // system call (on a VM, an interrupt to another CPU), so the tasks go together.
    const size = this.threads === 1
      ? Math.min(BATCH, this.pending.length)
      : Math.max(1, Math.min(BATCH, Math.floor(this.pending.length / (this.threads * 4))));
    while (this.pending.length > 0) {
      const group = this.pending.splice(0, size);
      const request: ThreadRequest = group.length === 1
        ? { kind: 'run', spec: group[0]!.spec }
        : { kind: 'batch', specs: group.map((g) => g.spec) };
      (this.piscina.run(request) as Promise<TaskResult | TaskResult[]>).then(
        (out) => {
          const results = Array.isArray(out) ? out : [out];
          group.forEach((g, i) => g.resolve(results[i]!));
        },
        (err: unknown) => {
          if (group.length === 1) {
            group[0]!.reject(err);
            return;
          }
          // The thread died under the batch (a step exited or crashed it): run each task on its own,
          // so only the task that kills its thread fails.
          for (const g of group) {
            (this.piscina.run({ kind: 'run', spec: g.spec } satisfies ThreadRequest) as Promise<TaskResult>).then(g.resolve, g.reject);
          }
        },
      );
    }
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
