/**
 * What decorators record about a flow class, stored under a well-known symbol in the class's
 * decorator metadata. The runtime reads it through `Symbol.for` keys only, so a flow bundled with its
 * own copy of this SDK talks to any runtime that speaks the same version.
 */

export const FLOW_META = Symbol.for('stackmesh.v1.flow');
/** The task context a runtime binds on a flow instance before calling a step. */
export const TASK_CONTEXT = Symbol.for('stackmesh.v1.task');

export type ParamType = 'string' | 'number' | 'boolean' | 'json';

export interface ParamOptions<T = unknown> {
  default?: T;
  required?: boolean;
  help?: string;
  type?: ParamType;
}

export interface RetryOptions { times: number; delayMs?: number }
export interface TimeoutOptions { seconds: number }
export interface CatchOptions { var: string }
export interface ResourceOptions { cpu?: number; memoryMb?: number; pool?: string }

export interface StepMeta {
  /** True once `@step` was applied; other decorators on a method without it are an error. */
  isStep: boolean;
  retry?: RetryOptions;
  timeout?: TimeoutOptions;
  catchErrors?: CatchOptions;
  resources?: ResourceOptions;
}

export interface FlowMeta {
  steps: Record<string, StepMeta>;
  params: Record<string, ParamOptions>;
  /** Problems found while decorating, reported when the flow is loaded. */
  problems: string[];
}

type Metadata = Record<PropertyKey, unknown>;

/** The class's own FlowMeta, created on first use (copying what a base flow class declared). */
export function flowMetaOf(metadata: Metadata | undefined): FlowMeta {
  if (!metadata) {
    throw new Error('stackmesh decorators need TC39 decorator metadata (compile flows with esbuild or TypeScript 5.2+)');
  }
  if (Object.prototype.hasOwnProperty.call(metadata, FLOW_META)) return metadata[FLOW_META] as FlowMeta;
  const inherited = metadata[FLOW_META] as FlowMeta | undefined;
  const own: FlowMeta = {
    steps: Object.fromEntries(Object.entries(inherited?.steps ?? {}).map(([k, v]) => [k, { ...v }])),
    params: { ...(inherited?.params ?? {}) },
    problems: [...(inherited?.problems ?? [])],
  };
  metadata[FLOW_META] = own;
  return own;
}

/** Reads the metadata a flow class carries (undefined when it has none). */
export function readFlowMeta(cls: object): FlowMeta | undefined {
  const key = (Symbol as { metadata?: symbol }).metadata ?? Symbol.for('Symbol.metadata');
  const metadata = (cls as Record<symbol, Metadata | undefined>)[key];
  return metadata?.[FLOW_META] as FlowMeta | undefined;
}
