/**
 * A task as handed to a thread (embedded) or a worker (mesh), and what comes back.
 * Large things travel by digest: the foreach list, join inputs and every artifact live in the store.
 */
import type { Transition } from './graph.js';

export interface TaskSpec {
  schema: 'mesh.v1.task.spec';
  flow: string;
  run: string;
  step: string;
  task: string;
  attempt: number;
  /** Digest of the code package. */
  code: string;
  /** The flow's class name, checked against the code package's default export. */
  className: string;
  foreach: number[];
  /** The step's transition as the static graph declares it; the runtime checks `next()` against it. */
  transition: Transition;
  isJoin: boolean;
  /** Artifacts inherited from the single parent task (empty for start and joins). */
  inherit: Record<string, string>;
  /** Stored bytes (base64) of the inherited artifacts and foreach list that are inline in the parent's record. */
  inline?: Record<string, string>;
  /** Parameter artifacts, available in every step. */
  params: Record<string, string>;
  /** For a foreach partition: the split artifact and this partition's index in it. */
  foreachInput?: { digest: string; index: number };
  /** For a join: its inputs as `step/task`, or the digest of a msgpack array of them. */
  inputs?: string[];
  inputsRef?: string;
  /**
   * For a join on the mesh: the digest of a msgpack array of its inputs' artifact maps, in input
   * order, so the worker reads one blob instead of one record per input.
   */
  inputArtifactsRef?: string;
}

/** A task's artifacts as its record has them: digests, and the bytes of the small ones. */
export interface ArtifactSet {
  artifacts: Record<string, string>;
  inline?: Record<string, string>;
}

/** The artifact set of a record or result (a copy of its two fields, nothing else). */
export function artifactSetOf(rec: ArtifactSet): ArtifactSet {
  return rec.inline ? { artifacts: rec.artifacts, inline: rec.inline } : { artifacts: rec.artifacts };
}

export interface TaskError {
  name: string;
  message: string;
  stack?: string;
  /** True when another attempt cannot help (a usage or artifact error). */
  nonRetryable: boolean;
}

/** What `next()` resolved to: the steps to run and, for a foreach, how many partitions. */
export interface ResolvedNext {
  steps: string[];
  foreach?: number;
}

export interface TaskResult {
  ok: boolean;
  /** Artifact name -> digest: inherited ones unchanged, new ones computed in the thread. */
  artifacts: Record<string, string>;
  /** New blobs as [digest, stored bytes] for the caller to write if absent. */
  blobs: Array<[string, Uint8Array]>;
  /** The small artifacts' stored bytes (base64), new or inherited: they go in the task record, not the store. */
  inline?: Record<string, string>;
  next?: ResolvedNext;
  /** Everything the step printed. */
  log: string;
  error?: TaskError;
  /** The failure was caught by @catchErrors: the task counts as succeeded. */
  caught?: boolean;
  startedAt: string;
  finishedAt: string;
}
