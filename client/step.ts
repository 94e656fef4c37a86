/**
 * One step of a run. Its tasks are listed with one `list` call and their records read in order,
 * a bounded number at a time, so a step of 100,000 tasks streams instead of loading all at once.
 */
import { NotFoundError, UsageError } from '../coordinator/errors.js';
import type { GraphStep } from '../protocol/graph.js';
import { isTaskId, stepPrefix, taskKey } from '../protocol/keys.js';
import type { TaskRecord, TaskStatus } from '../protocol/records.js';
import { mapInOrder } from './batch.js';
import { sortTaskIds } from './pathspec.js';
import type { ClientStore } from './store.js';
import { Task } from './task.js';

export interface StepSummary {
  step: string;
  /** Tasks with a record (a task's record is written when it finishes). */
  tasks: number;
  byStatus: Record<TaskStatus, number>;
  /** Tasks that ran in this run and finished; cloned tasks ran in an earlier run and are not timed here. */
  timed: number;
  totalMs: number;
  /** undefined when no task was timed. */
  avgMs: number | undefined;
  /** Every task in order, when the step has at most `keep` of them. */
  all?: Task[];
  /** The failed tasks, in order. */
  failed: Task[];
}

export class Step {
  /** Made by `Run.step(name)` and `Run.steps()`; reads nothing. */
  constructor(
    readonly flow: string,
    readonly runId: string,
    readonly name: string,
    /** The step as the flow's graph describes it (transition, join, doc). */
    readonly info: GraphStep | undefined,
    private readonly store: ClientStore,
  ) {}

  get pathspec(): string {
    return `${this.flow}/${this.runId}/${this.name}`;
  }

  /** Ids of the tasks that have a record, sorted by foreach indices as numbers. One `list` call. */
  async taskIds(): Promise<string[]> {
    const names = await this.store.meta.list(stepPrefix(this.flow, this.runId, this.name));
    return sortTaskIds(names.filter(isTaskId));
  }

  /**
   * The tasks in `taskIds()` order, their records read `concurrency` at a time as the loop
   * advances. Stop early and the rest are never read.
   */
  async *tasks(options: { concurrency?: number } = {}): AsyncGenerator<Task, void, undefined> {
    const concurrency = options.concurrency ?? this.store.concurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new UsageError(`concurrency must be a positive integer, got ${concurrency}`);
    }
    const ids = await this.taskIds();
    const read = (id: string) => this.store.meta.getJson<TaskRecord>(taskKey(this.flow, this.runId, this.name, id));
    for await (const rec of mapInOrder(ids, concurrency, read)) {
      if (rec) yield new Task(rec, this.store); // a record deleted since the listing is skipped
    }
  }

  async task(id: string): Promise<Task> {
    if (!isTaskId(id)) {
      throw new UsageError(`'${id}' is not a task id (foreach indices joined by '.', like 0 or 3.1)`);
    }
    const rec = await this.store.meta.getJson<TaskRecord>(taskKey(this.flow, this.runId, this.name, id));
    if (!rec) throw new NotFoundError(`no task ${this.pathspec}/${id} in ${this.store.url}`);
    return new Task(rec, this.store);
  }

  /**
   * Counts by status and durations, reading every task record once and keeping only the failed
   * ones (and all of them when there are at most `keep`).
   */
  async summary(options: { keep?: number; concurrency?: number } = {}): Promise<StepSummary> {
    const keep = options.keep ?? 20;
    const byStatus: Record<TaskStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, cloned: 0 };
    const failed: Task[] = [];
    const all: Task[] = [];
    let tasks = 0;
    let timed = 0;
    let totalMs = 0;
    for await (const task of this.tasks({ concurrency: options.concurrency })) {
      tasks++;
      byStatus[task.status] = (byStatus[task.status] ?? 0) + 1;
      if (task.status === 'failed') failed.push(task);
      if (all.length <= keep) all.push(task);
      const ms = task.durationMs;
      if (ms !== undefined && task.status !== 'cloned') {
        timed++;
        totalMs += ms;
      }
    }
    return {
      step: this.name, tasks, byStatus, timed, totalMs,
      avgMs: timed > 0 ? totalMs / timed : undefined,
      ...(tasks <= keep ? { all } : {}),
      failed,
    };
  }
}
