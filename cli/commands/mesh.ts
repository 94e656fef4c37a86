/**
 * The mesh commands: `mesh coordinator`, `mesh worker`, `mesh submit`, `mesh watch`, `mesh up`.
 * Each connects with the NATS options of cli/connection.ts and uses `--store` (or MESH_STORE) as the
 * shared content store, which must be the same for every process of a mesh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { followRun, submitRun } from '../../coordinator/mesh-client.js';
import { MeshCoordinator } from '../../coordinator/mesh-coordinator.js';
import { parseParamPairs } from '../../coordinator/params.js';
import { UsageError } from '../../coordinator/errors.js';
import { findRun } from '../../client/index.js';
import { openBackend } from '../../store/index.js';
import { MeshWorker } from '../../worker/mesh-worker.js';
import { connectNats, natsOptionFlags, resolveConnection, type NatsFlags } from '../connection.js';
import { EXIT_FAILED, EXIT_OK } from '../output.js';
import { WatchPrinter } from '../watch-printer.js';
import { collect, toInt } from './run.js';
import { meshBackend } from './runs.js';
import type { NatsConnection } from '@nats-io/transport-node';

interface MeshFlags extends NatsFlags {
  store?: string;
  replicas?: number;
}

function withMeshOptions(command: Command): Command {
  return natsOptionFlags(command)
    .option('--store <dir|s3://bucket/prefix>', 'the shared content store (default: MESH_STORE, then .mesh)')
    .option('--replicas <n>', 'stream and KV replicas when creating them (3 on a cluster)', toInt);
}

function stderrLog(who: string): (line: string) => void {
  return (line) => process.stderr.write(`${new Date().toISOString()} ${who}: ${line}\n`);
}

/**
 * Resolves on the first SIGINT or SIGTERM, or, in a process `mesh up` started, when `mesh up` is gone
 * (its IPC channel closes even when it was killed with -9): no coordinator or worker outlives it.
 */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => resolve(sig);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
    if (process.channel) {
      // The channel only watches the supervisor: it must not keep this process alive once stopped.
      process.channel.unref();
      process.once('disconnect', on('the end of mesh up'));
    }
  });
}

async function closeOnFailure<T>(nc: NatsConnection, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    await nc.close().catch(() => {});
    throw err;
  }
}

