/**
 * What a flow file imports.
 *
 *   import { FlowSpec, step, param, Inputs, retry, timeout, catchErrors, resources } from 'stackmesh';
 *
 *   export default class Fanout extends FlowSpec {
 *     @param({ default: 100 }) n!: number;
 *     @step start() { this.items = [...Array(this.n).keys()]; this.next(this.sq, { foreach: 'items' }); }
 *     ...
 *   }
 *
 * This module has no I/O and is bundled into every code package.
 */
export { FlowSpec } from './flowspec.js';
export type { Inputs, InputView, NextOptions } from './flowspec.js';
export { step, param, retry, timeout, catchErrors, resources } from './decorators.js';
export type {
  ParamOptions, ParamType, RetryOptions, TimeoutOptions, CatchOptions, ResourceOptions,
} from './meta.js';
export type { CurrentTask, MergeOptions } from './context.js';
