/**
 * Where things live in a store (filesystem directory or S3 prefix). Keys use '/' and match
 * `[-/=.\w]+`, so the same names work as NATS KV keys.
 *
 *   data/<aa>/<sha256>                          content-addressed blobs (artifacts, logs, code packages)
 *   meta/<Flow>/<run>/run                       run record, rewritten at the end with the final status
 *   meta/<Flow>/<run>/steps/<step>/<task>       task record, written after its blobs (completion marker)
 */

const NAME = /^[A-Za-z_][\w-]*$/;
const TASK = /^\d+(\.\d+)*$/;

export function checkName(kind: string, value: string): string {
  if (!NAME.test(value)) throw new Error(`${kind} '${value}' must match ${NAME.source}`);
  return value;
}

export function blobKey(digest: string): string {
  return `data/${digest.slice(0, 2)}/${digest}`;
}

export const META_ROOT = 'meta/';

export function flowPrefix(flow: string): string {
  return `meta/${flow}/`;
}

export function runKey(flow: string, run: string): string {
  return `meta/${flow}/${run}/run`;
}

export function stepsPrefix(flow: string, run: string): string {
  return `meta/${flow}/${run}/steps/`;
}

export function stepPrefix(flow: string, run: string, step: string): string {
  return `meta/${flow}/${run}/steps/${step}/`;
}

export function taskKey(flow: string, run: string, step: string, task: string): string {
  return `meta/${flow}/${run}/steps/${step}/${task}`;
}

/** Task id from foreach indices: `'0'` outside any foreach, else the indices joined with '.'. */
export function taskId(foreach: readonly number[]): string {
  return foreach.length === 0 ? '0' : foreach.join('.');
}

export function isTaskId(value: string): boolean {
  return TASK.test(value);
}

/** Run ids sort by creation time (UTC, to the millisecond) and carry 4 random hex digits: `20261127T174512123-a3f0`. */
export function newRunId(now = Date.now(), random = Math.random): string {
  const t = new Date(now).toISOString().replace(/[-:]/g, '').replace('.', '').replace('Z', '');
  const r = Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  return `${t}-${r}`;
}
