/**
 * From what a user types to what is stored: `Flow/run` or a bare run id (searched in every flow),
 * and `Flow/run/step/task[/artifact]` pathspecs.
 */
import { NotFoundError, UsageError } from '../coordinator/errors.js';
import { runKey } from '../protocol/keys.js';
import type { RunRecord } from '../protocol/records.js';
import type { Artifact } from './artifact.js';
import { mapBounded } from './batch.js';
import { flowNamesOf } from './flow.js';
import { parsePathspec, parseRunRef } from './pathspec.js';
import { Run } from './run.js';
import { resolveClientStore, type ClientOptions, type ClientStore } from './store.js';
import type { Task } from './task.js';

/**
 * The record of a run named `Flow/run` or by its bare id. A bare id is looked up in every flow of
 * the store: NotFoundError when no flow has it, UsageError when more than one does.
 */
export async function findRun(spec: string, options: ClientOptions = {}): Promise<RunRecord> {
  return findRunIn(resolveClientStore(options), spec);
}

/** `findRun`, as a `Run`. */
export async function openRun(spec: string, options: ClientOptions = {}): Promise<Run> {
  const store = resolveClientStore(options);
  return new Run(await findRunIn(store, spec), store);
}

async function findRunIn(store: ClientStore, spec: string): Promise<RunRecord> {
  const ref = parseRunRef(spec);
  if (ref.flow !== undefined) {
    const rec = await store.meta.getJson<RunRecord>(runKey(ref.flow, ref.run));
    if (!rec) throw new NotFoundError(`no run ${ref.flow}/${ref.run} in ${store.url}`);
    return rec;
  }
  const flows = await flowNamesOf(store);
  const present = await mapBounded(flows, store.concurrency, (flow) => store.backend.has(runKey(flow, ref.run)));
  const owners = flows.filter((_, i) => present[i]);
  if (owners.length === 0) {
    const searched = flows.length === 0 ? 'it holds no runs' : `searched ${flows.length === 1 ? 'flow' : 'flows'} ${flows.join(', ')}`;
    throw new NotFoundError(`no run ${ref.run} in ${store.url} (${searched})`);
  }
  if (owners.length > 1) {
    throw new UsageError(`run id ${ref.run} is in more than one flow (${owners.join(', ')}): name it as ${owners[0]}/${ref.run}`);
  }
  const rec = await store.meta.getJson<RunRecord>(runKey(owners[0]!, ref.run));
  if (!rec) throw new NotFoundError(`no run ${owners[0]}/${ref.run} in ${store.url}`);
  return rec;
}

/** The task a `Flow/run/step/task` pathspec names. */
export async function openTask(pathspec: string, options: ClientOptions = {}): Promise<Task> {
  const p = parsePathspec(pathspec, 'task');
  const run = await openRun(`${p.flow}/${p.run}`, options);
  return run.step(p.step!).task(p.task!);
}

/** The artifact a `Flow/run/step/task/artifact` pathspec names; its value is not read yet. */
export async function openArtifact(pathspec: string, options: ClientOptions = {}): Promise<Artifact> {
  const p = parsePathspec(pathspec, 'artifact');
  const task = await openTask(`${p.flow}/${p.run}/${p.step}/${p.task}`, options);
  return task.artifact(p.artifact!);
}
