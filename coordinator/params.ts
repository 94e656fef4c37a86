/**
 * Parameter values: `--param n=5` strings parsed by the declared type (or the default's type),
 * values from the Runner checked against it, defaults applied, required ones enforced.
 */
import type { ParamOptions, ParamType } from '../sdk/meta.js';
import { UsageError } from './errors.js';

export function paramType(name: string, spec: ParamOptions): ParamType {
  if (spec.type) return spec.type;
  const d = spec.default;
  if (d === undefined || typeof d === 'string') return 'string';
  if (typeof d === 'number') return 'number';
  if (typeof d === 'boolean') return 'boolean';
  if (typeof d === 'object') return 'json';
  throw new UsageError(`parameter '${name}': cannot infer a type from its default; give type:`);
}

export function parseParamString(name: string, type: ParamType, raw: string): unknown {
  switch (type) {
    case 'string':
      return raw;
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`parameter '${name}' must be a number, got '${raw}'`);
      return n;
    }
    case 'boolean':
      if (/^(true|1|yes)$/i.test(raw)) return true;
      if (/^(false|0|no)$/i.test(raw)) return false;
      throw new UsageError(`parameter '${name}' must be true or false, got '${raw}'`);
    case 'json':
      try {
        return JSON.parse(raw);
      } catch (err) {
        throw new UsageError(`parameter '${name}' must be JSON: ${(err as Error).message}`);
      }
  }
}

function checkValue(name: string, type: ParamType, value: unknown): unknown {
  const ok = type === 'json' || typeof value === type;
  if (!ok) throw new UsageError(`parameter '${name}' must be a ${type}, got ${typeof value}`);
  return value;
}

/** Splits `k=v` pairs from the command line; the first '=' separates. */
export function parseParamPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param takes name=value, got '${pair}'`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
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
    if (!(name in specs)) {
      const known = Object.keys(specs);
      throw new UsageError(`unknown parameter '${name}' (${known.length ? `parameters: ${known.join(', ')}` : 'the flow has no parameters'})`);
    }
  }
  for (const [name, spec] of Object.entries(specs)) {
    const type = paramType(name, spec);
    const raw = given[name];
    if (raw !== undefined) out[name] = typeof raw === 'string' ? parseParamString(name, type, raw) : checkValue(name, type, raw);
    else if (spec.default !== undefined) out[name] = spec.default;
    else if (spec.required) throw new UsageError(`parameter '${name}' is required${spec.help ? ` (${spec.help})` : ''}`);
  }
  return out;
}
