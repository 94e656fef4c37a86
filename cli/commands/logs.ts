/** `mesh logs Flow/run/step/task [--attempt N]`: what a task printed. */
import { InvalidArgumentError, type Command } from 'commander';
import { openTask } from '../../client/index.js';
import { withStore } from './runs.js';

export interface LogsFlags {
  store?: string;
  attempt?: number;
}

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("print a task's output (stdout and stderr), of its last attempt by default")
    .argument('<pathspec>', 'Flow/run/step/task')
    .option('--attempt <n>', 'the attempt to show, from 0', attemptNumber)
    .option('--store <dir|s3://bucket/prefix>', 'the store to read (default: MESH_STORE, then .mesh)')
    .action(async (pathspec: string, opts: LogsFlags) => {
      const text = await logsCommand(pathspec, opts);
      if (text === '') process.stderr.write(`mesh: ${pathspec} printed nothing${opts.attempt !== undefined ? ` in attempt ${opts.attempt}` : ''}\n`);
      process.stdout.write(text);
    });
}

/** The log text, ending with a newline unless empty. */
export async function logsCommand(pathspec: string, flags: LogsFlags): Promise<string> {
  return withStore(flags.store, async (store) => {
    const task = await openTask(pathspec, { store });
    const text = await task.logs(flags.attempt);
    return text === '' || text.endsWith('\n') ? text : `${text}\n`;
  });
}

function attemptNumber(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`expected an attempt number (0, 1, ...), got '${value}'`);
  }
  return Number(value);
}
