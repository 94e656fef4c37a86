/**
 * Shape checks for what `decodeMessage` and `decodeEvent` hand out: every field the types declare is
 * there with its type, optional ones are absent or typed, and names fit in keys. A value that passes
 * is safe to use as its type; anything else is a ProtocolError naming the field.
 *
 *   checkResult(value, 'mesh.v1.task.result');             // or throws "...: attempt.startedAt must be ..."
 *
 * These run for every message a coordinator takes (~10k/s): plain type tests, and the error's
 * wording is put together only when something is wrong.
 */
import { ProtocolError } from './errors.js';
import { isName } from './keys.js';

type Obj = Record<string, unknown>;

/**
 * Digests are checked for type and length only: a hex test costs more than the rest of a result's
 * checks together, and a 64-character name that is not a sha256 is harmless — no blob matches it
 * (decodeBlob verifies what it reads) and a key built from it is checked like any other key.
 */
const DIGEST_LENGTH = 64;

/**
 * A UTC time as `toISOString()` writes it, each field in range. Date.parse reads every such string,
 * so a duration computed from two of them is a number; the test is ten times cheaper than Date.parse.
 */
export const ISO_TIME = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?Z$/;

/** Where a check is, for the error: `mesh.v1.task.results: results[3]`; the index is -1 outside a list. */
let where = '';
let list = '';
let index = -1;

function at(top: string, items = '', i = -1): void {
  where = top;
  list = items;
  index = i;
}

function bad(field: string, what: string): never {
  throw new ProtocolError(`${where}${index >= 0 ? `: ${list}[${index}]` : ''}: ${field} must be ${what}`);
}

/** A plain map, as msgpack and JSON decode one (not an array, a Buffer, a Date or a Map). */
export function isPlainObject(v: unknown): v is Obj {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function obj(v: unknown, field: string): Obj {
  if (!isPlainObject(v)) bad(field, 'a map');
  return v;
}

function str(v: unknown, field: string): void {
  if (typeof v !== 'string') bad(field, 'a string');
}

function optStr(v: unknown, field: string): void {
  if (v !== undefined && typeof v !== 'string') bad(field, 'a string when present');
}

function bool(v: unknown, field: string): void {
  if (typeof v !== 'boolean') bad(field, 'true or false');
}

function optBool(v: unknown, field: string): void {
  if (v !== undefined && typeof v !== 'boolean') bad(field, 'true or false when present');
}

function int(v: unknown, field: string, min: number): void {
  if (!Number.isSafeInteger(v) || (v as number) < min) bad(field, `an integer >= ${min}`);
}

function num(v: unknown, field: string, min: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) bad(field, `a finite number >= ${min}`);
}

function time(v: unknown, field: string): void {
  if (typeof v !== 'string' || !ISO_TIME.test(v)) bad(field, 'a UTC time like 2026-11-27T17:45:12.123Z');
}

function digest(v: unknown, field: string): void {
  if (typeof v !== 'string' || v.length !== DIGEST_LENGTH) bad(field, 'a sha256 digest');
}

function optDigest(v: unknown, field: string): void {
  if (v !== undefined) digest(v, field);
}

function flow(v: unknown): void {
  if (!isName('flow', v)) bad('flow', 'a flow name that fits in a key');
}

function run(v: unknown): void {
  if (!isName('run', v)) bad('run', 'a run id that fits in a key');
}

function step(v: unknown, field = 'step'): void {
  if (!isName('step', v)) bad(field, 'a step name that fits in a key');
}

function task(v: unknown): void {
  if (!isName('task', v)) bad('task', 'a task id (foreach indices joined by .)');
}

function indices(v: unknown, field: string): void {
  if (!Array.isArray(v)) bad(field, 'a list of indices');
  for (let i = 0; i < v.length; i++) if (!Number.isSafeInteger(v[i]) || v[i] < 0) bad(field, 'a list of indices');
}

function strings(v: unknown, field: string): void {
  if (!Array.isArray(v)) bad(field, 'a list of strings');
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') bad(field, 'a list of strings');
}

