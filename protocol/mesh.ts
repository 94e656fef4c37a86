/**
 * The mesh wire: stream and subject names, KV buckets and keys, and the messages that cross NATS.
 * No I/O. Messages are msgpack maps with a versioned `schema`; decoding validates the shape and
 * fails loudly on a schema it does not know (see protocol/README.md).
 *
 *   publish(SUBJECTS.task(pool), encodeMessage({ schema: 'mesh.v1.task', spec, policy }), { msgID: taskMsgId(spec) })
 */
import { Packr } from 'msgpackr';
import { InvalidKeyError, oneLine, ProtocolError } from './errors.js';
import type { RunEvent } from './events.js';
import { checkName } from './keys.js';
import { checkEvent, checkResult, checkResults, checkSubmit, checkTask, isPlainObject } from './shape.js';
import type { AttemptRecord, RunRecord } from './records.js';
import type { ArtifactSet, ResolvedNext, TaskError, TaskSpec } from './task.js';

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

/**
 * Coordination keys, beside the records. Run ids and step names contain no '.', task ids may (they
 * come last); names outside protocol/keys.ts's grammar are an InvalidKeyError.
 */
export const COORD_KEYS = {
  /** A join's arrivals: which positions arrived, which failed. */
  join: (run: string, join: string, stack: readonly number[]) => `coord.${checkName('run', run)}.join.${checkName('step', join)}.${stackToken(stack)}`,
  /** How far a foreach's partitions have been published. */
  fanout: (run: string, step: string, stack: readonly number[]) => `coord.${checkName('run', run)}.fanout.${checkName('step', step)}.${stackToken(stack)}`,
  /** A task that failed for good, for the run's final list. */
  failed: (run: string, step: string, task: string) => `coord.${checkName('run', run)}.failed.${checkName('step', step)}.${checkName('task', task)}`,
  failedAll: (run: string) => `coord.${checkName('run', run)}.failed.>`,
  /** A failed attempt of a task (workers write them; the final record collects them). */
  attempt: (run: string, step: string, task: string, attempt: number) =>
    `coord.${checkName('run', run)}.attempt.${checkName('step', step)}.${attemptToken(attempt)}.${checkName('task', task)}`,
  attemptsOf: (run: string, step: string, task: string) => `coord.${checkName('run', run)}.attempt.${checkName('step', step)}.*.${checkName('task', task)}`,
  /** A repair of a stalled run, for one state of the queues (`<tasks last seq>-<control last seq>`): created by the coordinator that does it. */
  repair: (run: string, state: string) => `coord.${checkName('run', run)}.repair.${state}`,
};

function stackToken(stack: readonly number[]): string {
  if (stack.length === 0) return '_';
  const token = stack.join('-');
  if (!stack.every(isIndex)) throw new InvalidKeyError(token, 'is not a foreach stack: its positions must be natural numbers', 'foreach stack');
  return token;
}

function attemptToken(attempt: number): string {
  if (!isIndex(attempt)) throw new InvalidKeyError(String(attempt), 'is not an attempt number: it must be a natural number', 'attempt');
  return String(attempt);
}

const isIndex = (n: number) => Number.isSafeInteger(n) && n >= 0;

/** Deterministic message ids: a republished task or result is dropped by the stream's duplicate window. */
export const msgIds = {
  task: (spec: Pick<TaskSpec, 'run' | 'step' | 'task'>) => `task/${spec.run}/${spec.step}/${spec.task}`,
  /** A batch of foreach partitions: its first task and how many. */
  taskBatch: (first: Pick<TaskSpec, 'run' | 'step' | 'task'>, count: number) => `task/${first.run}/${first.step}/${first.task}+${count}`,
  results: (first: Pick<TaskResultMessage, 'run' | 'step' | 'task'>, count: number) => `results/${first.run}/${first.step}/${first.task}+${count}`,
  result: (r: Pick<TaskResultMessage, 'run' | 'step' | 'task'>) => `result/${r.run}/${r.step}/${r.task}`,
  submit: (run: string) => `submit/${run}`,
  /** A message moved to the dead-letter stream: the stream it came from and its sequence there. */
  dead: (stream: string, seq: number) => `dead/${stream}/${seq}`,
};

