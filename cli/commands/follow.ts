/** Printing a run as it goes, shared by `mesh run` and `mesh replay`. */
import type { RunEvent } from '../../protocol/events.js';
import { ProgressPrinter } from '../output.js';

export interface RunFlags {
  store?: string;
  json?: boolean;
  quiet?: boolean;
}

export function printEvent(e: RunEvent, flags: RunFlags, printer: ProgressPrinter): void {
  if (flags.json) process.stdout.write(`${JSON.stringify(e)}\n`);
  else printer.event(e);
}

/** Task output, prefixed with its task, line by line; on stderr with --json so stdout stays JSON. */
export function logPrinter(flags: RunFlags): ((task: string, stream: 'stdout' | 'stderr', text: string) => void) | undefined {
  if (flags.quiet) return undefined;
  const partial = new Map<string, string>();
  return (task, stream, text) => {
    const key = `${task}\0${stream}`;
    const lines = ((partial.get(key) ?? '') + text).split('\n');
    partial.set(key, lines.pop()!);
    const out = flags.json || stream === 'stderr' ? process.stderr : process.stdout;
    for (const line of lines) out.write(`[${task}] ${line}\n`);
  };
}

export function newPrinter(planned: (step: string) => number | undefined): ProgressPrinter {
  return new ProgressPrinter((l) => process.stdout.write(`${l}\n`), planned);
}
