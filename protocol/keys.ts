/**
 * Where things live in a store (filesystem directory or S3 prefix). Keys use '/' and match
 * `[-/=.\w]+`, so the same names work as NATS KV keys.
 *
 *   data/<aa>/<sha256>                          content-addressed blobs (artifacts, logs, code packages)
 *   meta/<Flow>/<run>/run                       run record, rewritten at the end with the final status
 *   meta/<Flow>/<run>/steps/<step>/<task>       task record, written after its blobs (completion marker)
 */

import { InvalidKeyError } from './errors.js';

/**
 * Names inside keys. Flow and step names, run ids and task ids never hold '/' or '.', except the
 * '.' between a task id's indices (always last in a key), so a key splits back into its names on
 * either separator and no two names give the same key (the KV bucket turns '/' into '.').
 */
const NAME = /^[A-Za-z_][\w-]*$/;
const RUN = /^[\w-]+$/;
const TASK = /^\d+(\.\d+)*$/;
/** One path segment of a directory store, with room to spare. */
export const MAX_NAME_LENGTH = 200;

export type NameKind = 'flow' | 'run' | 'step' | 'task';
const RULES: Record<NameKind, RegExp> = { flow: NAME, run: RUN, step: NAME, task: TASK };

export function isName(kind: NameKind, value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_NAME_LENGTH && RULES[kind].test(value);
}

/** `value` if it may stand for a `kind` in a key, else InvalidKeyError. */
export function checkName(kind: NameKind, value: string): string {
  if (!isName(kind, value)) {
    const what = kind === 'flow' || kind === 'step' ? `${kind} name` : `${kind} id`;
    throw new InvalidKeyError(String(value), `cannot be part of a key: it must match ${RULES[kind].source}, in at most ${MAX_NAME_LENGTH} characters`, what);
  }
  return value;
}

export function blobKey(digest: string): string {
  return `data/${digest.slice(0, 2)}/${digest}`;
}

export const META_ROOT = 'meta/';

export function flowPrefix(flow: string): string {
  return `meta/${checkName('flow', flow)}/`;
}

export function runKey(flow: string, run: string): string {
  return `meta/${checkName('flow', flow)}/${checkName('run', run)}/run`;
}

export function stepsPrefix(flow: string, run: string): string {
  return `meta/${checkName('flow', flow)}/${checkName('run', run)}/steps/`;
}

export function stepPrefix(flow: string, run: string, step: string): string {
  return `meta/${checkName('flow', flow)}/${checkName('run', run)}/steps/${checkName('step', step)}/`;
}

export function taskKey(flow: string, run: string, step: string, task: string): string {
  return `meta/${checkName('flow', flow)}/${checkName('run', run)}/steps/${checkName('step', step)}/${checkName('task', task)}`;
}

/** Task id from foreach indices: `'0'` outside any foreach, else the indices joined with '.'. */
export function taskId(foreach: readonly number[]): string {
  return foreach.length === 0 ? '0' : foreach.join('.');
}

export function isTaskId(value: string): boolean {
  return isName('task', value);
}

/** Run ids sort by creation time (UTC, to the millisecond) and carry 4 random hex digits: `20261127T174512123-a3f0`. */
export function newRunId(now = Date.now(), random = Math.random): string {
  const t = new Date(now).toISOString().replace(/[-:]/g, '').replace('.', '').replace('Z', '');
  const r = Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  return `${t}-${r}`;
}
