/**
 * Replay: a new run that clones every successful task of an earlier run by reference (its record
 * and artifact digests; no bytes are copied) and executes only what is asked: the tasks that failed
 * or never ran (`failed`), or a step and every step after it (`step`). A task whose inputs were
 * executed again is executed again too, since its inputs may have changed.
 */
import type { FlowGraph } from '../protocol/graph.js';
import { runKey, taskKey } from '../protocol/keys.js';
import type { RunRecord, TaskRecord } from '../protocol/records.js';
import type { MetadataStore } from '../store/index.js';
import { NotFoundError, UsageError } from './errors.js';
import type { PlannedTask } from './machine.js';
import { targetsOf } from '../sdk/graph.js';

export interface ReplayRequest {
  run: string;
  failed?: boolean;
  step?: string;
  /** Re-execute the tasks of these outermost foreach partitions (and what depends on them). */
  partitions?: number[];
}

export class ReplayPlan {
  /** Tasks of the new run that executed (not cloned), as `step/task`. */
  private readonly executed = new Set<string>();

  private constructor(
    private readonly meta: MetadataStore,
    readonly origin: RunRecord,
    private readonly forced: ReadonlySet<string>,
    private readonly request: ReplayRequest,
  ) {}

  static async load(meta: MetadataStore, graph: FlowGraph, request: ReplayRequest): Promise<ReplayPlan> {
    const origin = await meta.getJson<RunRecord>(runKey(graph.flow, request.run));
    if (!origin) throw new NotFoundError(`no run ${graph.flow}/${request.run} in ${meta.url}`);
    if (origin.status === 'running') throw new UsageError(`run ${graph.flow}/${request.run} is still running`);
    const forced = new Set<string>();
    if (request.step) {
      if (!graph.steps[request.step]) {
        throw new UsageError(`--step ${request.step}: the flow has no such step (steps: ${graph.order.join(', ')})`);
      }
      // The step and everything reachable from it.
      const todo = [request.step];
      while (todo.length) {
        const s = todo.pop()!;
        if (forced.has(s)) continue;
        forced.add(s);
        todo.push(...targetsOf(graph.steps[s]!.transition));
      }
    }
    for (const name of graph.order) {
      if (!origin.graph.steps[name]) forced.add(name); // a step the earlier run did not have
    }
    return new ReplayPlan(meta, origin, forced, request);
  }

  describe(): NonNullable<RunRecord['origin']> {
    if (this.request.step) return { run: this.origin.run, mode: 'step', step: this.request.step };
    if (this.request.partitions) return { run: this.origin.run, mode: 'partition', partitions: this.request.partitions };
    return { run: this.origin.run, mode: 'failed' };
  }

  markExecuted(ref: string): void {
    this.executed.add(ref);
  }

  /** The earlier run's record of this task when it can be cloned, else undefined. */
  async cloneable(t: PlannedTask): Promise<TaskRecord | undefined> {
    if (this.forced.has(t.step)) return undefined;
    if (isForcedPartition(this.request.partitions, t.foreach)) return undefined;
    if (t.parent && this.executed.has(t.parent)) return undefined;
    if (t.inputs?.some((ref) => this.executed.has(ref))) return undefined;
    const rec = await this.meta.getJson<TaskRecord>(taskKey(this.origin.flow, this.origin.run, t.step, t.task));
    if (!rec || (rec.status !== 'succeeded' && rec.status !== 'cloned')) return undefined;
    return rec;
  }
}

/** In a `--partition` replay: is this task inside one of the named outermost partitions? */
export function isForcedPartition(partitions: readonly number[] | undefined, foreach: readonly number[]): boolean {
  return partitions !== undefined && foreach.length > 0 && partitions.includes(foreach[0]!);
}
