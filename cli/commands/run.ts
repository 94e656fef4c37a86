/** `mesh run FLOW`: runs a flow embedded, in this process. */
import type { Command } from 'commander';
import { startEmbeddedRun, type EmbeddedRun, type EmbeddedRunOptions } from '../../coordinator/embedded.js';
import { parseParamPairs } from '../../coordinator/params.js';
import { EXIT_FAILED, EXIT_OK } from '../output.js';
import { logPrinter, newPrinter, printEvent, type RunFlags } from './follow.js';

export interface RunCommandFlags extends RunFlags {
  param: string[];
  maxWorkers?: number;
}

export function registerRun(program: Command): void {
  withRunOptions(program
    .command('run')
    .description('run a flow on this machine (no NATS, no S3 needed)')
    .argument('<flow>', 'the flow file, e.g. examples/fanout/flow.ts'))
    .action(async (flow: string, opts: RunCommandFlags) => {
      process.exitCode = await executeRun({ file: flow, params: parseParamPairs(opts.param) }, opts);
    });
}

/** The options `mesh run` and `mesh replay` share. */
export function withRunOptions(command: Command): Command {
  return command
    .option('--param <name=value>', 'set a parameter (repeatable)', collect, [])
    .option('--store <dir|s3://bucket/prefix>', 'where artifacts and records go (default: MESH_STORE, then .mesh)')
    .option('--max-workers <n>', 'pool threads (default: number of cores)', toInt)
    .option('--json', 'print one JSON event per line')
    .option('--quiet', 'do not show what tasks print');
}

/** Starts an embedded run (or replay), prints it as it goes, and returns the exit code. */
export async function executeRun(options: EmbeddedRunOptions, flags: RunCommandFlags): Promise<number> {
  let run: EmbeddedRun | undefined;
  const printer = newPrinter((s) => run?.planned(s));
  run = await startEmbeddedRun({
    ...options, store: flags.store, maxWorkers: flags.maxWorkers,
    onLog: logPrinter(flags),
    onEvent: (e) => printEvent(e, flags, printer),
  });
  const record = await run.wait();
  return record.status === 'succeeded' ? EXIT_OK : EXIT_FAILED;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function toInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, got '${value}'`);
  return n;
}