/** Headers of a dead letter: why it was given up on, and where it was. */
export const DEAD_HEADERS = { reason: 'Mesh-Dead-Reason', stream: 'Mesh-Dead-Stream', seq: 'Mesh-Dead-Seq' } as const;

/**
 * A message a process cannot use (it cannot decode it, or it names a run the process cannot find) is
 * never dropped on that process's word: it is handed back and waits this long before its next
 * delivery, which may reach a process that can use it (another version during an upgrade, or a
 * moment later). 250 ms, doubling with each delivery, at most 10 s.
 */
export function setAsideDelayMs(deliveryCount: number): number {
  return Math.min(10_000, 250 * 2 ** (Math.min(Math.max(deliveryCount, 1), 16) - 1));
}

/** The delivery at which a worker or coordinator moves a message it cannot use to MESH_DEAD (coordinator/set-aside.ts). */
export const UNUSABLE_DELIVERIES = 5;

/** What a worker needs to know about a step's policies. */
export interface StepPolicy {
  /** Attempts in all (1 + retries). */
  attempts: number;
  delayMs: number;
  timeoutSeconds?: number;
  catchVar?: string;
}

/**
 * One task, or up to FOREACH_WIDE_BATCH partitions of one foreach that travel, run and report together
 * (one fetch, one ack, one result message for all of them).
 */
export interface TaskMessage {
  schema: 'mesh.v1.task';
  specs: TaskSpec[];
  policy: StepPolicy;
}

/** At most this many partitions of a foreach per task message, sized by the foreach's width alone. */
export const FOREACH_BATCH = 64;

/**
 * A foreach is cut into at least this many messages (when it has that many partitions), so that
 * heavy partitions spread over every worker instead of travelling together to one; only wide
 * foreaches, whose partitions are likely light, fill messages up to FOREACH_BATCH.
 */
export const FOREACH_SPREAD = 64;

/**
 * A foreach wide enough to fill every message (FOREACH_BATCH × FOREACH_SPREAD partitions or more) on a
 * pool of few workers travels in larger messages, up to this many partitions: every message costs the
 * worker, the server and the coordinator the same whatever it holds, and a few workers gain nothing
 * from more messages than FOREACH_PER_WORKER each.
 */
export const FOREACH_WIDE_BATCH = 256;
export const FOREACH_PER_WORKER = 16;

/**
 * Partitions per task message for a foreach of `count`, given how many workers of the pool are waiting
 * for tasks when it is planned (0: unknown). The coordinator records the size before the first
 * message, so a resumed fanout groups alike whatever the pool looks like then.
 */
