/** `mesh get Flow/run/step/task/artifact [--json]`: prints one artifact's value. */
import { inspect } from 'node:util';
import type { Command } from 'commander';
import { openArtifact } from '../../client/index.js';
import { withStore } from './runs.js';

export interface GetFlags {
  store?: string;
  json?: boolean;
  /** Colour the inspected value (a terminal). */
  colors?: boolean;
}

export function registerGet(program: Command): void {
  program
    .command('get')
    .description("print an artifact's value (util.inspect, or JSON with --json)")
    .argument('<pathspec>', 'Flow/run/step/task/artifact')
    .option('--json', 'print the value as one line of JSON')
    .option('--store <dir|s3://bucket/prefix>', 'the store to read (default: MESH_STORE, then .mesh)')
    .action(async (pathspec: string, opts: GetFlags) => {
      process.stdout.write(await getCommand(pathspec, { ...opts, colors: !opts.json && process.stdout.isTTY }));
    });
}

/**
 * The value as text: a string as it is, anything else through util.inspect; with `json`, one line
 * of JSON (see `toJsonValue`).
 */
export async function getCommand(pathspec: string, flags: GetFlags): Promise<string> {
  return withStore(flags.store, async (store) => {
    const value = await (await openArtifact(pathspec, { store })).value();
    if (flags.json) return `${JSON.stringify(toJsonValue(value)) ?? 'null'}\n`;
    if (typeof value === 'string') return value.endsWith('\n') ? value : `${value}\n`;
    return `${inspect(value, { depth: 8, colors: flags.colors ?? false })}\n`;
  });
}

/**
 * What JSON can say about a stored value: Map -> object (keys as strings), Set -> array, BigInt ->
 * string, typed arrays and ArrayBuffers -> arrays of numbers, Date -> ISO string, RegExp -> its
 * source text, Error -> { name, message }, undefined -> null, a cycle -> "[Circular]".
 */
export function toJsonValue(value: unknown, ancestors: object[] = []): unknown {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return null;
    case 'number':
    case 'string':
    case 'boolean':
      return value;
  }
  if (value === null) return null;
  const obj = value as object;
  if (ancestors.includes(obj)) return '[Circular]';
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (obj instanceof RegExp) return obj.toString();
  if (ArrayBuffer.isView(obj)) {
    if (obj instanceof DataView) return Array.from(new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength));
    return Array.from(obj as unknown as ArrayLike<number | bigint>, (n) => (typeof n === 'bigint' ? n.toString() : n));
  }
  if (obj instanceof ArrayBuffer) return Array.from(new Uint8Array(obj));
  const inner = [...ancestors, obj];
  if (obj instanceof Error) return { name: obj.name, message: obj.message };
  if (obj instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of obj) out[typeof k === 'string' ? k : JSON.stringify(toJsonValue(k, inner))] = toJsonValue(v, inner);
    return out;
  }
  if (obj instanceof Set) return Array.from(obj, (v) => toJsonValue(v, inner));
  if (Array.isArray(obj)) return obj.map((v) => toJsonValue(v, inner));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = toJsonValue(v, inner);
  return out;
}
