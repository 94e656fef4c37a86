/**
 * The dataset operators, for flows: `import { ingest, language, secrets, ... } from 'stackmesh/ops'`.
 * A code package keeps this import (it is not bundled): it resolves to the stackmesh installed where
 * the task runs, so the operators' data and native kernels come with the runtime.
 *
 *   import { FlowSpec, step } from 'stackmesh';
 *   import { pipeline, language } from 'stackmesh/ops';
 *   const stats = new pipeline.PipelineStats();
 *   const doc = pipeline.runPipeline([language.languageStep()], { id, path, content, meta: {} }, stats);
 */
export * as pipeline from './pipeline.js';
export * as ingest from './ingest/index.js';
export * as language from './language/index.js';
export * as secrets from './secrets/index.js';
export * as optout from './optout/index.js';
export * as manifest from './manifest/index.js';
export * as license from './license/index.js';
export * as filters from './filters/index.js';
export * as dedup from './dedup/index.js';
export * as stack from './stack/index.js';
