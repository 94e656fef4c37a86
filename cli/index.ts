#!/usr/bin/env node
/**
 * The `mesh` command. Thin: each command parses its arguments, calls the library and prints;
 * this file maps errors to exit codes (0 ok, 1 run failed or runtime error, 2 usage / invalid flow).
 */
import { Command, CommanderError } from 'commander';
import { registerDataset } from './commands/dataset.js';
import { registerGet } from './commands/get.js';
import { registerGraph } from './commands/graph.js';
import { registerLogs } from './commands/logs.js';
import { registerMesh } from './commands/mesh.js';
import { registerOptOut } from './commands/optout.js';
import { registerReplay } from './commands/replay.js';
import { registerRun } from './commands/run.js';
import { registerRuns } from './commands/runs.js';
import { registerShow } from './commands/show.js';
import { describeError, EXIT_USAGE, exitCodeFor } from './output.js';

// The AWS SDK warns on every start that future releases need a newer Node; say it once in the README instead.
process.env.AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING ??= '1';

export function buildProgram(): Command {
  const program = new Command('mesh')
    .description('stackmesh: flows as code, embedded or over NATS JetStream')
    .option('--verbose', 'show stack traces')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerRun(program);
  registerReplay(program);
  registerMesh(program);
  registerGraph(program);
  registerRuns(program);
  registerShow(program);
  registerLogs(program);
  registerGet(program);
  registerOptOut(program);
  registerDataset(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed the problem (or help/version, with exit code 0).
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    const verbose = program.opts<{ verbose?: boolean }>().verbose === true;
    process.stderr.write(`mesh: ${describeError(err, verbose)}\n`);
    process.exitCode = exitCodeFor(err);
  }
}

await main(process.argv);
