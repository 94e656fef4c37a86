/**
 * Run events, one JSON object per line with `--json` (`mesh run`, `mesh watch`). The last event of
 * a finished run is `run.finished` with its status.
 */
import type { RunStatus } from './records.js';

export type RunEvent =
  | { type: 'run.started'; flow: string; run: string; file: string; params: Record<string, unknown>; store: string; origin?: string; time: string }
  | { type: 'task.started'; flow: string; run: string; step: string; task: string; attempt: number; time: string }
  | { type: 'task.finished'; flow: string; run: string; step: string; task: string; attempt: number; status: 'succeeded' | 'cloned'; caught?: boolean; durationMs: number; time: string }
  | { type: 'task.failed'; flow: string; run: string; step: string; task: string; attempt: number; error: string; errorName: string; willRetry: boolean; time: string }
  | { type: 'run.finished'; flow: string; run: string; status: Exclude<RunStatus, 'running'>; failed: string[]; tasks: TaskCounts; durationMs: number; time: string };

export interface TaskCounts {
  succeeded: number;
  failed: number;
  cloned: number;
}
