/**
 * Reading runs back, embedded or mesh, like Metaflow's client. Lazy: constructing reads nothing,
 * a listing reads names, and artifact values load only on `value()`.
 *
 *   import { Flow, findRun } from 'stackmesh';
 *
 *   const flow = new Flow('Fanout', { store: '.mesh' });   // or s3://bucket/prefix; default MESH_STORE
 *   const run = await flow.latestRun();
 *   console.log(run?.status, run?.params);
 *   for (const step of run!.steps()) {
 *     for await (const task of step.tasks()) {            // records read 32 at a time, in order
 *       if (!task.successful) console.log(task.pathspec, task.error, await task.logs());
 *     }
 *   }
 *   const total = await run!.step('join').task('0').then((t) => t.artifact('total').value());
 *   const record = await findRun('20261127T174512123-a3f0');   // bare id: searched in every flow
 */
export { Artifact } from './artifact.js';
export { findRun, openArtifact, openRun, openTask } from './find.js';
export { Flow, listFlows, listRuns } from './flow.js';
export { compareTaskIds, parsePathspec, parseRunRef, type Pathspec, type PathspecDepth } from './pathspec.js';
export { Run } from './run.js';
export { Step, type StepSummary } from './step.js';
export { DEFAULT_CONCURRENCY, type ClientOptions } from './store.js';
export { Task } from './task.js';
export { NotFoundError, UsageError } from '../coordinator/errors.js';
