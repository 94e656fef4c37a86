/** `mesh graph FLOW [--dot]`: prints the DAG without running anything. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { extractGraph } from '../../sdk/graph.js';
import { renderDot, renderText } from '../../sdk/graph-render.js';
import { InvalidFlowError } from '../../sdk/errors.js';

export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description('print the flow graph as text, or as Graphviz with --dot')
    .argument('<flow>', 'the flow file')
    .option('--dot', 'print Graphviz dot')
    .action(async (flow: string, opts: { dot?: boolean }) => {
      let source: string;
      try {
        source = await readFile(flow, 'utf8');
      } catch (err) {
        throw new InvalidFlowError('no such file', { file: flow, cause: err });
      }
      const graph = extractGraph(source, flow);
      process.stdout.write(opts.dot ? renderDot(graph) : renderText(graph));
      if (!(opts.dot ? renderDot(graph) : renderText(graph)).endsWith('\n')) process.stdout.write('\n');
    });
}
