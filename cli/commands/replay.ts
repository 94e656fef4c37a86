/** `mesh replay RUN [--failed] [--step S]`: a new run cloning the earlier run's successful tasks. */
import type { Command } from 'commander';
import { UsageError } from '../../coordinator/errors.js';
import { findRun } from '../../client/index.js';
import { parseParamPairs } from '../../coordinator/params.js';
import { executeRun, withRunOptions, type RunCommandFlags } from './run.js';
import { submitRun } from '../../coordinator/mesh-client.js';
import { openBackend } from '../../store/index.js';
import { connectNats, natsOptionFlags, resolveConnection, type NatsFlags } from '../connection.js';
import { meshBackend } from './runs.js';
import { watchRun } from './mesh.js';

export function registerReplay(program: Command): void {
  natsOptionFlags(withRunOptions(program
    .command('replay')
    .description('re-run only what failed (or a step and what follows it) of an earlier run')
    .argument('<run>', 'run id, or Flow/run')
    .option('--failed', 're-execute failed tasks and what depends on them (the default)')
    .option('--step <step>', 're-execute this step and every step after it')
    .option('--partition <i,j>', 're-execute these foreach partitions (outermost index) and what depends on them')
    .option('--flow <file>', 'the flow file to run (default: the file the earlier run was started from)')))
    .action(async (runArg: string, opts: RunCommandFlags & NatsFlags & { failed?: boolean; step?: string; partition?: string; flow?: string }) => {
      if ([opts.failed, opts.step, opts.partition].filter(Boolean).length > 1) throw new UsageError('give one of --failed, --step or --partition');
      const partitions = opts.partition?.split(',').map((p) => {
        const n = Number(p);
        if (!Number.isInteger(n) || n < 0) throw new UsageError(`--partition takes indices like 3,7; got '${p}'`);
        return n;
      });
      const replay = { step: opts.step, partitions, failed: !opts.step && !partitions };
      const params = parseParamPairs(opts.param);
      if (opts.nats || process.env.MESH_NATS_URL) {
        // A mesh run is replayed on the mesh; an embedded one found through the store, embedded.
        const nc = await connectNats(resolveConnection(opts), 'mesh-replay');
        try {
          const origin = await findRun(runArg, { store: await meshBackend(nc, opts.store) });
          if (origin.runtime === 'mesh') {
            const record = await submitRun({ nc, blobs: openBackend(opts.store), file: opts.flow ?? origin.file, params, replay: { run: origin.run, ...replay } });
            if (!opts.json) process.stderr.write(`submitted ${record.flow}/${record.run} (replay of ${origin.run})\n`);
            process.exitCode = await watchRun(nc, record.flow, record.run, record.graph.order, !!opts.json);
            return;
          }
        } finally {
          await nc.close();
        }
      }
      const origin = await findRun(runArg, { store: opts.store });
      process.exitCode = await executeRun({ file: opts.flow ?? origin.file, params, replay: { run: origin.run, ...replay } }, opts);
    });
}
