/** One run, from its record: status, parameters, times, and its steps in graph order. */
import { NotFoundError } from '../coordinator/errors.js';
import type { FlowGraph } from '../protocol/graph.js';
import { runKey } from '../protocol/keys.js';
import type { RunRecord, RunStatus } from '../protocol/records.js';
import { mapBounded } from './batch.js';
import { Step } from './step.js';
import type { ClientStore } from './store.js';
import type { Task } from './task.js';

export class Run {
  /** Made by `Flow.run(id)`, `Flow.runs()` and `openRun()` from a record already read. */
  constructor(private readonly rec: RunRecord, private readonly store: ClientStore) {}

  get id(): string {
    return this.rec.run;
  }

  get flow(): string {
    return this.rec.flow;
  }

  get pathspec(): string {
    return `${this.rec.flow}/${this.rec.run}`;
  }

  /** As of when the record was read; `refresh()` reads it again. */
  get status(): RunStatus {
    return this.rec.status;
  }

  get finished(): boolean {
    return this.rec.status !== 'running';
  }

  get successful(): boolean {
    return this.rec.status === 'succeeded';
  }

  /** Parameter values after defaults and parsing. */
  get params(): Readonly<Record<string, unknown>> {
    return this.rec.params;
  }

  get createdAt(): Date {
    return new Date(this.rec.createdAt);
  }

  get finishedAt(): Date | undefined {
    return this.rec.finishedAt ? new Date(this.rec.finishedAt) : undefined;
  }

  /** undefined while the run is running. */
  get durationMs(): number | undefined {
    return this.rec.finishedAt ? Date.parse(this.rec.finishedAt) - Date.parse(this.rec.createdAt) : undefined;
  }

  /** Pathspecs of the tasks that failed (`Flow/run/step/task`); empty unless the run failed. */
  get failed(): readonly string[] {
    return this.rec.failed ?? [];
  }

  /** The run this one replays, if it is a replay. */
  get origin(): RunRecord['origin'] {
    return this.rec.origin;
  }

  get graph(): FlowGraph {
    return this.rec.graph;
  }

  /** Where the store is: file:///abs/dir or s3://bucket/prefix. */
  get storeUrl(): string {
    return this.store.url;
  }

  record(): RunRecord {
    return this.rec;
  }

  /** The same run read again (a running run's record is rewritten when it finishes). */
  async refresh(): Promise<Run> {
    const rec = await this.store.meta.getJson<RunRecord>(runKey(this.rec.flow, this.rec.run));
    if (!rec) throw new NotFoundError(`no run ${this.pathspec} in ${this.store.url}`);
    return new Run(rec, this.store);
  }

  /** Every step of the flow in graph order; reads nothing. A step that never ran has no tasks. */
  steps(): Step[] {
    return this.rec.graph.order.map((name) => this.makeStep(name));
  }

  step(name: string): Step {
    if (!Object.hasOwn(this.rec.graph.steps, name)) {
      throw new NotFoundError(`run ${this.pathspec} has no step '${name}' (steps: ${this.rec.graph.order.join(', ')})`);
    }
    return this.makeStep(name);
  }

  /** The task of the step that ends the flow; NotFoundError when the run did not get there. */
  async endTask(): Promise<Task> {
    const end = this.rec.graph.order.find((s) => this.rec.graph.steps[s]!.transition.type === 'end') ?? 'end';
    const ids = await this.step(end).taskIds();
    if (ids.length === 0) {
      throw new NotFoundError(`run ${this.pathspec} has no result: its '${end}' step did not run (status ${this.rec.status})`);
    }
    return this.step(end).task(ids[0]!);
  }

  /** The values of every artifact of the end task, by name, like Metaflow's `run.data`. */
  async data(): Promise<Record<string, unknown>> {
    const artifacts = (await this.endTask()).artifacts();
    const values = await mapBounded(artifacts, this.store.concurrency, (a) => a.value());
    return Object.fromEntries(artifacts.map((a, i) => [a.name, values[i]]));
  }

  private makeStep(name: string): Step {
    return new Step(this.rec.flow, this.rec.run, name, this.rec.graph.steps[name], this.store);
  }
}
