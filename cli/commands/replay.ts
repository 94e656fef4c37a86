/** `mesh replay RUN [--failed] [--step S]`: a new run cloning the earlier run's successful tasks. */
import type { Command } from 'commander';
import { UsageError } from '../../coordinator/errors.js';
import { findRun } from '../../client/index.js';
import { collect, executeRun, toInt, type RunCommandFlags } from './run.js';

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('re-run only what failed (or a step and what follows it) of an earlier run')
    .argument('<run>', 'run id, or Flow/run')
    .option('--failed', 're-execute failed tasks and what depends on them (the default)')
    .option('--step <step>', 're-execute this step and every step after it')
    .option('--flow <file>', 'the flow file to run (default: the file the earlier run was started from)')
    .option('--param <name=value>', 'override a parameter (repeatable)', collect, [])
    .option('--store <dir|s3://bucket/prefix>', 'the store holding the earlier run')
    .option('--max-workers <n>', 'pool threads (default: number of cores)', toInt)
    .option('--json', 'print one JSON event per line')
    .option('--quiet', 'do not show what tasks print')
    .action(async (runArg: string, opts: RunCommandFlags & { failed?: boolean; step?: string; flow?: string }) => {
      if (opts.failed && opts.step) throw new UsageError('give --failed or --step, not both');
      const origin = await findRun(runArg, { store: opts.store });
      const params = Object.fromEntries(opts.param.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
      process.exitCode = await executeRun({
        file: opts.flow ?? origin.file,
        params,
        replay: { run: origin.run, step: opts.step, failed: !opts.step },
      }, opts);
    });
}
