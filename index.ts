/**
 * stackmesh: flows as code, run embedded or over NATS JetStream.
 *
 *   // flow.ts — what a flow imports
 *   import { FlowSpec, step, param } from 'stackmesh';
 *
 *   // running and reading runs from code
 *   import { Runner, Flow } from 'stackmesh';
 *   const run = await new Runner('flow.ts', { params: { n: 5 } }).run();
 *   await run.wait();
 *   const total = await (await new Flow('Fanout').latestRun())!.step('join').task('0').then((t) => t.artifact('total').value());
 */
export * from './sdk/index.js';
export { Runner, ExecutingRun, type RunnerOptions } from './coordinator/runner.js';
export {
  Artifact, Flow, Run, Step, Task, findRun, listFlows, listRuns, parsePathspec,
  NotFoundError, UsageError, type ClientOptions, type Pathspec,
} from './client/index.js';
export { InvalidFlowError, StepUsageError, ArtifactError } from './sdk/errors.js';
export { ParamError } from './coordinator/errors.js';
export type { RunEvent, TaskCounts } from './protocol/events.js';
export type { RunRecord, TaskRecord, AttemptRecord, RunStatus, TaskStatus } from './protocol/records.js';
export type { FlowGraph, GraphStep, Transition } from './protocol/graph.js';
