/** `mesh runs [FLOW]`: the runs in a store, newest first. Also the small formatting helpers `mesh show` shares. */
import { InvalidArgumentError, type Command } from 'commander';
import { listRuns, type Run } from '../../client/index.js';
import { openBackend, type StorageBackend } from '../../store/index.js';
import type { NatsConnection } from '@nats-io/transport-node';
import { ensureMesh } from '../../coordinator/mesh-setup.js';
import { META_BUCKET } from '../../protocol/mesh.js';
import { KvBackend, MeshBackend } from '../../store/kv.js';
import { connectNats, resolveConnection } from '../connection.js';

export interface RunsFlags {
  store?: string;
  json?: boolean;
  limit?: number;
}

export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description('list runs, newest first')
    .argument('[flow]', 'only runs of this flow (class name)')
    .option('--store <dir|s3://bucket/prefix>', 'the store to read (default: MESH_STORE, then .mesh)')
    .option('--limit <n>', 'at most this many runs', positiveInt)
    .option('--json', 'print one JSON object per run')
    .action(async (flow: string | undefined, opts: RunsFlags) => {
      process.stdout.write(await runsCommand(flow, opts));
    });
}

/** The text `mesh runs` prints. */
export async function runsCommand(flow: string | undefined, flags: RunsFlags): Promise<string> {
  return withStore(flags.store, async (store) => {
    const runs = await listRuns({ store, flow, limit: flags.limit });
    if (flags.json) return runs.map((r) => JSON.stringify(runSummary(r)) + '\n').join('');
    if (runs.length === 0) return `no runs${flow ? ` of ${flow}` : ''} in ${store.url}\n`;
    return renderTable(
      ['FLOW', 'RUN', 'STATUS', 'CREATED', 'DURATION'],
      runs.map((r) => [r.flow, r.id, r.status, formatTime(r.createdAt), formatDuration(r.durationMs)]),
    );
  });
}

function runSummary(r: Run): Record<string, unknown> {
  const rec = r.record();
  return {
    type: 'run', flow: r.flow, run: r.id, status: r.status, createdAt: rec.createdAt,
    ...(rec.finishedAt ? { finishedAt: rec.finishedAt, durationMs: r.durationMs } : {}),
    runtime: rec.runtime, failed: r.failed.length,
    ...(rec.origin ? { origin: rec.origin } : {}),
  };
}

/** Opens the store named by `--store` (or MESH_STORE, or .mesh), and closes it when `fn` is done. */
export async function withStore<T>(spec: string | undefined, fn: (store: StorageBackend) => Promise<T>): Promise<T> {
  // With a NATS server configured, mesh runs (metadata in KV) are read too.
  const nats = process.env.MESH_NATS_URL;
  const nc = nats ? await connectNats(resolveConnection({}), 'mesh-read') : undefined;
  const store = nc ? await meshBackend(nc, spec) : openBackend(spec);
  try {
    return await fn(store);
  } finally {
    await store.close();
    await nc?.close();
  }
}

/** Mesh metadata in KV in front of the store's own, blobs from the store. */
export async function meshBackend(nc: NatsConnection, spec: string | undefined): Promise<StorageBackend> {
  const { kv } = await ensureMesh(nc);
  return new MeshBackend(new KvBackend(kv, META_BUCKET), openBackend(spec));
}

/** `850ms`, `12.3s`, `4m05s`, `2h03m`; `-` when unknown. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** `2026-11-27 17:45:12` (UTC, as stored). */
export function formatTime(date: Date | undefined): string {
  return date ? date.toISOString().slice(0, 19).replace('T', ' ') : '-';
}

/** Left-aligned columns two spaces apart; the last column is not padded. */
export function renderTable(header: string[] | undefined, rows: string[][], indent = ''): string {
  const all = header ? [header, ...rows] : rows;
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return all
    .map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd() + '\n')
    .join('');
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  }
  return n;
}
