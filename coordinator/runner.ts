/**
 * Running a flow from code.
 *
 *   const run = await new Runner('flow.ts', { params: { n: 5 } }).run();
 *   for await (const event of run) console.log(event.type);
 *   const record = await run.wait();          // record.status === 'succeeded'
 *   console.log(run.logs());                  // everything the tasks printed, by task
 */
import type { RunEvent } from '../protocol/events.js';
import type { RunRecord } from '../protocol/records.js';
import { startEmbeddedRun, type EmbeddedRun } from './embedded.js';

export interface RunnerOptions {
  params?: Record<string, unknown>;
  /** Directory or s3://bucket/prefix (default: MESH_STORE, then `.mesh` in cwd). */
  store?: string;
  cwd?: string;
  maxWorkers?: number;
}

export class Runner {
  constructor(readonly file: string, readonly options: RunnerOptions = {}) {}

  /** Starts the run; resolves once it is planned and running (invalid flows reject here). */
  async run(): Promise<ExecutingRun> {
    const logs: Array<{ task: string; stream: 'stdout' | 'stderr'; text: string }> = [];
    const inner = await startEmbeddedRun({
      file: this.file,
      params: this.options.params,
      store: this.options.store,
      cwd: this.options.cwd,
      maxWorkers: this.options.maxWorkers,
      onLog: (task, stream, text) => logs.push({ task, stream, text }),
    });
    return new ExecutingRun(inner, logs);
  }
}

export class ExecutingRun implements AsyncIterable<RunEvent> {
  constructor(
    private readonly inner: EmbeddedRun,
    private readonly captured: ReadonlyArray<{ task: string; stream: 'stdout' | 'stderr'; text: string }>,
  ) {}

  get flow(): string { return this.inner.flow; }
  get id(): string { return this.inner.run; }
  get pathspec(): string { return `${this.inner.flow}/${this.inner.run}`; }
  get store(): string { return this.inner.store; }
  /** 'running' until the run ends, then 'succeeded' or 'failed'. */
  get status(): RunRecord['status'] { return this.inner.status; }

  wait(): Promise<RunRecord> {
    return this.inner.wait();
  }

  events(): AsyncIterableIterator<RunEvent> {
    return this.inner.events();
  }

  [Symbol.asyncIterator](): AsyncIterator<RunEvent> {
    return this.inner.events();
  }

  /** What the tasks printed so far, optionally of one task (`step/task`). */
  logs(task?: string): string {
    return this.captured.filter((l) => task === undefined || l.task === task).map((l) => l.text).join('');
  }
}
