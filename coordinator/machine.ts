/**
 * The run state machine: which tasks can run, given what has finished. Pure and synchronous; the
 * drivers (embedded, NATS) execute what it plans and report back.
 *
 *   const m = new RunMachine(graph);
 *   m.start();
 *   for (const t of m.take(64)) driver.execute(t);       // then m.complete(t, next) or m.fail(t)
 *
 * A foreach of 100,000 partitions is one pending range, expanded as the driver takes tasks, so memory
 * holds the window in flight plus one `step/task` string per partition that reached its join.
 */
import type { FlowGraph } from '../protocol/graph.js';
import { taskId } from '../protocol/keys.js';
import type { ResolvedNext } from '../protocol/task.js';

export interface PlannedTask {
  step: string;
  task: string;
  foreach: number[];
  /** `step/task` whose artifacts this task inherits; absent for start and joins. */
  parent?: string;
  /** For a foreach partition: the split's field and this partition's index. */
  foreachInput?: { field: string; index: number };
  /** For a join: its inputs as `step/task`, by foreach index or branch order. */
  inputs?: string[];
}

interface Range {
  step: string;
  stack: number[];
  parent: string;
  field: string;
  next: number;
  end: number;
}

interface JoinWait {
  step: string;
  stack: number[];
  expected: number;
  arrived: number;
  refs: Array<string | undefined>;
}

export class RunMachine {
  /** A queue: `head` is the next entry; taken entries are dropped in bulk, so taking costs O(1). */
  private ready: Array<PlannedTask | Range> = [];
  private head = 0;
  private readonly joins = new Map<string, JoinWait>();
  private readonly failedTasks: string[] = [];
  /** Tasks planned per step (a foreach adds all its partitions at once). */
  readonly planned = new Map<string, number>();

  constructor(readonly graph: FlowGraph) {}

  start(): void {
    this.push({ step: 'start', task: taskId([]), foreach: [] });
  }

  /** True while something can still be taken. */
  get hasReady(): boolean {
    return this.head < this.ready.length;
  }

  get failed(): readonly string[] {
    return this.failedTasks;
  }

  /** Up to `max` tasks to run now, in plan order. */
  take(max: number): PlannedTask[] {
    const out: PlannedTask[] = [];
    while (out.length < max && this.head < this.ready.length) {
      const head = this.ready[this.head]!;
      if ('end' in head) {
        const index = head.next++;
        const foreach = [...head.stack, index];
        out.push({ step: head.step, task: taskId(foreach), foreach, parent: head.parent, foreachInput: { field: head.field, index } });
        if (head.next >= head.end) this.head++;
      } else {
        out.push(head);
        this.head++;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** A task succeeded (or was cloned, or its failure caught) and chose `next`. */
  complete(task: PlannedTask, next: ResolvedNext | undefined): void {
    const node = this.graph.steps[task.step];
    if (!node) throw new Error(`unknown step '${task.step}'`);
    const ref = `${task.step}/${task.task}`;
    const t = node.transition;
    if (t.type === 'end') return;
    if (!next) throw new Error(`task ${ref} finished without a transition`);
    switch (t.type) {
      case 'linear':
      case 'switch':
        this.forward(task, ref, next.steps[0]!);
        return;
      case 'split':
        this.expect(node.joinedBy!, task.foreach, next.steps.length);
        for (const s of next.steps) this.push({ step: s, task: task.task, foreach: task.foreach, parent: ref });
        return;
      case 'foreach': {
        const count = next.foreach ?? 0;
        const join = node.joinedBy!;
        this.expect(join, task.foreach, count);
        if (count === 0) this.release(join, task.foreach);
        else this.ready.push({ step: t.to, stack: task.foreach, parent: ref, field: t.field, next: 0, end: count });
        this.count(t.to, count);
        return;
      }
    }
  }

  /** A task failed for good: nothing after it runs, and the run will fail naming it. */
  fail(task: PlannedTask): void {
    this.failedTasks.push(`${task.step}/${task.task}`);
  }

  private forward(task: PlannedTask, ref: string, to: string): void {
    const target = this.graph.steps[to]!;
    if (!target.isJoin) {
      this.push({ step: to, task: task.task, foreach: task.foreach, parent: ref });
      return;
    }
    const split = this.graph.steps[target.closes!]!;
    const isForeach = split.transition.type === 'foreach';
    const stack = isForeach ? task.foreach.slice(0, -1) : task.foreach;
    const position = isForeach ? task.foreach[task.foreach.length - 1]! : target.parents.indexOf(task.step);
    const wait = this.joins.get(joinKey(to, stack));
    if (!wait) throw new Error(`task ${ref} reached join '${to}' before its split was planned`);
    if (wait.refs[position] === undefined) wait.arrived++;
    wait.refs[position] = ref;
    if (wait.arrived >= wait.expected) this.release(to, stack);
  }

  private expect(join: string, stack: number[], expected: number): void {
    this.joins.set(joinKey(join, stack), { step: join, stack, expected, arrived: 0, refs: [] });
  }

  private release(join: string, stack: number[]): void {
    const key = joinKey(join, stack);
    const wait = this.joins.get(key)!;
    this.joins.delete(key);
    const inputs = wait.refs.filter((r): r is string => r !== undefined);
    this.push({ step: join, task: taskId(stack), foreach: stack, inputs });
  }

  private push(task: PlannedTask): void {
    this.ready.push(task);
    this.count(task.step, 1);
  }

  private count(step: string, n: number): void {
    this.planned.set(step, (this.planned.get(step) ?? 0) + n);
  }
}

function joinKey(step: string, stack: readonly number[]): string {
  return `${step}@${stack.join('.')}`;
}