function steps(v: unknown, field: string): void {
  if (!Array.isArray(v)) bad(field, 'a list of step names');
  for (let i = 0; i < v.length; i++) if (!isName('step', v[i])) bad(field, 'a list of step names');
}

/** name -> digest (artifacts, inherited artifacts, parameters). */
function digestMap(v: unknown, field: string): void {
  const m = obj(v, field);
  for (const key in m) {
    const d = m[key];
    if (typeof d !== 'string' || d.length !== DIGEST_LENGTH) bad(field, 'a map of name to sha256 digest');
  }
}

/** digest -> base64 stored bytes. */
function optInline(v: unknown, field: string): void {
  if (v === undefined) return;
  const m = obj(v, field);
  for (const key in m) if (key.length !== DIGEST_LENGTH || typeof m[key] !== 'string') bad(field, 'a map of sha256 digest to base64');
}

function transition(v: unknown): void {
  const t = obj(v, 'transition');
  switch (t.type) {
    case 'linear':
      step(t.to, 'transition.to');
      break;
    case 'split':
      steps(t.to, 'transition.to');
      break;
    case 'foreach':
      step(t.to, 'transition.to');
      str(t.field, 'transition.field');
      break;
    case 'switch': {
      str(t.field, 'transition.field');
      const cases = obj(t.cases, 'transition.cases');
      for (const key in cases) step(cases[key], 'transition.cases');
      break;
    }
    case 'end':
      break;
    default:
      bad('transition.type', 'linear, split, foreach, switch or end');
  }
}

function spec(s: unknown): void {
  if (!isPlainObject(s) || s.schema !== 'mesh.v1.task.spec') bad('spec', 'a mesh.v1.task.spec');
  flow(s.flow);
  run(s.run);
  step(s.step);
  task(s.task);
  int(s.attempt, 'attempt', 0);
  digest(s.code, 'code');
  str(s.className, 'className');
  indices(s.foreach, 'foreach');
  transition(s.transition);
  bool(s.isJoin, 'isJoin');
  digestMap(s.inherit, 'inherit');
  optInline(s.inline, 'inline');
  digestMap(s.params, 'params');
  if (s.foreachInput !== undefined) {
    const f = obj(s.foreachInput, 'foreachInput');
    digest(f.digest, 'foreachInput.digest');
    int(f.index, 'foreachInput.index', 0);
  }
  if (s.inputs !== undefined) strings(s.inputs, 'inputs');
  optDigest(s.inputsRef, 'inputsRef');
  optDigest(s.inputArtifactsRef, 'inputArtifactsRef');
}

function result(r: unknown): void {
  if (!isPlainObject(r) || r.schema !== 'mesh.v1.task.result') bad('result', 'a mesh.v1.task.result');
  flow(r.flow);
  run(r.run);
  step(r.step);
  task(r.task);
  indices(r.foreach, 'foreach');
  bool(r.ok, 'ok');
  optBool(r.caught, 'caught');
  digestMap(r.artifacts, 'artifacts');
  optInline(r.inline, 'inline');
  if (r.next !== undefined) {
    const n = obj(r.next, 'next');
    steps(n.steps, 'next.steps');
    if (n.foreach !== undefined) int(n.foreach, 'next.foreach', 0);
  }
  const a = obj(r.attempt, 'attempt');
  int(a.attempt, 'attempt.attempt', 0);
  time(a.startedAt, 'attempt.startedAt');
  time(a.finishedAt, 'attempt.finishedAt');
  bool(a.ok, 'attempt.ok');
  optStr(a.error, 'attempt.error');
  optStr(a.errorName, 'attempt.errorName');
  optDigest(a.log, 'attempt.log');
  optStr(a.worker, 'attempt.worker');
  if (r.error !== undefined) {
    const e = obj(r.error, 'error');
    str(e.name, 'error.name');
    str(e.message, 'error.message');
    optStr(e.stack, 'error.stack');
    bool(e.nonRetryable, 'error.nonRetryable');
  }
  str(r.worker, 'worker');
}

