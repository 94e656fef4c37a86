/**
 * fast-check generators for valid protocol values (every message schema, every event type) and for
 * the ways bytes from the wire go wrong. Valid means what protocol/mesh.ts's types declare, with
 * names that fit in keys (protocol/keys.ts).
 */
import fc from 'fast-check';
import type { MeshEvent, MeshMessage, StepPolicy, SubmitMessage, TaskMessage, TaskResultMessage, TaskResultsMessage } from '../../protocol/mesh.js';
import type { TaskSpec } from '../../protocol/task.js';
import type { Transition } from '../../protocol/graph.js';
import { newRunId, taskId } from '../../protocol/keys.js';

// Values as a decoder makes them: plain objects, never null-prototype ones.
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, options: { requiredKeys?: Array<keyof T> } = {}): fc.Arbitrary<T> {
  return (fc.record as (m: unknown, o: unknown) => fc.Arbitrary<T>)(model, { noNullPrototype: true, ...options });
}
function dict<T>(key: fc.Arbitrary<string>, value: fc.Arbitrary<T>, options: { minKeys?: number; maxKeys?: number } = {}): fc.Arbitrary<Record<string, T>> {
  return fc.dictionary(key, value, { noNullPrototype: true, ...options });
}

/** Runs that fit in a test folder on a busy two-core machine. */
export const RUNS = { numRuns: 300 };

export const flowName = fc.stringMatching(/^[A-Za-z_][\w-]{0,24}$/);
export const stepName = fc.stringMatching(/^[A-Za-z_]\w{0,16}$/);
export const runId = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 253402300799999 }), fc.double({ min: 0, max: 0.9999, noNaN: true })).map(([t, r]) => newRunId(t, () => r)),
  fc.stringMatching(/^[\w-]{1,30}$/),
);
export const indices = fc.array(fc.nat({ max: 100_000 }), { maxLength: 3 });
export const taskIdOf = indices.map(taskId);
export const digest = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
export const isoTime = fc.date({ min: new Date(-62167219200000), max: new Date(253402300799999), noInvalidDate: true }).map((d) => d.toISOString());
/** Any text, including control characters and characters outside the BMP. */
export const text = fc.string({ unit: 'binary', maxLength: 40 });
const base64 = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b).toString('base64'));
// Artifact and param names are properties of a flow instance: `__proto__` cannot be one (assigning it
// sets the prototype), and msgpackr does not decode it as a key (it guards against prototype pollution).
const artifactName = fc.string({ maxLength: 12 }).filter((k) => k !== '__proto__');
const digestMap = dict(artifactName, digest, { maxKeys: 4 });
const inlineMap = dict(digest, base64, { minKeys: 1, maxKeys: 3 });

export const transition: fc.Arbitrary<Transition> = fc.oneof(
  rec({ type: fc.constant('linear' as const), to: stepName }),
  rec({ type: fc.constant('split' as const), to: fc.array(stepName, { minLength: 1, maxLength: 3 }) }),
  rec({ type: fc.constant('foreach' as const), to: stepName, field: text }),
  rec({ type: fc.constant('switch' as const), cases: dict(text.filter((k) => k !== '__proto__'), stepName, { maxKeys: 3 }), field: text }),
  rec({ type: fc.constant('end' as const) }),
);

const specFields = {
  schema: fc.constant('mesh.v1.task.spec' as const),
  task: taskIdOf,
  attempt: fc.nat({ max: 20 }),
  code: digest,
  className: text,
  foreach: indices,
  transition,
  isJoin: fc.boolean(),
  inherit: digestMap,
  inline: inlineMap,
  params: digestMap,
  foreachInput: rec({ digest, index: fc.nat() }),
  inputs: fc.array(text, { maxLength: 4 }),
  inputsRef: digest,
  inputArtifactsRef: digest,
};
const OPTIONAL_SPEC = ['inline', 'foreachInput', 'inputs', 'inputsRef', 'inputArtifactsRef'];

export function spec(flow: string, run: string, step: string): fc.Arbitrary<TaskSpec> {
  return rec(
    { ...specFields, flow: fc.constant(flow), run: fc.constant(run), step: fc.constant(step) },
    { requiredKeys: Object.keys({ ...specFields, flow, run, step }).filter((k) => !OPTIONAL_SPEC.includes(k)) as Array<keyof TaskSpec> },
  ) as fc.Arbitrary<TaskSpec>;
}

export const policy: fc.Arbitrary<StepPolicy> = rec(
  {
    attempts: fc.integer({ min: 1, max: 10 }),
    delayMs: fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true })),
    timeoutSeconds: fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }),
    catchVar: text,
  },
  { requiredKeys: ['attempts', 'delayMs'] },
);

export const taskMessage: fc.Arbitrary<TaskMessage> = fc.tuple(flowName, runId, stepName).chain(([f, r, s]) =>
  rec({ schema: fc.constant('mesh.v1.task' as const), specs: fc.array(spec(f, r, s), { minLength: 1, maxLength: 3 }), policy }));

