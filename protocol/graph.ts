/**
 * The flow graph as extracted from a flow file before anything runs.
 *
 *   const graph = extractGraph(source, 'flows/fanout.ts');   // sdk/graph.ts
 *   graph.steps.sq.transition  // { type: 'linear', to: 'join' }
 *
 * Pure data: it travels inside run records and task messages.
 */

/** How a step hands over to the next ones, exactly as its one `this.next(...)` call says. */
export type Transition =
  | { type: 'linear'; to: string }
  | { type: 'split'; to: string[] }
  | { type: 'foreach'; to: string; field: string }
  | { type: 'switch'; cases: Record<string, string>; field: string }
  | { type: 'end' };

export interface GraphStep {
  name: string;
  /** 1-based line of the method's name in the flow file. */
  line: number;
  /** A join takes `inputs` (the method declares a parameter). */
  isJoin: boolean;
  transition: Transition;
  /** Steps whose transition names this one, in the order they appear in the file. */
  parents: string[];
  /** For a join: the step whose split or foreach it closes. */
  closes?: string;
  /** For a split or foreach step: the join that closes it. */
  joinedBy?: string;
  /** Number of enclosing foreach splits (0 outside any foreach). */
  foreachDepth: number;
  /** Artifact names the step assigns statically (`this.x = ...`), for validation and `mesh graph`. */
  assigns: string[];
  /** The method's doc comment, if any, for `mesh graph` and `mesh show`. */
  doc?: string;
}

export interface FlowGraph {
  /** Class name of the flow (the default export). */
  flow: string;
  /** The file the graph was read from, as given. */
  file: string;
  /** Steps in file order. */
  order: string[];
  steps: Record<string, GraphStep>;
  /** Names of `@param` fields. */
  params: string[];
}