export function foreachGroupSize(count: number, waitingWorkers = 0): number {
  const bySpread = Math.max(1, Math.min(FOREACH_BATCH, Math.floor(count / FOREACH_SPREAD)));
  if (bySpread < FOREACH_BATCH || !(waitingWorkers > 0)) return bySpread;
  const messages = Math.max(FOREACH_SPREAD / 2, FOREACH_PER_WORKER * waitingWorkers);
  const wide = Math.min(FOREACH_WIDE_BATCH, Math.floor(count / messages));
  // Whole parts of task records (store/kv-parts.ts): a result message writes each of its parts once.
  return Math.max(bySpread, Math.floor(wide / FOREACH_BATCH) * FOREACH_BATCH);
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

export { ProtocolError };

const packr = new Packr({ useRecords: false, moreTypes: true });

export function encodeMessage(message: MeshMessage): Uint8Array {
  let wire: unknown = message;
  if (message.schema === 'mesh.v1.task') wire = sharedForm(message, 'specs');
  else if (message.schema === 'mesh.v1.task.results') wire = sharedForm(message, 'results');
  return Uint8Array.prototype.slice.call(packr.pack(wire));
}

/**
 * The partitions of a task message have most of their spec in common (run, code, transition, inherited
 * artifacts, ...), and their results some fields (run, step, worker, ...): on the wire those fields
 * travel once, under `shared`, and each entry holds only what is its own. A map field that differs
 * only in some of its keys (a result's artifacts: the inherited ones are the same, `out` is not; its
 * attempt's worker and number) travels those keys once, under `sharedWithin.<field>`. decodeMessage
 * puts them back, the same objects in every entry, which a worker's pool threads then receive once
 * per group.
 */
function sharedForm<M extends TaskMessage | TaskResultsMessage>(m: M, field: 'specs' | 'results'): unknown {
  const list = (m as unknown as Record<string, Array<Record<string, unknown>>>)[field]!;
  if (list.length < 2) return m;
  const first = list[0]!;
  const shared: Record<string, unknown> = {};
  const within: Record<string, Record<string, unknown>> = {};
  for (const k of Object.keys(first)) {
    const v = first[k];
    if (list.every((s) => sameValue(s[k], v))) {
      shared[k] = v;
      continue;
    }
    if (!isPlainObject(v) || !list.every((s) => isPlainObject(s[k]))) continue;
    const sub: Record<string, unknown> = {};
    let any = false;
    for (const j of Object.keys(v)) {
      if (list.every((s) => Object.hasOwn(s[k] as object, j) && sameValue((s[k] as Record<string, unknown>)[j], v[j]))) {
        sub[j] = v[j];
        any = true;
      }
    }
    if (any) within[k] = sub;
  }
  const own = list.map((s) => {
    const o: Record<string, unknown> = {};
    for (const k in s) {
      if (k in shared) continue;
      const sub = within[k];
      if (!sub) {
        o[k] = s[k];
        continue;
      }
      const v = s[k] as Record<string, unknown>;
      let rest: Record<string, unknown> | undefined;
      for (const j in v) if (!(j in sub)) (rest ??= {})[j] = v[j];
      if (rest) o[k] = rest;
    }
    return o;
  });
  return { ...m, shared, ...(Object.keys(within).length > 0 ? { sharedWithin: within } : {}), [field]: own };
}

/** Equal as wire values: the same primitive or object, or arrays and maps of equal values (small ones: next, foreach). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]));
}

/** Every entry of a message's list whole again (see sharedForm). */
function wholeEntries(m: Record<string, unknown>, field: 'specs' | 'results'): void {
  if (!('shared' in m)) return;
  const shared = m.shared;
  if (!isPlainObject(shared)) throw new ProtocolError(`${String(m.schema)}: shared must be a map`);
  delete m.shared;
  const within = m.sharedWithin ?? {};
  delete m.sharedWithin;
  if (!isPlainObject(within) || !Object.values(within).every(isPlainObject)) throw new ProtocolError(`${String(m.schema)}: sharedWithin must be a map of maps`);
  const list = m[field];
  if (!Array.isArray(list)) return;
  for (let i = 0; i < list.length; i++) {
    const s = list[i] as unknown;
    if (!isPlainObject(s)) throw new ProtocolError(`${String(m.schema)}: ${field}[${i}] must be a map`);
    // Filled in place (the decoded entry is ours), an entry's own field winning; never through __proto__.
    for (const k in shared) if (k !== '__proto__' && !Object.hasOwn(s, k)) s[k] = shared[k];
    for (const k in within) {
      if (k === '__proto__') continue;
      const sub = within[k] as Record<string, unknown>;
      if (!Object.hasOwn(s, k)) {
        s[k] = sub;
        continue;
      }
      const own = s[k];
      if (!isPlainObject(own)) throw new ProtocolError(`${String(m.schema)}: ${field}[${i}].${k} must be a map`);
      for (const j in sub) if (j !== '__proto__' && !Object.hasOwn(own, j)) own[j] = sub[j];
    }
  }
}

const SCHEMAS = new Set(['mesh.v1.task', 'mesh.v1.submit', 'mesh.v1.task.result', 'mesh.v1.task.results']);

/**
 * Decodes and checks a message; `expected` narrows the schemas accepted. What it returns has every
 * field of its type (see protocol/shape.ts); anything else is a ProtocolError, whatever the bytes.
 */
export function decodeMessage<S extends MeshMessage['schema']>(bytes: Uint8Array, ...expected: S[]): Extract<MeshMessage, { schema: S }> {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (cause) {
    throw new ProtocolError(`undecodable message (${bytes.length} bytes): ${oneLine(String((cause as Error)?.message))}`, { cause });
  }
  if (!isPlainObject(value)) throw new ProtocolError('message is not a map');
  const schema = value.schema;
  if (typeof schema !== 'string' || !SCHEMAS.has(schema)) {
    throw new ProtocolError(`unknown message schema ${typeof schema === 'string' ? JSON.stringify(schema.slice(0, 60)) : `(a ${typeof schema})`}`);
  }
  if (expected.length > 0 && !expected.includes(schema as S)) throw new ProtocolError(`expected ${expected.join(' or ')}, got ${schema}`);
  switch (schema) {
    case 'mesh.v1.task':
      wholeEntries(value, 'specs');
      checkTask(value);
      break;
    case 'mesh.v1.submit':
      checkSubmit(value);
      break;
    case 'mesh.v1.task.result':
      checkResult(value);
      break;
    case 'mesh.v1.task.results':
      wholeEntries(value, 'results');
      checkResults(value);
      break;
  }
  return value as unknown as Extract<MeshMessage, { schema: S }>;
}

/**
 * The artifact sets of a join's inputs, in the order of its input list (the blob a spec's
 * `inputArtifactsRef` names): plain msgpack, a list of `{ artifacts, inline? }`. Packing 10,000 of
 * them with the artifact codec (structured clone) took the coordinator 100-160 ms, plain 27-40 ms.
 */
export function encodeJoinInputs(sets: readonly ArtifactSet[]): Uint8Array {
  return Uint8Array.prototype.slice.call(packr.pack(sets));
}

export function decodeJoinInputs(bytes: Uint8Array): ArtifactSet[] {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (cause) {
    throw new ProtocolError(`undecodable join inputs (${bytes.length} bytes): ${oneLine(String((cause as Error)?.message))}`, { cause });
  }
  if (!Array.isArray(value) || !value.every((s) => isPlainObject(s) && isPlainObject(s.artifacts) && (s.inline === undefined || isPlainObject(s.inline)))) {
    throw new ProtocolError('join inputs must be a list of { artifacts, inline? } maps');
  }
  return value as ArtifactSet[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeEvent(event: MeshEvent): Uint8Array {
  return encoder.encode(JSON.stringify(event));
}

/**
 * Events of one run that happen together (the partitions of a task message starting or finishing) as
 * one message: a JSON array. Readers expand it (decodeEvents), so `mesh watch --json` still prints
 * one event per line.
 */
export function encodeEvents(events: MeshEvent[]): Uint8Array {
  return events.length === 1 ? encodeEvent(events[0]!) : encoder.encode(JSON.stringify(events));
}

function parseEvents(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new ProtocolError(`undecodable event (${bytes.length} bytes): ${oneLine(String((cause as Error)?.message))}`, { cause });
  }
}

/** Decodes and checks an event: every field of its type, or a ProtocolError. */
export function decodeEvent(bytes: Uint8Array): MeshEvent {
  const e = parseEvents(bytes);
  checkEvent(e);
  return e as MeshEvent;
}

/** The events of an event message, one or a list (encodeEvents); a ProtocolError unless every one is whole. */
export function decodeEvents(bytes: Uint8Array): MeshEvent[] {
  const v = parseEvents(bytes);
  if (!Array.isArray(v)) {
    checkEvent(v);
    return [v as MeshEvent];
  }
  if (v.length === 0) throw new ProtocolError('empty list of events');
  for (const e of v) checkEvent(e);
  return v as MeshEvent[];
}

export type { RunRecord };
