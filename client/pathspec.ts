/**
 * Pathspecs name things in a store as Metaflow does: `Flow/run`, `Flow/run/step`,
 * `Flow/run/step/task`, and `Flow/run/step/task/artifact` for one artifact.
 */
import { UsageError } from '../coordinator/errors.js';
import { isName, isTaskId } from '../protocol/keys.js';

export type PathspecDepth = 'run' | 'step' | 'task' | 'artifact';

export interface Pathspec {
  flow: string;
  run: string;
  step?: string;
  task?: string;
  artifact?: string;
}

const SHAPES: Record<PathspecDepth, string> = {
  run: 'Flow/run',
  step: 'Flow/run/step',
  task: 'Flow/run/step/task',
  artifact: 'Flow/run/step/task/artifact',
};
const DEPTHS: PathspecDepth[] = ['run', 'step', 'task', 'artifact'];

// Flow, run and step names follow the key grammar of protocol/keys.ts: a pathspec names only what a
// store can hold (run ids are `20261127T174512123-a3f0`; letters, digits, '_' and '-').
/** Artifacts are property names; they only have to fit in one pathspec part. */
const ARTIFACT = /^[^/\s]+$/;

/**
 * Splits and checks a pathspec. With `depth`, exactly that shape is accepted
 * (`parsePathspec(s, 'task')` wants `Flow/run/step/task`); without it, any of the four.
 */
export function parsePathspec(spec: string, depth?: PathspecDepth): Pathspec {
  const expected = depth ? SHAPES[depth] : `${SHAPES.run}[/step[/task[/artifact]]]`;
  if (spec.trim() === '') throw new UsageError(`the pathspec is empty: expected ${expected}`);
  const parts = spec.split('/');
  if (parts.some((p) => p === '')) {
    throw new UsageError(`pathspec '${spec}' has an empty part: expected ${expected}`);
  }
  const got = DEPTHS[parts.length - 2];
  if (!got || (depth && got !== depth)) {
    const names = got ? `names a ${got}` : parts.length === 1 ? 'names no run' : `has ${parts.length} parts`;
    throw new UsageError(`pathspec '${spec}' ${names}: expected ${expected}`);
  }
  const [flow, run, step, task, artifact] = parts as [string, string, string?, string?, string?];
  checkFlowName(flow, spec);
  checkRunId(run, spec);
  if (step !== undefined && !isName('step', step)) {
    throw new UsageError(`pathspec '${spec}': '${step}' is not a step name (letters, digits, '_' and '-', not starting with a digit)`);
  }
  if (task !== undefined && !isTaskId(task)) {
    throw new UsageError(`pathspec '${spec}': '${task}' is not a task id (foreach indices joined by '.', like 0 or 3.1)`);
  }
  if (artifact !== undefined && !ARTIFACT.test(artifact)) {
    throw new UsageError(`pathspec '${spec}': '${artifact}' is not an artifact name`);
  }
  return {
    flow, run,
    ...(step !== undefined ? { step } : {}),
    ...(task !== undefined ? { task } : {}),
    ...(artifact !== undefined ? { artifact } : {}),
  };
}

/** `Flow/run` or a bare run id (the flow then has to be found). */
export function parseRunRef(spec: string): { flow?: string; run: string } {
  const parts = spec.split('/');
  if (parts.length === 1) {
    checkRunId(parts[0]!, spec);
    return { run: parts[0]! };
  }
  if (parts.length === 2) {
    const { flow, run } = parsePathspec(spec, 'run');
    return { flow, run };
  }
  throw new UsageError(`'${spec}' is not a run: expected a run id or Flow/run`);
}

export function checkFlowName(flow: string, spec = flow): string {
  if (!isName('flow', flow)) {
    const where = spec === flow ? '' : `pathspec '${spec}': `;
    throw new UsageError(`${where}'${flow}' is not a flow name (letters, digits, '_' and '-', not starting with a digit)`);
  }
  return flow;
}

function checkRunId(run: string, spec: string): void {
  if (!isName('run', run)) {
    const where = spec === run ? '' : `pathspec '${spec}': `;
    throw new UsageError(`${where}'${run}' is not a run id (like 20261127T174512123-a3f0)`);
  }
}

/** Orders task ids by their foreach indices as numbers: 2 before 10, 3 before 3.0 before 3.1. */
export function compareTaskIds(a: string, b: string): number {
  return compareIndices(a.split('.').map(Number), b.split('.').map(Number));
}

/** Task ids sorted by `compareTaskIds`, parsing each id once (100,000 ids sort in milliseconds). */
export function sortTaskIds(ids: readonly string[]): string[] {
  return ids
    .map((id) => ({ id, indices: id.split('.').map(Number) }))
    .sort((p, q) => compareIndices(p.indices, q.indices))
    .map((k) => k.id);
}

function compareIndices(x: readonly number[], y: readonly number[]): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]! - y[i]!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
