/**
 * Step and parameter decorators (standard TC39 decorators).
 *
 *   @param({ default: 100, help: 'how many partitions' }) n!: number;
 *   @retry({ times: 2 }) @timeout({ seconds: 30 }) @step sq() { ... }
 */
import {
  flowMetaOf, type CatchOptions, type ParamOptions, type ParamType, type ResourceOptions,
  type RetryOptions, type StepMeta, type TimeoutOptions,
} from './meta.js';

type MethodContext = ClassMethodDecoratorContext;
type FieldContext = ClassFieldDecoratorContext;

function stepMeta(context: MethodContext, decorator: string): StepMeta | undefined {
  const meta = flowMetaOf(context.metadata as Record<PropertyKey, unknown>);
  if (context.static || context.private || typeof context.name !== 'string') {
    meta.problems.push(`@${decorator} goes on a public instance method, not on '${String(context.name)}'`);
    return undefined;
  }
  return (meta.steps[context.name] ??= { isStep: false });
}

/** Marks a method as a step of the flow. */
export function step(_method: unknown, context: MethodContext): void {
  if (context?.kind !== 'method') throw new TypeError('@step goes on a method');
  const meta = stepMeta(context, 'step');
  if (meta) meta.isStep = true;
}

function checkedPositive(decorator: string, field: string, value: unknown, integer: boolean): number {
  if (typeof value !== 'number' || !(value >= 0) || (integer && !Number.isInteger(value))) {
    throw new TypeError(`@${decorator}: ${field} must be a ${integer ? 'non-negative integer' : 'non-negative number'}, got ${String(value)}`);
  }
  return value;
}

/** Re-runs a failing step up to `times` more times, waiting `delayMs` between attempts. */
export function retry(options: RetryOptions) {
  const times = checkedPositive('retry', 'times', options?.times, true);
  const delayMs = options.delayMs === undefined ? 0 : checkedPositive('retry', 'delayMs', options.delayMs, false);
  return (_method: unknown, context: MethodContext): void => {
    const meta = stepMeta(context, 'retry');
    if (meta) meta.retry = { times, delayMs };
  };
}

/** Fails an attempt that runs longer than `seconds`. */
export function timeout(options: TimeoutOptions) {
  const seconds = checkedPositive('timeout', 'seconds', options?.seconds, false);
  if (seconds === 0) throw new TypeError('@timeout: seconds must be greater than 0');
  return (_method: unknown, context: MethodContext): void => {
    const meta = stepMeta(context, 'timeout');
    if (meta) meta.timeout = { seconds };
  };
}

/** When every attempt fails, stores the failure in artifact `var` and lets the flow go on. */
export function catchErrors(options: CatchOptions) {
  if (typeof options?.var !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(options.var)) {
    throw new TypeError(`@catchErrors: var must be an identifier, got ${String(options?.var)}`);
  }
  return (_method: unknown, context: MethodContext): void => {
    const meta = stepMeta(context, 'catchErrors');
    if (meta) meta.catchErrors = { var: options.var };
  };
}

/** What a step needs; `pool` routes it to workers of that pool on the mesh. */
export function resources(options: ResourceOptions) {
  const out: ResourceOptions = {};
  if (options?.cpu !== undefined) out.cpu = checkedPositive('resources', 'cpu', options.cpu, false);
  if (options?.memoryMb !== undefined) out.memoryMb = checkedPositive('resources', 'memoryMb', options.memoryMb, false);
  if (options?.pool !== undefined) {
    if (typeof options.pool !== 'string' || !/^[A-Za-z0-9_-]+$/.test(options.pool)) {
      throw new TypeError(`@resources: pool must match [A-Za-z0-9_-]+, got ${String(options.pool)}`);
    }
    out.pool = options.pool;
  }
  return (_method: unknown, context: MethodContext): void => {
    const meta = stepMeta(context, 'resources');
    if (meta) meta.resources = out;
  };
}

const PARAM_TYPES: readonly ParamType[] = ['string', 'number', 'boolean', 'json'];

/** A run parameter: `--param name=value` on the CLI, `params: { name }` in the Runner. */
export function param<T>(options: ParamOptions<T> = {}) {
  if (options.type !== undefined && !PARAM_TYPES.includes(options.type)) {
    throw new TypeError(`@param: type must be one of ${PARAM_TYPES.join(', ')}, got ${String(options.type)}`);
  }
  return (_value: undefined, context: FieldContext): void => {
    if (context?.kind !== 'field') throw new TypeError('@param goes on a field');
    const meta = flowMetaOf(context.metadata as Record<PropertyKey, unknown>);
    if (context.static || context.private || typeof context.name !== 'string') {
      meta.problems.push(`@param goes on a public instance field, not on '${String(context.name)}'`);
      return;
    }
    meta.params[context.name] = { ...options } as ParamOptions;
  };
}
