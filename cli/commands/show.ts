/**
 * `mesh show RUN`: a run's header, then per step the task counts by status and durations; each
 * task of a small step, and only the failed ones of a large step (a foreach of 100,000 tasks).
 */
import type { Command } from 'commander';
import { openRun, type Run, type Step, type StepSummary, type Task } from '../../client/index.js';
import { formatDuration, formatTime, renderTable, withStore } from './runs.js';

/** Steps with at most this many tasks list every task. */
export const LIST_TASKS_UP_TO = 20;
/** At most this many failed tasks are listed per step (and in the header); --json lists all. */
const LIST_FAILED_UP_TO = 20;

export interface ShowFlags {
  store?: string;
  json?: boolean;
}

export function registerShow(program: Command): void {
  program
    .command('show')
    .description('summarize a run: status, parameters, and its steps and tasks')
    .argument('<run>', 'Flow/run, or a run id')
    .option('--store <dir|s3://bucket/prefix>', 'the store to read (default: MESH_STORE, then .mesh)')
    .option('--json', 'print one JSON object per line: the run, then each step and its listed tasks')
    .action(async (run: string, opts: ShowFlags) => {
      process.stdout.write(await showCommand(run, opts));
    });
}

/** The text `mesh show` prints. */
export async function showCommand(spec: string, flags: ShowFlags): Promise<string> {
  return withStore(flags.store, async (store) => {
    const run = await openRun(spec, { store });
    const out: string[] = [flags.json ? jsonLine(runJson(run)) : header(run)];
    for (const step of run.steps()) {
      const summary = await step.summary({ keep: LIST_TASKS_UP_TO });
      out.push(flags.json ? stepJson(summary) : stepText(step, summary));
    }
    return out.join('');
  });
}

function header(run: Run): string {
  const rec = run.record();
  const rows: string[][] = [['status', run.status], ['file', rec.file]];
  const params = Object.entries(run.params);
  rows.push(['params', params.length === 0 ? '(none)' : params.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')]);
  rows.push(['created', `${formatTime(run.createdAt)} UTC`]);
  if (run.finishedAt) rows.push(['finished', `${formatTime(run.finishedAt)} UTC (${formatDuration(run.durationMs)})`]);
  rows.push(['runtime', rec.runtime]);
  if (rec.origin) {
    const o = rec.origin;
    const what = o.mode === 'step' ? `from step ${o.step}` : o.mode === 'partition' ? `partitions ${o.partitions?.join(',')}` : 'failed tasks';
    rows.push(['origin', `replay of ${run.flow}/${o.run} (${what})`]);
  }
  const failed = run.failed;
  if (failed.length > 0) {
    rows.push(['failed', failed[0]!]);
    for (const f of failed.slice(1, LIST_FAILED_UP_TO)) rows.push(['', f]);
    if (failed.length > LIST_FAILED_UP_TO) rows.push(['', `... and ${failed.length - LIST_FAILED_UP_TO} more`]);
  }
  return `${run.pathspec}\n${renderTable(undefined, rows, '  ')}`;
}

function stepText(step: Step, s: StepSummary): string {
  const title = `\n${step.name}`;
  if (s.tasks === 0) return `${title}  (not run)\n`;
  const counts = Object.entries(s.byStatus).filter(([, n]) => n > 0).map(([status, n]) => `${n} ${status}`).join(', ');
  const time = s.timed > 0 ? `  total ${formatDuration(s.totalMs)}, avg ${formatDuration(s.avgMs)}` : '';
  let text = `${title}  ${s.tasks} ${s.tasks === 1 ? 'task' : 'tasks'}: ${counts}${time}\n`;
  if (s.all) return text + renderTable(undefined, s.all.map(taskRow), '  ');
  if (s.failed.length > 0) {
    text += '  failed:\n' + renderTable(undefined, s.failed.slice(0, LIST_FAILED_UP_TO).map(taskRow), '  ');
    if (s.failed.length > LIST_FAILED_UP_TO) text += `  ... and ${s.failed.length - LIST_FAILED_UP_TO} more failed\n`;
  }
  return text;
}

function taskRow(t: Task): string[] {
  const n = t.attempts.length;
  const names = t.artifactNames();
  const detail = t.status === 'failed'
    ? t.error ?? ''
    : t.status === 'cloned' ? `cloned from ${t.clonedFrom ?? '?'}; ${names.join(', ')}` : names.join(', ');
  return [t.id, t.status, `${n} ${n === 1 ? 'attempt' : 'attempts'}`, formatDuration(t.durationMs), detail];
}

function runJson(run: Run): Record<string, unknown> {
  const { graph: _graph, paramArtifacts: _params, schema: _schema, ...rest } = run.record();
  return { type: 'run', ...rest, durationMs: run.durationMs, store: run.storeUrl };
}

function stepJson(s: StepSummary): string {
  const { all, failed, ...counts } = s;
  const listed = all ?? failed;
  return jsonLine({ type: 'step', ...counts }) + listed.map((t) => jsonLine(taskJson(t))).join('');
}

function taskJson(t: Task): Record<string, unknown> {
  return {
    type: 'task', step: t.stepName, task: t.id, status: t.status, attempts: t.attempts.length,
    durationMs: t.durationMs, artifacts: t.artifactNames(),
    ...(t.error ? { error: t.error } : {}),
    ...(t.clonedFrom ? { clonedFrom: t.clonedFrom } : {}),
  };
}

function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
