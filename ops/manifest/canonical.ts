/**
 * Canonical JSON: object keys sorted by code unit, no insignificant whitespace (or a fixed indent),
 * and only values JSON represents faithfully. The same value always gives the same bytes, which is
 * what config hashes and byte-identical manifests stand on.
 */
import { createHash } from 'node:crypto';
import { CanonicalJsonError } from './errors.js';

/**
 * `indent` 0 gives the compact form used for hashing; 2 the form written to manifest.json. Objects
 * with a `toJSON` (Date) are serialized through it; `undefined` object members are left out as in
 * JSON.stringify. Maps, Sets, bigints, functions, symbols and non-finite numbers throw, naming where:
 * silently writing `{}` for a Map would make two different configs hash alike.
 */
export function canonicalJson(value: unknown, indent = 0): string {
  return write(value, '', indent, '', new Set());
}

function write(value: unknown, path: string, indent: number, pad: string, ancestors: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, `is ${value}, which JSON cannot hold`);
      return JSON.stringify(Object.is(value, -0) ? 0 : value);
    case 'object':
      break;
    default:
      throw new CanonicalJsonError(path, `is a ${typeof value}, which JSON cannot hold`);
  }
  const obj = value as object;
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
    return write((obj as { toJSON: () => unknown }).toJSON(), path, indent, pad, ancestors);
  }
  if (obj instanceof Map || obj instanceof Set) throw new CanonicalJsonError(path, `is a ${obj.constructor.name}; convert it to an object or array first`);
  if (ancestors.has(obj)) throw new CanonicalJsonError(path, 'is circular');
  ancestors.add(obj);
  const inner = pad + ' '.repeat(indent);
  const nl = indent > 0 ? '\n' : '';
  const colon = indent > 0 ? ': ' : ':';
  let out: string;
  if (Array.isArray(obj)) {
    const items = obj.map((v, i) => inner + (v === undefined ? 'null' : write(v, `${path}[${i}]`, indent, inner, ancestors)));
    out = items.length === 0 ? '[]' : `[${nl}${items.join(`,${nl}`)}${nl}${pad}]`;
  } else {
    const keys = Object.keys(obj).filter((k) => (obj as Record<string, unknown>)[k] !== undefined).sort(byCodeUnit);
    const members = keys.map((k) => `${inner}${JSON.stringify(k)}${colon}${write((obj as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`, indent, inner, ancestors)}`);
    out = members.length === 0 ? '{}' : `{${nl}${members.join(`,${nl}`)}${nl}${pad}}`;
  }
  ancestors.delete(obj);
  return out;
}

export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of the compact canonical JSON of a config: the same settings always hash alike, whatever their key order. */
export function configHash(config: unknown): string {
  return sha256Hex(canonicalJson(config));
}
