/**
 * Shows a flow graph to a person: as aligned text for the terminal (`mesh graph`) or as Graphviz
 * DOT (`mesh graph --dot | dot -Tsvg > flow.svg`).
 *
 *   Fanout  flows/fanout.ts
 *   params: n
 *
 *   start              --foreach(items)-->  sq    // Make the partitions.
 *   sq                 -->  join
 *   join (joins start) -->  end
 *   end
 */
import type { FlowGraph, GraphStep, Transition } from '../protocol/graph.js';
import { topologicalOrder } from './graph.js';

function arrow(t: Transition): string {
  switch (t.type) {
    case 'linear': return `-->  ${t.to}`;
    case 'split': return `--split-->  ${t.to.join(', ')}`;
    case 'foreach': return `--foreach(${t.field})-->  ${t.to}`;
    case 'switch': return `--switch(${t.field})-->  ${Object.entries(t.cases).map(([k, v]) => `${k}: ${v}`).join(', ')}`;
    case 'end': return '';
  }
}

function label(s: GraphStep): string {
  if (!s.isJoin) return s.name;
  return s.closes ? `${s.name} (joins ${s.closes})` : `${s.name} (join)`;
}

function firstLine(doc: string | undefined): string {
  return doc?.split('\n').find((l) => l.trim())?.trim() ?? '';
}

/** One line per step in topological order: the step (joins marked), its transition, its doc's first line. */
export function renderText(graph: FlowGraph): string {
  const rows = topologicalOrder(graph).map((name) => {
    const s = graph.steps[name]!;
    return { left: label(s), arrow: arrow(s.transition), doc: firstLine(s.doc) };
  });
  const leftWidth = Math.max(...rows.map((r) => r.left.length));
  const arrowWidth = Math.max(...rows.map((r) => r.arrow.length));
  const lines = [`${graph.flow}  ${graph.file}`];
  if (graph.params.length > 0) lines.push(`params: ${graph.params.join(', ')}`);
  lines.push('');
  for (const r of rows) {
    let line = r.left;
    if (r.arrow || r.doc) line = `${line.padEnd(leftWidth)}  ${r.arrow.padEnd(arrowWidth)}`;
    if (r.doc) line += `  // ${r.doc}`;
    lines.push(line.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function attrs(pairs: Record<string, string | undefined>): string {
  const set = Object.entries(pairs).filter((p): p is [string, string] => p[1] !== undefined);
  return set.length ? ` [${set.map(([k, v]) => `${k}=${quote(v)}`).join(', ')}]` : '';
}

/**
 * Graphviz DOT: steps are boxes, joins inverted houses; foreach edges are bold and labelled with
 * the field, switch edges with their case names; a step's doc is its tooltip.
 */
export function renderDot(graph: FlowGraph): string {
  const out = [
    `digraph ${quote(graph.flow)} {`,
    `  label=${quote(`${graph.flow} (${graph.file})`)}; labelloc="t";`,
    '  node [shape="box", style="rounded", fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize="10"];',
  ];
  const order = topologicalOrder(graph);
  for (const name of order) {
    const s = graph.steps[name]!;
    const shape = s.isJoin ? 'invhouse' : name === 'start' || name === 'end' ? 'oval' : undefined;
    out.push(`  ${quote(name)}${attrs({ shape, tooltip: s.doc })};`);
  }
  for (const name of order) {
    const t = graph.steps[name]!.transition;
    const edge = (to: string, a: Record<string, string | undefined> = {}): void => {
      out.push(`  ${quote(name)} -> ${quote(to)}${attrs(a)};`);
    };
    if (t.type === 'linear') edge(t.to);
    else if (t.type === 'split') t.to.forEach((to) => edge(to));
    else if (t.type === 'foreach') edge(t.to, { label: `foreach ${t.field}`, style: 'bold' });
    else if (t.type === 'switch') {
      for (const [c, to] of Object.entries(t.cases)) edge(to, { label: `${t.field} = ${c}`, style: 'dashed' });
    }
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