export const submitMessage: fc.Arbitrary<SubmitMessage> = rec({ schema: fc.constant('mesh.v1.submit' as const), flow: flowName, run: runId });

export const attemptRecord = rec(
  {
    attempt: fc.nat({ max: 20 }), startedAt: isoTime, finishedAt: isoTime, ok: fc.boolean(),
    error: text, errorName: text, log: digest, worker: text,
  },
  { requiredKeys: ['attempt', 'startedAt', 'finishedAt', 'ok'] },
);

export const resultMessage: fc.Arbitrary<TaskResultMessage> = rec(
  {
    schema: fc.constant('mesh.v1.task.result' as const),
    flow: flowName, run: runId, step: stepName, task: taskIdOf, foreach: indices,
    ok: fc.boolean(), caught: fc.boolean(), artifacts: digestMap, inline: inlineMap,
    next: rec({ steps: fc.array(stepName, { maxLength: 3 }), foreach: fc.nat() }, { requiredKeys: ['steps'] }),
    attempt: attemptRecord,
    error: rec({ name: text, message: text, stack: text, nonRetryable: fc.boolean() }, { requiredKeys: ['name', 'message', 'nonRetryable'] }),
    worker: text,
  },
  { requiredKeys: ['schema', 'flow', 'run', 'step', 'task', 'foreach', 'ok', 'artifacts', 'attempt', 'worker'] },
);

export const resultsMessage: fc.Arbitrary<TaskResultsMessage> = rec({
  schema: fc.constant('mesh.v1.task.results' as const),
  results: fc.array(resultMessage, { minLength: 1, maxLength: 3 }),
});

export const message: fc.Arbitrary<MeshMessage> = fc.oneof(taskMessage, submitMessage, resultMessage, resultsMessage);

const eventBase = { flow: text, run: text, time: isoTime };
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n));
const jsonObject = dict(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);

export const event: fc.Arbitrary<MeshEvent> = fc.oneof(
  rec({ type: fc.constant('run.started' as const), ...eventBase, file: text, params: jsonObject, store: text, origin: text },
    { requiredKeys: ['type', 'flow', 'run', 'time', 'file', 'params', 'store'] }),
  rec({ type: fc.constant('task.started' as const), ...eventBase, step: text, task: text, attempt: fc.nat() }),
  rec({
    type: fc.constant('task.finished' as const), ...eventBase, step: text, task: text, attempt: fc.nat(),
    status: fc.constantFrom('succeeded' as const, 'cloned' as const), caught: fc.boolean(), durationMs: finite,
  }, { requiredKeys: ['type', 'flow', 'run', 'time', 'step', 'task', 'attempt', 'status', 'durationMs'] }),
  rec({ type: fc.constant('task.failed' as const), ...eventBase, step: text, task: text, attempt: fc.nat(), error: text, errorName: text, willRetry: fc.boolean() }),
  rec({
    type: fc.constant('run.finished' as const), ...eventBase, status: fc.constantFrom('succeeded' as const, 'failed' as const),
    failed: fc.array(text, { maxLength: 3 }), tasks: rec({ succeeded: fc.nat(), failed: fc.nat(), cloned: fc.nat() }), durationMs: finite,
  }),
  rec({ type: fc.constant('task.log' as const), ...eventBase, step: text, task: text, stream: fc.constantFrom('stdout' as const, 'stderr' as const), text }),
  rec({ type: fc.constant('step.planned' as const), ...eventBase, step: text, count: fc.nat() }),
);

/** Paths to every field of a value (`['results', 0, 'attempt', 'ok']`), maps and lists included. */
export function fieldPaths(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push([...path, i], ...fieldPaths(v, [...path, i])));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push([...path, k], ...fieldPaths(v, [...path, k]));
  }
  return out;
}

/** A deep copy of `value` with the field at `path` set to `replacement`. */
export function withField<T>(value: T, path: ReadonlyArray<string | number>, replacement: unknown): T {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1]!] = replacement;
  return copy as T;
}

/** A value of another kind than `v` (string, number, boolean, null, list, map, bigint, binary, date). */
export function otherKind(v: unknown): fc.Arbitrary<unknown> {
  const kindOf = (x: unknown) => (x === null ? 'null' : Array.isArray(x) ? 'array' : x instanceof Uint8Array ? 'binary' : x instanceof Date ? 'date' : typeof x);
  const all: Array<[string, fc.Arbitrary<unknown>]> = [
    ['string', fc.string({ maxLength: 5 })],
    ['number', fc.oneof(fc.integer(), fc.constant(NaN), fc.constant(Infinity), fc.double())],
    ['boolean', fc.boolean()],
    ['null', fc.constant(null)],
    ['array', fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 })],
    ['object', dict(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 })],
    ['bigint', fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n })],
    ['binary', fc.uint8Array({ maxLength: 4 })],
    ['date', fc.date({ noInvalidDate: true })],
  ];
  return fc.oneof(...all.filter(([k]) => k !== kindOf(v)).map(([, a]) => a));
}