/** A `mesh.v1.task` message's specs (one step of one run) and policy. */
export function checkTask(m: Obj): void {
  at('mesh.v1.task');
  const specs = m.specs;
  if (!Array.isArray(specs) || specs.length === 0) bad('specs', 'a non-empty list');
  for (let i = 0; i < specs.length; i++) {
    at('mesh.v1.task', 'specs', i);
    spec(specs[i]);
  }
  at('mesh.v1.task');
  // A batch is partitions of one step of one run: the worker looks the run up once, for all of them.
  const first = specs[0] as Obj;
  for (let i = 1; i < specs.length; i++) {
    const s = specs[i] as Obj;
    if (s.flow !== first.flow || s.run !== first.run || s.step !== first.step) bad('specs', 'tasks of one step of one run');
  }
  const p = obj(m.policy, 'policy');
  int(p.attempts, 'policy.attempts', 1);
  num(p.delayMs, 'policy.delayMs', 0);
  if (p.timeoutSeconds !== undefined) num(p.timeoutSeconds, 'policy.timeoutSeconds', 0);
  optStr(p.catchVar, 'policy.catchVar');
}

export function checkSubmit(m: Obj): void {
  at('mesh.v1.submit');
  flow(m.flow);
  run(m.run);
}

export function checkResult(m: Obj): void {
  at('mesh.v1.task.result');
  result(m);
}

export function checkResults(m: Obj): void {
  at('mesh.v1.task.results');
  const results = m.results;
  if (!Array.isArray(results) || results.length === 0) bad('results', 'a non-empty list');
  for (let i = 0; i < results.length; i++) {
    at('mesh.v1.task.results', 'results', i);
    result(results[i]);
  }
}

const EVENT_TYPES = new Set(['run.started', 'task.started', 'task.finished', 'task.failed', 'run.finished', 'task.log', 'step.planned']);

/** A mesh event of a known type with its fields. Names only need to be text: a watcher prints them, nothing builds keys. */
export function checkEvent(e: unknown): void {
  if (!isPlainObject(e)) throw new ProtocolError('event is not a JSON object');
  const type = e.type;
  if (typeof type !== 'string' || !EVENT_TYPES.has(type)) {
    throw new ProtocolError(`unknown event type ${typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : `(a ${typeof type})`}`);
  }
  at(type);
  str(e.flow, 'flow');
  str(e.run, 'run');
  str(e.time, 'time');
  switch (type) {
    case 'run.started':
      str(e.file, 'file');
      obj(e.params, 'params');
      str(e.store, 'store');
      optStr(e.origin, 'origin');
      break;
    case 'task.started':
      str(e.step, 'step');
      str(e.task, 'task');
      int(e.attempt, 'attempt', 0);
      break;
    case 'task.finished':
      str(e.step, 'step');
      str(e.task, 'task');
      int(e.attempt, 'attempt', 0);
      if (e.status !== 'succeeded' && e.status !== 'cloned') bad('status', 'succeeded or cloned');
      optBool(e.caught, 'caught');
      num(e.durationMs, 'durationMs', -Infinity);
      break;
    case 'task.failed':
      str(e.step, 'step');
      str(e.task, 'task');
      int(e.attempt, 'attempt', 0);
      str(e.error, 'error');
      str(e.errorName, 'errorName');
      bool(e.willRetry, 'willRetry');
      break;
    case 'run.finished': {
      if (e.status !== 'succeeded' && e.status !== 'failed') bad('status', 'succeeded or failed');
      strings(e.failed, 'failed');
      const t = obj(e.tasks, 'tasks');
      int(t.succeeded, 'tasks.succeeded', 0);
      int(t.failed, 'tasks.failed', 0);
      int(t.cloned, 'tasks.cloned', 0);
      num(e.durationMs, 'durationMs', -Infinity);
      break;
    }
    case 'task.log':
      str(e.step, 'step');
      str(e.task, 'task');
      if (e.stream !== 'stdout' && e.stream !== 'stderr') bad('stream', 'stdout or stderr');
      str(e.text, 'text');
      break;
    case 'step.planned':
      str(e.step, 'step');
      int(e.count, 'count', 0);
      break;
  }
}
