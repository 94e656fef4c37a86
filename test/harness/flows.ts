/** Fixture flows and throwaway stores for tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runner, type RunnerOptions } from '../../coordinator/runner.js';
import type { RunEvent } from '../../protocol/events.js';
import type { RunRecord } from '../../protocol/records.js';

/** The repository root (tests compile to dist/test/harness/). */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export function fixture(name: string): string {
  return join(ROOT, 'test/fixtures/flows', `${name}.ts`);
}

export function example(name: string): string {
  return join(ROOT, 'examples', name, 'flow.ts');
}

export function tempDir(prefix = 'mesh-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface Finished {
  record: RunRecord;
  events: RunEvent[];
  logs: (task?: string) => string;
}

/** Runs a flow to the end with the Runner, collecting its events. */
export async function runToEnd(file: string, options: RunnerOptions): Promise<Finished> {
  const run = await new Runner(file, { maxWorkers: 2, ...options }).run();
  const events: RunEvent[] = [];
  for await (const e of run) events.push(e);
  const record = await run.wait();
  return { record, events, logs: (task) => run.logs(task) };
}
