/**
 * `mesh dataset diff A B` and `mesh dataset verify DATASET`: comparing two published versions by
 * document id, and checking a version's shards against its manifest. A and B are directories,
 * s3://bucket/prefix, or paths of manifest files.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../../coordinator/errors.js';
import {
  DatasetNotFoundError, diffDatasets, ManifestOptionsError, verifyDataset, type DatasetDiff, type DatasetSummary,
} from '../../ops/manifest/index.js';

/** Ids listed per kind of change in text output unless --limit says otherwise. */
export const DEFAULT_LIST_LIMIT = 20;

export interface DiffFlags {
  json?: boolean;
  limit?: number;
}

export function registerDataset(program: Command): void {
  const dataset = program.command('dataset').description('inspect published dataset versions');
  dataset
    .command('diff')
    .description('documents added, removed and changed (by content sha256) between two versions, keyed by id')
    .argument('<a>', 'the older version: a directory, s3://bucket/prefix, or a manifest.json path')
    .argument('<b>', 'the newer version')
    .option('--limit <n>', `list at most n ids per kind of change (default ${DEFAULT_LIST_LIMIT}; all with --json)`, nonNegativeInt)
    .option('--json', 'print a summary object, then one object per listed document')
    .action(async (a: string, b: string, opts: DiffFlags) => {
      process.stdout.write(renderDiff(await run(() => diffDatasets(a, b)), opts));
    });
  dataset
    .command('verify')
    .description("read every shard and check its size, sha256 and document count against the manifest")
    .argument('<dataset>', 'a directory, s3://bucket/prefix, or a manifest.json path')
    .option('--json', 'print the result as one JSON object')
    .action(async (spec: string, opts: { json?: boolean }) => {
      const v = await run(() => verifyDataset(spec));
      process.stdout.write(opts.json
        ? `${JSON.stringify({ type: 'dataset.verified', ...v })}\n`
        : `ok ${v.url}: ${v.docs} docs in ${v.shards} ${v.shards === 1 ? 'shard' : 'shards'} (${v.bytes} bytes) match the manifest\n`);
    });
}

type Change = 'added' | 'removed' | 'changed';
const CHANGES: Change[] = ['added', 'removed', 'changed'];

/** The text (or JSON lines) `mesh dataset diff` prints. */
export function renderDiff(d: DatasetDiff, flags: DiffFlags): string {
  const limit = flags.limit ?? (flags.json ? Infinity : DEFAULT_LIST_LIMIT);
  if (flags.json) {
    const lines: unknown[] = [{
      type: 'dataset.diff', a: d.a, b: d.b,
      added: d.added.length, removed: d.removed.length, changed: d.changed.length, unchanged: d.unchanged,
    }];
    for (const change of CHANGES) for (const id of d[change].slice(0, limit)) lines.push({ type: 'dataset.doc', change, id });
    return lines.map((l) => `${JSON.stringify(l)}\n`).join('');
  }
  let out = `a: ${describe(d.a)}\nb: ${describe(d.b)}\n`;
  out += `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.unchanged} unchanged\n`;
  for (const change of CHANGES) {
    const ids = d[change];
    if (ids.length === 0 || limit === 0) continue;
    out += `\n${change}:\n`;
    for (const id of ids.slice(0, limit)) out += `  ${id}\n`;
    if (ids.length > limit) out += `  ... and ${ids.length - limit} more (--limit to list more)\n`;
  }
  return out;
}

function describe(s: DatasetSummary): string {
  return `${s.name} ${s.version}, ${s.docs} docs in ${s.shards} ${s.shards === 1 ? 'shard' : 'shards'} (${s.url})`;
}

/** A dataset that is not there, or a location that is not a dataset location, is the user's to fix: exit 2. */
async function run<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DatasetNotFoundError || err instanceof ManifestOptionsError) throw new UsageError(err.message, { cause: err });
    throw err;
  }
}

function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError(`expected a number of ids (0, 1, ...), got '${value}'`);
  return Number(value);
}
