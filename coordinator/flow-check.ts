/**
 * Checks that what the decorators recorded at run time agrees with the graph read from the source:
 * the same steps, options only on steps, parameters whose defaults fit their types, no problems left
 * by the decorators.
 */
import type { FlowGraph } from '../protocol/graph.js';
import { InvalidFlowError } from '../sdk/errors.js';
import type { FlowMeta } from '../sdk/meta.js';
import { paramProblem } from './params.js';

export function checkFlowMeta(graph: FlowGraph, className: string, meta: FlowMeta): void {
  const file = graph.file;
  if (meta.problems.length > 0) throw new InvalidFlowError(meta.problems[0]!, { file });
  if (className && className !== graph.flow) {
    throw new InvalidFlowError(`the default export is class '${className}', but the file declares '${graph.flow}'`, { file });
  }
  for (const [name, step] of Object.entries(meta.steps)) {
    const line = graph.steps[name]?.line;
    if (!step.isStep) {
      const which = ['retry', 'timeout', 'catchErrors', 'resources'].filter((k) => k in step).map((k) => `@${k}`).join(', ');
      throw new InvalidFlowError(`${which || 'a step decorator'} on '${name}', which is not a @step`, { file, step: name, line });
    }
    if (!graph.steps[name]) throw new InvalidFlowError(`@step '${name}' is not declared in the flow file (steps in base classes are not supported)`, { file, step: name });
  }
  for (const [name, spec] of Object.entries(meta.params)) {
    const problem = paramProblem(name, spec);
    if (problem) throw new InvalidFlowError(problem, { file });
  }
  for (const name of graph.order) {
    if (!meta.steps[name]?.isStep) {
      throw new InvalidFlowError('is not registered as a step at run time (was @step imported from stackmesh?)', { file, step: name, line: graph.steps[name]!.line });
    }
  }
}
