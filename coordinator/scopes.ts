/**
 * Where each step sits among the splits of its flow: the innermost split it is inside, the join that
 * closes it, and (inside a static branch) which branch. A task's arrival at a join, and a failure that
 * must travel to the enclosing join, are both placed with this.
 */
import type { FlowGraph } from '../protocol/graph.js';

export interface Scope {
  /** The join closing the innermost split around the step. */
  join: string;
  kind: 'split' | 'foreach';
  /** For a static split: the branch (index in the split's targets) the step is on. */
  branch: number;
  /** How many arrivals the join expects from a static split. */
  branches: number;
}

/** Innermost scope of every step; steps outside any split are absent. */
export function scopesOf(graph: FlowGraph): Map<string, Scope[]> {
  const out = new Map<string, Scope[]>();
  const visit = (step: string, stack: Scope[]): void => {
    if (out.has(step)) return;
    out.set(step, stack);
    const node = graph.steps[step]!;
    const t = node.transition;
    const onward = (to: string, s: Scope[]) => {
      const target = graph.steps[to]!;
      // Entering a join leaves the split it closes.
      visit(to, target.isJoin ? s.slice(0, -1) : s);
    };
    switch (t.type) {
      case 'linear':
        onward(t.to, stack);
        break;
      case 'switch':
        for (const to of Object.values(t.cases)) onward(to, stack);
        break;
      case 'split':
        t.to.forEach((to, i) => onward(to, [...stack, { join: node.joinedBy!, kind: 'split', branch: i, branches: t.to.length }]));
        break;
      case 'foreach':
        onward(t.to, [...stack, { join: node.joinedBy!, kind: 'foreach', branch: 0, branches: 0 }]);
        break;
      case 'end':
        break;
    }
  };
  visit('start', []);
  return out;
}

/** Where a task of `step` with foreach indices `foreach` arrives at its scope's join. */
export function arrivalOf(scope: Scope, foreach: readonly number[]): { stack: number[]; position: number } {
  if (scope.kind === 'foreach') return { stack: foreach.slice(0, -1), position: foreach[foreach.length - 1]! };
  return { stack: [...foreach], position: scope.branch };
}
