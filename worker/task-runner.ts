/**
 * Runs one task inside a pool thread: instantiate the flow class, bind the task context, give the
 * step its artifacts and inputs, call it, check its `next()` against the static graph, and serialize
 * what it set. Never touches the store: reads go through the bridge, writes come back as blobs.
 */
import { unpackValue } from '../protocol/artifacts.js';
import { encodeBlob, isDigest } from '../protocol/cas.js';
import type { ResolvedNext, TaskError, TaskResult, TaskSpec } from '../protocol/task.js';
import { readFlowMeta, TASK_CONTEXT, type FlowMeta } from '../sdk/meta.js';
import type { MergeOptions, TaskContextV1 } from '../sdk/context.js';
import { StepUsageError } from '../sdk/errors.js';
import { ArtifactSlots } from './artifact-slots.js';
import type { ThreadBlobs } from './blob-cache.js';
import type { SyncBridge } from './bridge.js';
import { INPUTS_INTERNAL, makeInputs, type InputsInternal } from './inputs.js';
import { LogCapture } from './log-capture.js';

export type FlowClass = (new () => object) & { name: string };

export interface ThreadServices {
  bridge: SyncBridge;
  blobs: ThreadBlobs;
  loadFlow(code: string): Promise<FlowClass>;
}

export function toTaskError(err: unknown): TaskError {
  if (err instanceof Error) {
    // A step may set name or stack to anything; the result message carries strings (protocol/shape.ts).
    return {
      name: String(err.name),
      message: String(err.message),
      ...(typeof err.stack === 'string' ? { stack: err.stack } : {}),
      nonRetryable: (err as { nonRetryable?: boolean }).nonRetryable === true,
    };
  }
  return { name: 'Error', message: String(err), nonRetryable: false };
}

function stepNameOf(cls: FlowClass, meta: FlowMeta, fn: unknown): string | undefined {
  const proto = cls.prototype as Record<string, unknown>;
  for (const name of Object.keys(meta.steps)) if (proto[name] === fn) return name;
  return undefined;
}

export async function runTask(spec: TaskSpec, services: ThreadServices, capture: LogCapture): Promise<TaskResult> {
  const startedAt = new Date().toISOString();
  const cls = await services.loadFlow(spec.code);
  const meta = readFlowMeta(cls);
  if (!meta) throw new StepUsageError(spec.step, `the code package's default export is not a flow`);
  const instance = new cls() as Record<string | symbol, unknown>;
  services.blobs.beginTask(spec.inline);
  const slots = new ArtifactSlots(instance, services.blobs, spec.step);
  for (const [name, digest] of Object.entries(spec.params)) slots.inherit(name, digest, true);
  for (const [name, digest] of Object.entries(spec.inherit)) {
    if (!(name in spec.params)) slots.inherit(name, digest);
  }

  let nextArgs: readonly unknown[] | undefined;
  const putBlobs: Array<[string, Uint8Array]> = [];
  const current = Object.freeze({
    flow: spec.flow, run: spec.run, step: spec.step, task: spec.task, attempt: spec.attempt,
    pathspec: `${spec.flow}/${spec.run}/${spec.step}/${spec.task}`, foreachStack: Object.freeze([...spec.foreach]),
  });
  const ctx: TaskContextV1 = {
    current,
    input() {
      if (!spec.foreachInput) throw new StepUsageError(spec.step, 'this.input is only set inside a foreach');
      const list = services.blobs.list(spec.foreachInput.digest);
      // A copy, so a retry in the same thread sees the element as it was.
      return structuredCloneLike(list[spec.foreachInput.index]);
    },
    index() {
      if (!spec.foreachInput) throw new StepUsageError(spec.step, 'this.index is only set inside a foreach');
      return spec.foreachInput.index;
    },
    next(args) {
      if (nextArgs) throw new StepUsageError(spec.step, 'calls next() twice');
      nextArgs = args;
    },
    merge(target, inputs, options) {
      mergeArtifacts(spec.step, slots, target, inputs, options);
    },
    putBlob(bytes) {
      if (!(bytes instanceof Uint8Array)) throw new StepUsageError(spec.step, 'putBlob() takes a Uint8Array');
      const { digest, stored } = encodeBlob(bytes);
      putBlobs.push([digest, stored]);
      services.blobs.remember(digest, bytes.slice());
      return digest;
    },
    getBlob(digest) {
      if (typeof digest !== 'string' || !isDigest(digest)) throw new StepUsageError(spec.step, `getBlob() takes a sha256 digest, got ${String(digest).slice(0, 80)}`);
      return services.blobs.get(digest).slice();
    },
  };
  Object.defineProperty(instance, TASK_CONTEXT, { value: ctx, enumerable: false });

  const method = (instance as Record<string, unknown>)[spec.step];
  if (typeof method !== 'function' || !meta.steps[spec.step]?.isStep) {
    throw new StepUsageError(spec.step, `the flow has no @step method '${spec.step}'`);
  }
  let args: unknown[] = [];
  if (spec.isJoin) {
    const refs = spec.inputs ?? (spec.inputsRef ? (unpackValue(services.blobs.get(spec.inputsRef)) as string[]) : []);
    args = [makeInputs(refs, services.bridge, services.blobs, spec)];
  }

  capture.start();
  try {
    await (method as (...a: unknown[]) => unknown).apply(instance, args);
  } finally {
    capture.stop();
  }
  const next = resolveNext(spec, cls, meta, instance, nextArgs);
  const { artifacts, blobs, inline } = slots.collect();
  blobs.push(...putBlobs);
  return { ok: true, artifacts, blobs, ...(inline ? { inline } : {}), next, log: capture.text(), startedAt, finishedAt: new Date().toISOString() };
}

