/**
 * The contract between a flow instance and the runtime executing one of its steps. The runtime binds
 * an object of this shape under `TASK_CONTEXT` before calling the step; FlowSpec forwards to it.
 * Versioned by its symbol key, so flows bundled with an older SDK copy keep working.
 */

export interface CurrentTask {
  flow: string;
  run: string;
  step: string;
  task: string;
  /** 0 for the first attempt. */
  attempt: number;
  /** `Flow/run/step/task` */
  pathspec: string;
  /** Foreach indices from the outermost split inward. */
  foreachStack: readonly number[];
}

export interface MergeOptions {
  /** Artifact names to leave out of the merge. */
  exclude?: readonly string[];
  /** Only merge these names. */
  include?: readonly string[];
}

export interface TaskContextV1 {
  readonly current: CurrentTask;
  /** The foreach value of this partition; throws outside a foreach. */
  input(): unknown;
  /** The foreach index of this partition; throws outside a foreach. */
  index(): number;
  next(args: readonly unknown[]): void;
  merge(target: object, inputs: unknown, options: MergeOptions): void;
  /** Stores bytes in the run's content store with the task's outputs; returns their sha256. */
  putBlob?(bytes: Uint8Array): string;
  /** Bytes stored by putBlob (in any task of any run of this store), verified against the digest. */
  getBlob?(digest: string): Uint8Array;
}
