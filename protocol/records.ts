/**
 * Run and task records: what a run leaves behind in the metadata store (files or S3 for embedded
 * runs, KV on the mesh). JSON-serialisable plain data.
 */
import type { FlowGraph } from './graph.js';

/** A run is `running` until its final record is written; nothing moves it back. */
export type RunStatus = 'running' | 'succeeded' | 'failed';

/**
 * A task is `queued | running | succeeded | failed | cloned`; `succeeded`, `failed` and `cloned` are
 * final. A `cloned` task was copied by reference from an earlier run by `mesh replay`.
 */
export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cloned';

export const FINAL_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set(['succeeded', 'failed', 'cloned']);

export interface RunRecord {
  schema: 'mesh.v1.run';
  flow: string;
  run: string;
  status: RunStatus;
  /** Digest of the code package (the bundled flow) in the content store. */
  code: string;
  /** The flow file as the user named it. */
  file: string;
  graph: FlowGraph;
  /** Parameter values after defaults and parsing. */
  params: Record<string, unknown>;
  /** Step options set by decorators (retry, timeout, catchErrors, resources), by step. */
  steps?: Record<string, {
    retry?: { times: number; delayMs?: number };
    timeout?: { seconds: number };
    catchErrors?: { var: string };
    resources?: { cpu?: number; memoryMb?: number; pool?: string };
  }>;
  /** Digest of the serialized parameter artifacts (name -> digest), shared by every task. */
  paramArtifacts: Record<string, string>;
  createdAt: string;
  finishedAt?: string;
  /** Failed tasks as pathspecs `Flow/run/step/task`, when the run failed. */
  failed?: string[];
  /** The run this one replays, and what it re-executes. */
  origin?: { run: string; mode: 'failed' | 'step' | 'partition'; step?: string; partitions?: number[] };
  /** Where it ran. */
  runtime: 'embedded' | 'mesh';
  user?: string;
}

export interface AttemptRecord {
  attempt: number;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  /** First line of the error for failed attempts. */
  error?: string;
  /** Error class name (TimeoutError, ArtifactError, ...). */
  errorName?: string;
  /** Digest of the attempt's combined stdout/stderr log blob, if it printed anything. */
  log?: string;
  /** The mesh worker that ran it (`host/pid`). */
  worker?: string;
}

export interface TaskRecord {
  schema: 'mesh.v1.task';
  flow: string;
  run: string;
  step: string;
  /** Task id: foreach indices joined with '.', or '0' outside any foreach. */
  task: string;
  status: TaskStatus;
  /** Foreach indices from the outermost split inward. */
  foreach: number[];
  /** Input tasks as `step/task`; a join's list of inputs lives in the store when long (see inputsRef). */
  inputs: string[];
  /** Digest of a msgpack array of `step/task` strings, for joins with many inputs. */
  inputsRef?: string;
  /** Artifact name -> content digest. */
  artifacts: Record<string, string>;
  /** Stored bytes of the small artifacts (see INLINE_MAX_BYTES): digest -> base64. Not in the store. */
  inline?: Record<string, string>;
  /** What the step's `next` chose, resolved: targets and, for a foreach, the number of partitions. */
  next?: { steps: string[]; foreach?: number };
  attempts: AttemptRecord[];
  /** For a cloned task: the pathspec it was cloned from. */
  clonedFrom?: string;
  startedAt?: string;
  finishedAt?: string;
}