/** A deep copy through the artifact codec (structured-clone semantics). */
function structuredCloneLike(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  return structuredClone(value);
}

function resolveNext(
  spec: TaskSpec, cls: FlowClass, meta: FlowMeta, instance: Record<string, unknown>, args: readonly unknown[] | undefined,
): ResolvedNext | undefined {
  const t = spec.transition;
  const fail = (msg: string): never => { throw new StepUsageError(spec.step, msg); };
  if (t.type === 'end') {
    if (args) fail('the end step cannot call next()');
    return undefined;
  }
  if (!args) return fail('returned without calling next()');
  const fns = args.filter((a) => typeof a === 'function');
  const objects = args.filter((a) => typeof a === 'object' && a !== null) as Array<Record<string, unknown>>;
  const names = fns.map((f) => stepNameOf(cls, meta, f) ?? fail(`next() was given a method that is not a step`));
  switch (t.type) {
    case 'linear':
      if (names.length !== 1 || names[0] !== t.to) fail(`next() went to ${names.join(', ') || 'nothing'} but the graph says ${t.to}`);
      return { steps: [t.to] };
    case 'split':
      if (names.join(',') !== t.to.join(',')) fail(`next() went to ${names.join(', ')} but the graph says ${t.to.join(', ')}`);
      return { steps: [...t.to] };
    case 'foreach': {
      if (names.length !== 1 || names[0] !== t.to) fail(`next() went to ${names.join(', ')} but the graph says ${t.to}`);
      const value = instance[t.field];
      if (!Array.isArray(value)) {
        fail(`foreach over '${t.field}' needs an array, got ${value === undefined ? 'undefined' : typeof value}`);
      }
      return { steps: [t.to], foreach: (value as unknown[]).length };
    }
    case 'switch': {
      const value = instance[t.field];
      const key = String(value);
      const target = Object.prototype.hasOwnProperty.call(t.cases, key) ? t.cases[key] : undefined;
      if (!target) fail(`switch on '${t.field}' is ${JSON.stringify(value)}, not one of ${Object.keys(t.cases).join(', ')}`);
      void objects;
      return { steps: [target!] };
    }
  }
}

function mergeArtifacts(step: string, slots: ArtifactSlots, target: object, inputs: unknown, options: MergeOptions): void {
  const internal = (inputs as Record<symbol, InputsInternal> | undefined)?.[INPUTS_INTERNAL];
  if (!internal) throw new StepUsageError(step, 'mergeArtifacts() takes the inputs of a join');
  const exclude = new Set(options.exclude ?? []);
  const include = options.include ? new Set(options.include) : undefined;
  const agreed = new Map<string, string>();
  const conflicts = new Set<string>();
  for (let i = 0; i < internal.length; i++) {
    for (const [name, digest] of Object.entries(internal.artifactsOf(i))) {
      if (exclude.has(name) || (include && !include.has(name)) || conflicts.has(name)) continue;
      const seen = agreed.get(name);
      if (seen === undefined) agreed.set(name, digest);
      else if (seen !== digest) conflicts.add(name);
    }
  }
  const unresolved = [...conflicts].filter((n) => !slots.isSetHere(n)).sort();
  if (unresolved.length > 0) {
    throw new StepUsageError(step, `mergeArtifacts(): inputs disagree on ${unresolved.map((n) => `'${n}'`).join(', ')}; set them in this step or pass { exclude: [...] }`);
  }
  if (include) {
    const missing = [...include].filter((n) => !agreed.has(n) && !conflicts.has(n));
    if (missing.length) throw new StepUsageError(step, `mergeArtifacts(): no input has ${missing.map((n) => `'${n}'`).join(', ')}`);
  }
  for (const [name, digest] of agreed) {
    if (conflicts.has(name) || slots.isSetHere(name)) continue;
    if (Object.getOwnPropertyDescriptor(target, name)?.get && !slots.isSetHere(name)) {
      // Already an inherited slot (a parameter): keep it.
      continue;
    }
    slots.inherit(name, digest);
  }
}
