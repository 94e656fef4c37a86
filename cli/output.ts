/** How the CLI talks to people: one clear line per error, progress that does not flood. */
import type { RunEvent } from '../protocol/events.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Errors that mean the input was wrong (exit 2) rather than the run failing (exit 1). */
const USAGE_ERRORS = new Set(['UsageError', 'ParamError', 'InvalidFlowError', 'CommanderError', 'InvalidKeyError']);

export function exitCodeFor(err: unknown): number {
  return err instanceof Error && USAGE_ERRORS.has(err.name) ? EXIT_USAGE : EXIT_FAILED;
}

export function describeError(err: unknown, verbose: boolean): string {
  if (!(err instanceof Error)) return String(err);
  if (verbose) return err.stack ?? err.message;
  return err.message.split('\n')[0]!;
}

/**
 * Human progress for `mesh run` / `mesh watch`: a line per task for small steps, and for steps with
 * many partitions a progress line per step at most once a second.
 */
export class ProgressPrinter {
  private readonly perStep = new Map<string, { done: number; failed: number; lastPrint: number }>();
  private readonly many = 20;

  constructor(private readonly write: (line: string) => void, private readonly planned: (step: string) => number | undefined) {}

  event(e: RunEvent): void {
    const ts = e.time.slice(11, 19);
    switch (e.type) {
      case 'run.started':
        this.write(`${ts} ${e.flow}/${e.run} started (store ${e.store})`);
        return;
      case 'task.started':
        return;
      case 'task.finished':
      case 'task.failed': {
        const s = this.perStep.get(e.step) ?? { done: 0, failed: 0, lastPrint: 0 };
        this.perStep.set(e.step, s);
        if (e.type === 'task.finished') s.done++;
        else if (!e.willRetry) s.failed++;
        const total = this.planned(e.step);
        if (e.type === 'task.failed') {
          this.write(`${ts} ${e.step}/${e.task} attempt ${e.attempt} failed: ${e.error}${e.willRetry ? ' (will retry)' : ''}`);
          return;
        }
        if (total !== undefined && total > this.many) {
          const now = Date.now();
          if (now - s.lastPrint >= 1000 || s.done + s.failed === total) {
            s.lastPrint = now;
            this.write(`${ts} ${e.step}: ${s.done}/${total} done${s.failed ? `, ${s.failed} failed` : ''}`);
          }
          return;
        }
        this.write(`${ts} ${e.step}/${e.task} ${e.status}${e.caught ? ' (error caught)' : ''} in ${e.durationMs} ms`);
        return;
      }
      case 'run.finished': {
        const t = e.tasks;
        this.write(`${ts} ${e.flow}/${e.run} ${e.status} in ${(e.durationMs / 1000).toFixed(1)} s (${t.succeeded} succeeded, ${t.cloned} cloned, ${t.failed} failed)`);
        for (const f of e.failed.slice(0, 20)) this.write(`  failed: ${f}`);
        if (e.failed.length > 20) this.write(`  ... and ${e.failed.length - 20} more (mesh show ${e.flow}/${e.run})`);
        return;
      }
    }
  }
}