export function registerMesh(program: Command): void {
  withMeshOptions(program.command('coordinator').description('run a coordinator: plans tasks and records results (run any number)'))
    .option('--concurrency <n>', 'control messages handled at once', toInt)
    .action(async (opts: MeshFlags & { concurrency?: number }) => {
      const nc = await connectNats(resolveConnection(opts), 'mesh-coordinator');
      const log = stderrLog('coordinator');
      // A start-up failure must end the process (so a supervisor restarts it), not leave it connected.
      const c = await closeOnFailure(nc, () => MeshCoordinator.start({ nc, blobs: openBackend(opts.store), replicas: opts.replicas, concurrency: opts.concurrency, log }));
      log(`ready (store ${openBackend(opts.store).url})`);
      const sig = await untilSignal();
      log(`${sig}: finishing what is in hand`);
      await c.stop();
      await nc.drain();
    });

  withMeshOptions(program.command('worker').description('run a worker: runs tasks of its pool in a thread pool'))
    .option('--concurrency <n>', 'pool threads (default: number of cores)', toInt)
    .option('--pool <name>', 'take tasks of this pool (@resources({ pool }))', 'default')
    .action(async (opts: MeshFlags & { concurrency?: number; pool: string }) => {
      const nc = await connectNats(resolveConnection(opts), `mesh-worker-${opts.pool}`);
      const log = stderrLog(`worker ${process.pid}`);
      const w = await closeOnFailure(nc, () => MeshWorker.start({ nc, blobs: openBackend(opts.store), pool: opts.pool, concurrency: opts.concurrency, replicas: opts.replicas, log }));
      log(`ready (pool ${opts.pool})`);
      const sig = await untilSignal();
      log(`${sig}: draining`);
      await w.stop();
      await nc.drain();
    });

  withMeshOptions(program.command('submit').description('submit a flow to the mesh and print its run id'))
    .argument('<flow>', 'the flow file')
    .option('--param <name=value>', 'set a parameter (repeatable)', collect, [])
    .option('--wait', 'follow the run until it ends; exit 0 if it succeeds, 1 if it fails')
    .option('--json', 'with --wait: one JSON event per line')
    .action(async (flow: string, opts: MeshFlags & { param: string[]; wait?: boolean; json?: boolean }) => {
      const nc = await connectNats(resolveConnection(opts), 'mesh-submit');
      try {
        const record = await submitRun({ nc, blobs: openBackend(opts.store), file: flow, params: parseParamPairs(opts.param), replicas: opts.replicas });
        if (!opts.wait) {
          process.stdout.write(`${record.flow}/${record.run}\n`);
          return;
        }
        if (!opts.json) process.stderr.write(`submitted ${record.flow}/${record.run}\n`);
        process.exitCode = await watchRun(nc, record.flow, record.run, record.graph.order, !!opts.json);
      } finally {
        await nc.close();
      }
    });

  withMeshOptions(program.command('watch').description('follow a mesh run live (started before, during or after it)'))
    .argument('<run>', 'Flow/run, or a run id')
    .option('--json', 'one JSON event per line')
    .action(async (spec: string, opts: MeshFlags & { json?: boolean }) => {
      const nc = await connectNats(resolveConnection(opts), 'mesh-watch');
      try {
        const backend = await meshBackend(nc, opts.store);
        const record = await findRun(spec, { store: backend });
        process.exitCode = await watchRun(nc, record.flow, record.run, record.graph.order, !!opts.json);
      } finally {
        await nc.close();
      }
    });

  natsOptionFlags(program.command('up').description('a coordinator and N workers on this machine, for a quick start'))
    .option('--workers <n>', 'worker processes', toInt, 2)
    .option('--concurrency <n>', 'threads per worker (default: the cores shared among the workers)', toInt)
    .option('--store <dir|s3://bucket/prefix>', 'the shared content store (default: MESH_STORE, then .mesh)')
    .action(async (opts: NatsFlags & { workers: number; concurrency?: number; store?: string }) => {
      resolveConnection(opts); // validate before starting anything
      const cli = fileURLToPath(new URL('../index.js', import.meta.url));
      const pass = process.argv.slice(3).filter((a, i, all) => !['--workers', '--concurrency'].includes(a) && !['--workers', '--concurrency'].includes(all[i - 1] ?? ''));
      const children: ChildProcess[] = [];
      const start = (args: string[]) => {
        // The IPC channel tells the child when this process is gone, however it ended (untilSignal).
        const child = spawn(process.execPath, [...process.execArgv, cli, ...args, ...pass], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
        children.push(child);
        return child;
      };
      start(['coordinator']);
      // The workers share this machine: together they run a thread per core, not a thread per core each.
      const threads = opts.concurrency ?? Math.max(1, Math.ceil(availableParallelism() / opts.workers));
      for (let i = 0; i < opts.workers; i++) start(['worker', '--concurrency', String(threads)]);
      const exited = Promise.all(children.map((c) => new Promise<void>((r) => c.once('exit', () => r()))));
      const first = await Promise.race([untilSignal().then(() => 'signal'), exited.then(() => 'exit')]);
      if (first === 'signal') for (const c of children) c.kill('SIGTERM');
      await exited;
    });
}

export async function watchRun(nc: NatsConnection, flow: string, run: string, order: string[], json: boolean): Promise<number> {
  const printer = json ? undefined : new WatchPrinter(process.stdout, order);
  const final = await followRun({
    nc, flow, run,
    onEvent: (e) => {
      if (json) {
        if (e.type !== 'task.log') process.stdout.write(`${JSON.stringify(e)}\n`);
      } else printer!.event(e);
    },
    onUndecodable: (seq, err) => process.stderr.write(`mesh: event ${seq} passed over: ${err.message}\n`),
  });
  if (!final) throw new UsageError(`run ${flow}/${run} disappeared`);
  return final.status === 'succeeded' ? EXIT_OK : EXIT_FAILED;
}
