/** `mesh replay RUN [--failed] [--step S]`: a new run cloning the earlier run's successful tasks. */
import type { Command } from 'commander';
import { UsageError } from '../../coordinator/errors.js';
import { findRun } from '../../client/index.js';
import { parseParamPairs } from '../../coordinator/params.js';
import { executeRun, withRunOptions, type RunCommandFlags } from './run.js';

export function registerReplay(program: Command): void {
  withRunOptions(program
    .command('replay')
    .description('re-run only what failed (or a step and what follows it) of an earlier run')
    .argument('<run>', 'run id, or Flow/run')
    .option('--failed', 're-execute failed tasks and what depends on them (the default)')
    .option('--step <step>', 're-execute this step and every step after it')
    .option('--flow <file>', 'the flow file to run (default: the file the earlier run was started from)'))
    .action(async (runArg: string, opts: RunCommandFlags & { failed?: boolean; step?: string; flow?: string }) => {
      if (opts.failed && opts.step) throw new UsageError('give --failed or --step, not both');
      const origin = await findRun(runArg, { store: opts.store });
      const params = parseParamPairs(opts.param);
      process.exitCode = await executeRun({
        file: opts.flow ?? origin.file,
        params,
        replay: { run: origin.run, step: opts.step, failed: !opts.step },
      }, opts);
    });
}
