/**
 * The mesh wire: stream and subject names, KV buckets and keys, and the messages that cross NATS.
 * No I/O. Messages are msgpack maps with a versioned `schema`; decoding validates the shape and
 * fails loudly on a schema it does not know (see protocol/README.md).
 *
 *   publish(SUBJECTS.task(pool), encodeMessage({ schema: 'mesh.v1.task', spec, policy }), { msgID: taskMsgId(spec) })
 */
import { Packr } from 'msgpackr';
import type { RunEvent } from './events.js';
import type { AttemptRecord, RunRecord } from './records.js';
import type { ResolvedNext, TaskError, TaskSpec } from './task.js';

export const STREAMS = {
  /** WorkQueue: one message per task, on `mesh.tasks.<pool>`; each pool has one durable pull consumer. */
  tasks: 'MESH_TASKS',
  /** WorkQueue: run submissions and task results for the coordinators (one shared durable consumer). */
  control: 'MESH_CONTROL',
  /** Limits, with a max age: every event of every run on `mesh.events.<run>`, for `mesh watch`. */
  events: 'MESH_EVENTS',
  /** Tasks that were delivered too often without finishing, kept for inspection. */
  dead: 'MESH_DEAD',
} as const;

export const SUBJECTS = {
  tasksAll: 'mesh.tasks.>',
  task: (pool: string) => `mesh.tasks.${pool}`,
  controlAll: 'mesh.control.>',
  submit: 'mesh.control.submit',
  result: 'mesh.control.result',
  eventsAll: 'mesh.events.>',
  events: (run: string) => `mesh.events.${run}`,
  dead: 'mesh.dead',
  maxDeliveries: (stream: string) => `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.*`,
} as const;

export const CONSUMERS = {
  pool: (pool: string) => `pool_${pool}`,
  coordinator: 'coordinators',
} as const;

/** KV bucket for run metadata: the run and task records (same layout as a store's `meta/`), and coordination state. */
export const META_BUCKET = 'mesh_meta';
export const DEFAULT_POOL = 'default';

/** Coordination keys, beside the records. Run ids and step names contain no '.', task ids may. */
export const COORD_KEYS = {
  /** A join's arrivals: which positions arrived, which failed. */
  join: (run: string, join: string, stack: readonly number[]) => `coord.${run}.join.${join}.${stackToken(stack)}`,
  /** How far a foreach's partitions have been published. */
  fanout: (run: string, step: string, stack: readonly number[]) => `coord.${run}.fanout.${step}.${stackToken(stack)}`,
  /** A task that failed for good, for the run's final list. */
  failed: (run: string, step: string, task: string) => `coord.${run}.failed.${step}.${task}`,
  failedAll: (run: string) => `coord.${run}.failed.>`,
  /** A failed attempt of a task (workers write them; the final record collects them). */
  attempt: (run: string, step: string, task: string, attempt: number) => `coord.${run}.attempt.${step}.${attempt}.${task}`,
  attemptsOf: (run: string, step: string, task: string) => `coord.${run}.attempt.${step}.*.${task}`,
};

function stackToken(stack: readonly number[]): string {
  return stack.length === 0 ? '_' : stack.join('-');
}

/** Deterministic message ids: a republished task or result is dropped by the stream's duplicate window. */
export const msgIds = {
  task: (spec: Pick<TaskSpec, 'run' | 'step' | 'task'>) => `task/${spec.run}/${spec.step}/${spec.task}`,
  /** A batch of foreach partitions: its first task and how many. */
  taskBatch: (first: Pick<TaskSpec, 'run' | 'step' | 'task'>, count: number) => `task/${first.run}/${first.step}/${first.task}+${count}`,
  results: (first: Pick<TaskResultMessage, 'run' | 'step' | 'task'>, count: number) => `results/${first.run}/${first.step}/${first.task}+${count}`,
  result: (r: Pick<TaskResultMessage, 'run' | 'step' | 'task'>) => `result/${r.run}/${r.step}/${r.task}`,
  submit: (run: string) => `submit/${run}`,
};

/** What a worker needs to know about a step's policies. */
export interface StepPolicy {
  /** Attempts in all (1 + retries). */
  attempts: number;
  delayMs: number;
  timeoutSeconds?: number;
  catchVar?: string;
}

/**
 * One task, or up to FOREACH_BATCH partitions of one foreach that travel, run and report together
 * (one fetch, one ack, one result message for all of them).
 */
export interface TaskMessage {
  schema: 'mesh.v1.task';
  specs: TaskSpec[];
  policy: StepPolicy;
}

/** At most this many partitions of a foreach per task message. */
export const FOREACH_BATCH = 64;

/**
 * A foreach is cut into at least this many messages (when it has that many partitions), so that
 * heavy partitions spread over every worker instead of travelling together to one; only wide
 * foreaches, whose partitions are likely light, fill messages up to FOREACH_BATCH.
 */
export const FOREACH_SPREAD = 64;

