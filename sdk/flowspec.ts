/**
 * The base class of every flow.
 *
 *   export default class Hello extends FlowSpec {
 *     greeting!: string;
 *     @step start() { this.greeting = 'hello'; this.next(this.end); }
 *     @step end() { console.log(this.greeting); }
 *   }
 */
import { TASK_CONTEXT } from './meta.js';
import type { CurrentTask, MergeOptions, TaskContextV1 } from './context.js';

function contextOf(flow: FlowSpec, what: string): TaskContextV1 {
  const ctx = (flow as unknown as Record<symbol, TaskContextV1 | undefined>)[TASK_CONTEXT];
  if (!ctx) throw new Error(`${what} is only available while a step runs (use 'mesh run' or the Runner)`);
  return ctx;
}

/** Options of a foreach or switch transition. */
export interface NextOptions {
  foreach?: string;
  condition?: string;
}

type StepFn = (...args: never[]) => unknown;

export abstract class FlowSpec {
  /**
   * Hands over to the next step(s): `next(this.a)`, a static branch `next(this.a, this.b)`,
   * a foreach `next(this.a, { foreach: 'items' })`, or a switch
   * `next({ big: this.a, small: this.b }, { condition: 'size' })`. Call it exactly once per step.
   */
  next(...targets: Array<StepFn | Record<string, StepFn> | NextOptions>): void {
    contextOf(this, 'next()').next(targets);
  }

  /** In a foreach partition: the element of the split field this partition processes. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get input(): any {
    return contextOf(this, 'this.input').input();
  }

  /** In a foreach partition: its index in the split field. */
  get index(): number {
    return contextOf(this, 'this.index').index();
  }

  /** The running task: flow, run, step, task id, attempt and pathspec. */
  get current(): CurrentTask {
    return contextOf(this, 'this.current').current;
  }

  /**
   * In a join: copies every artifact on which all inputs agree and that this step did not set.
   * Fails naming the artifacts the inputs disagree on, unless they are excluded.
   */
  mergeArtifacts(inputs: Inputs<this>, options: MergeOptions = {}): void {
    contextOf(this, 'mergeArtifacts()').merge(this, inputs, options);
  }

  /**
   * Stores bytes in the content store and returns their sha256, for data that other tasks read by
   * digest without loading a whole artifact: shuffle pieces, dataset batches. Written with the task's
   * artifacts, before its record, so a digest a finished task handed on is always readable.
   */
  putBlob(bytes: Uint8Array): string {
    const ctx = contextOf(this, 'putBlob()');
    if (!ctx.putBlob) throw new Error('putBlob() needs a newer stackmesh runtime');
    return ctx.putBlob(bytes);
  }

  /** Bytes stored with putBlob, verified against their digest. Returns a copy the step may change. */
  getBlob(digest: string): Uint8Array {
    const ctx = contextOf(this, 'getBlob()');
    if (!ctx.getBlob) throw new Error('getBlob() needs a newer stackmesh runtime');
    return ctx.getBlob(digest);
  }
}

/** One incoming task of a join, read-only; artifacts load when first read. */
export type InputView<T> = { readonly [K in keyof T as K extends keyof FlowSpec ? never : K]: T[K] };

/**
 * What a join step receives: an array of its incoming tasks (by foreach index, or in branch
 * order), and after a static branch also each branch's view by step name (`inputs.a`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Inputs<T = any> = ReadonlyArray<InputView<T>> & { readonly [step: string]: InputView<T> | unknown };
