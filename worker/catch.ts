/** @catchErrors, the same embedded and on the mesh. */
import { encodeBlob, pickInline } from '../protocol/cas.js';
import { packValue } from '../protocol/artifacts.js';
import type { ResolvedNext, TaskResult, TaskSpec } from '../protocol/task.js';

/** @catchErrors: the failure becomes an artifact and the flow takes the step's static transition. */
export function catchFailure(spec: TaskSpec, failed: TaskResult, variable: string): TaskResult {
  const t = spec.transition;
  let next: ResolvedNext | undefined;
  if (t.type === 'linear') next = { steps: [t.to] };
  else if (t.type === 'split') next = { steps: [...t.to] };
  else if (t.type !== 'end') return failed; // a foreach or switch cannot go on without its value
  const e = failed.error!;
  // Name and message only: a stack names paths of this machine, and the same failure must give the
  // same digest everywhere. The stack is in the attempt's log.
  const { digest, stored } = encodeBlob(packValue({ name: e.name, message: e.message }));
  const artifacts = { ...spec.inherit, ...spec.params, [variable]: digest };
  const inline = pickInline(spec.inline, Object.values(artifacts));
  return { ...failed, ok: true, caught: true, next, artifacts, blobs: [[digest, stored]], ...(inline ? { inline } : {}) };
}

