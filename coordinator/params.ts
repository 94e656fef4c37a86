/**
 * Parameter values: `--param n=5` strings parsed by the declared type (or the default's type),
 * values from the Runner checked against it, defaults applied, required ones enforced.
 *
 * What a string from the command line becomes, by type:
 *   string   the text as given, '' included
 *   number   a finite decimal number as JSON or JavaScript writes it: 5, -2.5, .5, 5., 1e3, +7;
 *            nothing else: no spaces around it, no hex/octal/binary (0x10), no NaN or Infinity, no ''
 *   boolean  true/1/yes or false/0/no, any case, nothing around it
 *   json     any JSON text (JSON.parse)
 * Every problem is a ParamError (a UsageError, exit code 2): one line that names the parameter and
 * quotes the value, escaped and cut short.
 */
import type { ParamOptions, ParamType } from '../sdk/meta.js';
import { quoteText } from '../protocol/errors.js';
import { ParamError, UsageError } from './errors.js';

const PARAM_TYPES: ReadonlySet<string> = new Set(['string', 'number', 'boolean', 'json']);

export function paramType(name: string, spec: ParamOptions): ParamType {
  if (spec.type !== undefined) {
    if (!PARAM_TYPES.has(spec.type)) throw new ParamError(name, `parameter ${quoteText(name)} has an unknown type ${quoteText(String(spec.type))}`);
    return spec.type;
  }
  const d = spec.default;
  if (d === undefined || typeof d === 'string') return 'string';
  if (typeof d === 'number') return 'number';
  if (typeof d === 'boolean') return 'boolean';
  if (typeof d === 'object') return 'json';
  throw new ParamError(name, `parameter ${quoteText(name)}: cannot infer a type from its default; give type:`);
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE = /^(?:true|1|yes)$/i;
const FALSE = /^(?:false|0|no)$/i;

export function parseParamString(name: string, type: ParamType, raw: string): unknown {
  switch (type) {
    case 'string':
      return raw;
    case 'number': {
      const n = DECIMAL.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(n)) throw new ParamError(name, `parameter ${quoteText(name)} must be a number, got ${quoteText(raw)}`, raw);
      return n;
    }
    case 'boolean':
      if (TRUE.test(raw)) return true;
      if (FALSE.test(raw)) return false;
      throw new ParamError(name, `parameter ${quoteText(name)} must be true or false, got ${quoteText(raw)}`, raw);
    case 'json':
      try {
        return JSON.parse(raw);
      } catch (err) {
        // V8's message quotes the text, newlines and all: keep its first line, escaped.
        const why = quoteText(String((err as Error).message).split('\n')[0]!, 120).slice(1, -1);
        throw new ParamError(name, `parameter ${quoteText(name)} must be JSON, got ${quoteText(raw)} (${why})`, raw);
      }
    default:
      throw new ParamError(name, `parameter ${quoteText(name)} has an unknown type ${quoteText(String(type))}`);
  }
}

/** Why `value` is not plain JSON data (null, booleans, finite numbers, strings, arrays, plain objects), or undefined. */
function notJson(value: unknown, path: string, depth = 0): string | undefined {
  if (depth > 100) return `${path || 'the value'} is nested too deeply`;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path || 'the value'} is ${value}`;
  if (typeof value !== 'object') return `${path || 'the value'} is a ${typeof value}`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = notJson(value[i], `${path}[${i}]`, depth + 1);
      if (r) return r;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return `${path || 'the value'} is a ${(value as object).constructor?.name ?? 'object'}, not a plain object`;
  for (const [k, v] of Object.entries(value)) {
    const r = notJson(v, `${path}.${k}`, depth + 1);
    if (r) return r;
  }
  return undefined;
}

function checkValue(name: string, type: ParamType, value: unknown): unknown {
  if (type === 'json') {
    const why = notJson(value, '');
    if (why) throw new ParamError(name, `parameter ${quoteText(name)} must be JSON data: ${why}`);
    return value;
  }
  if (typeof value !== type) throw new ParamError(name, `parameter ${quoteText(name)} must be a ${type}, got ${value === null ? 'null' : typeof value}`);
  if (type === 'number' && !Number.isFinite(value)) throw new ParamError(name, `parameter ${quoteText(name)} must be a finite number, got ${value}`);
  return value;
}

/**
 * Why a declared parameter cannot work, or undefined: an unknown type, no type to infer, or a default
 * that does not fit the declared type (checked when the flow is loaded, before any run).
 */
export function paramProblem(name: string, spec: ParamOptions): string | undefined {
  try {
    const type = paramType(name, spec);
    if (spec.default !== undefined) checkValue(name, type, spec.default);
    return undefined;
  } catch (err) {
    if (!(err instanceof ParamError)) throw err;
    return spec.default !== undefined && spec.type !== undefined && PARAM_TYPES.has(spec.type)
      ? `parameter ${quoteText(name)} is declared ${spec.type}, but its default is not: ${err.message}`
      : err.message;
  }
}

/** `obj[key] = value`, as an own property even for '__proto__'. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Splits `k=v` pairs from the command line; the first '=' separates, and a name given twice keeps its last value. */
export function parseParamPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes name=value, got ${quoteText(pair)}`);
    setOwn(out, pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

/**
 * Final parameter values. `given` holds strings from the command line or typed values from the API.
 * Unknown names are an error naming the known ones.
 */
export function resolveParams(specs: Record<string, ParamOptions>, given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(specs, name)) {
      const known = Object.keys(specs);
      throw new ParamError(name, `unknown parameter ${quoteText(name)} (${known.length ? `parameters: ${known.join(', ')}` : 'the flow has no parameters'})`);
    }
  }
  for (const [name, spec] of Object.entries(specs)) {
    const type = paramType(name, spec);
    const raw = Object.hasOwn(given, name) ? given[name] : undefined;
    if (raw !== undefined) setOwn(out, name, typeof raw === 'string' ? parseParamString(name, type, raw) : checkValue(name, type, raw));
    else if (spec.default !== undefined) setOwn(out, name, spec.default);
    else if (spec.required) throw new ParamError(name, `parameter ${quoteText(name)} is required${spec.help ? ` (${spec.help})` : ''}`);
  }
  return out;
}