/** Partitions per task message for a foreach of `count` (fixed by `count`: a resumed fanout groups alike). */
export function foreachGroupSize(count: number): number {
  return Math.max(1, Math.min(FOREACH_BATCH, Math.floor(count / FOREACH_SPREAD)));
}

export interface SubmitMessage {
  schema: 'mesh.v1.submit';
  flow: string;
  run: string;
}

export interface TaskResultMessage {
  schema: 'mesh.v1.task.result';
  flow: string;
  run: string;
  step: string;
  task: string;
  foreach: number[];
  ok: boolean;
  caught?: boolean;
  artifacts: Record<string, string>;
  /** Stored bytes (base64) of the small artifacts, for the task record. */
  inline?: Record<string, string>;
  next?: ResolvedNext;
  /** The attempt that ended the task (earlier failed ones are in KV). */
  attempt: AttemptRecord;
  error?: TaskError;
  worker: string;
}

/** The results of one task message. */
export interface TaskResultsMessage {
  schema: 'mesh.v1.task.results';
  results: TaskResultMessage[];
}

export type MeshMessage = TaskMessage | SubmitMessage | TaskResultMessage | TaskResultsMessage;

/** A mesh event is a run event, plus what only the mesh knows. */
export type MeshEvent =
  | RunEvent
  | { type: 'task.log'; flow: string; run: string; step: string; task: string; stream: 'stdout' | 'stderr'; text: string; time: string }
  | { type: 'step.planned'; flow: string; run: string; step: string; count: number; time: string };

export class ProtocolError extends Error {
  override name = 'ProtocolError';
  readonly nonRetryable = true;
}

const packr = new Packr({ useRecords: false, moreTypes: true });

export function encodeMessage(message: MeshMessage): Uint8Array {
  return Uint8Array.prototype.slice.call(packr.pack(message));
}

const SCHEMAS = new Set(['mesh.v1.task', 'mesh.v1.submit', 'mesh.v1.task.result', 'mesh.v1.task.results']);

/** Decodes and checks a message; `expected` narrows the schemas accepted. */
export function decodeMessage<S extends MeshMessage['schema']>(bytes: Uint8Array, ...expected: S[]): Extract<MeshMessage, { schema: S }> {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    throw new ProtocolError(`undecodable message (${bytes.length} bytes): ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null) throw new ProtocolError('message is not a map');
  const schema = (value as { schema?: unknown }).schema;
  if (typeof schema !== 'string' || !SCHEMAS.has(schema)) throw new ProtocolError(`unknown message schema ${JSON.stringify(schema)}`);
  if (expected.length > 0 && !expected.includes(schema as S)) throw new ProtocolError(`expected ${expected.join(' or ')}, got ${schema}`);
  const m = value as MeshMessage;
  const need = (cond: boolean, what: string) => { if (!cond) throw new ProtocolError(`${schema}: ${what}`); };
  switch (m.schema) {
    case 'mesh.v1.task':
      need(Array.isArray(m.specs) && m.specs.length > 0, 'specs missing');
      for (const spec of m.specs) {
        need(typeof spec === 'object' && spec !== null && spec.schema === 'mesh.v1.task.spec', 'a spec is not a mesh.v1.task.spec');
        need(typeof spec.run === 'string' && typeof spec.step === 'string' && typeof spec.task === 'string', 'a spec needs run, step and task');
      }
      need(typeof m.policy === 'object' && m.policy !== null && Number.isInteger(m.policy.attempts), 'policy missing');
      break;
    case 'mesh.v1.submit':
      need(typeof m.flow === 'string' && typeof m.run === 'string', 'needs flow and run');
      break;
    case 'mesh.v1.task.result':
      checkResult(m, need);
      break;
    case 'mesh.v1.task.results':
      need(Array.isArray(m.results) && m.results.length > 0, 'results missing');
      for (const r of m.results) checkResult(r, need);
      break;
  }
  return m as Extract<MeshMessage, { schema: S }>;
}

function checkResult(m: TaskResultMessage, need: (cond: boolean, what: string) => void): void {
  need(typeof m === 'object' && m !== null, 'a result is not a map');
  need(typeof m.run === 'string' && typeof m.step === 'string' && typeof m.task === 'string', 'needs run, step and task');
  need(typeof m.ok === 'boolean' && typeof m.artifacts === 'object' && m.artifacts !== null, 'needs ok and artifacts');
  need(typeof m.attempt === 'object' && m.attempt !== null, 'needs attempt');
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeEvent(event: MeshEvent): Uint8Array {
  return encoder.encode(JSON.stringify(event));
}

export function decodeEvent(bytes: Uint8Array): MeshEvent {
  try {
    const e = JSON.parse(decoder.decode(bytes)) as MeshEvent;
    if (typeof e?.type !== 'string') throw new Error('no type');
    return e;
  } catch (err) {
    throw new ProtocolError(`undecodable event: ${(err as Error).message}`);
  }
}

export type { RunRecord };
