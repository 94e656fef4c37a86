/**
 * Everything before a run's first task, shared by `mesh run` and `mesh submit`: bundle and store the
 * code package, load it once in a pool thread to read its decorators, check them against the graph,
 * resolve parameters, store them, and build the run record. Any problem here creates no run.
 */
import { packValue } from '../protocol/artifacts.js';
import { newRunId } from '../protocol/keys.js';
import type { RunRecord } from '../protocol/records.js';
import { InvalidFlowError } from '../sdk/errors.js';
import type { FlowMeta } from '../sdk/meta.js';
import type { ContentStore, MetadataStore } from '../store/index.js';
import type { TaskPool } from '../worker/pool.js';
import { packageFlow } from './code-package.js';
import { checkFlowMeta } from './flow-check.js';
import { resolveParams } from './params.js';
import { ReplayPlan, type ReplayRequest } from './replay.js';

export interface PrepareOptions {
  file: string;
  cwd: string;
  params?: Record<string, unknown>;
  replay?: ReplayRequest;
  runtime: RunRecord['runtime'];
  cas: ContentStore;
  meta: MetadataStore;
  /** A pool whose bridge serves blobs from `cas`; used to load the flow once. */
  pool: TaskPool;
}

export interface PreparedRun {
  record: RunRecord;
  flowMeta: FlowMeta;
  replay?: ReplayPlan;
}

export async function prepareRun(o: PrepareOptions): Promise<PreparedRun> {
  const pkg = await packageFlow(o.file, o.cwd);
  const code = await o.cas.put(pkg.bytes);
  let flowMeta: FlowMeta;
  try {
    const inspected = await o.pool.inspect(code);
    checkFlowMeta(pkg.graph, inspected.className, inspected.meta);
    flowMeta = inspected.meta;
  } catch (err) {
    throw loadError(o.file, err);
  }
  let replay: ReplayPlan | undefined;
  let params: Record<string, unknown>;
  if (o.replay) {
    replay = await ReplayPlan.load(o.meta, pkg.graph, o.replay);
    params = o.params && Object.keys(o.params).length > 0 ? resolveParams(flowMeta.params, o.params) : replay.origin.params;
  } else {
    params = resolveParams(flowMeta.params, o.params ?? {});
  }
  const paramArtifacts: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) paramArtifacts[name] = await o.cas.put(packValue(value));
  const steps: RunRecord['steps'] = {};
  for (const [name, s] of Object.entries(flowMeta.steps)) {
    const { isStep: _ignored, ...options } = s;
    if (Object.keys(options).length > 0) steps[name] = options;
  }
  const record: RunRecord = {
    schema: 'mesh.v1.run', flow: pkg.graph.flow, run: newRunId(), status: 'running', code, file: o.file,
    graph: pkg.graph, params, paramArtifacts, steps, createdAt: new Date().toISOString(), runtime: o.runtime,
    user: process.env.USER,
    ...(replay ? { origin: replay.describe() } : {}),
  };
  return { record, flowMeta, replay };
}

/** A flow that throws while its module loads is an invalid flow: say where, in the flow file's lines. */
function loadError(file: string, err: unknown): unknown {
  if (err instanceof InvalidFlowError || !(err instanceof Error)) return err;
  const frame = /[(\s]([^()\s]+\.[cm]?tsx?):(\d+):\d+/.exec(err.stack ?? '');
  const message = err.message.split('\n')[0];
  return new InvalidFlowError(`cannot load the flow: ${message}`, { file, line: frame ? Number(frame[2]) : undefined, cause: err });
}
