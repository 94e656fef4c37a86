/**
 * The input and the yardstick of the fault scenarios: a generated source tree big enough for many
 * batches, the curation flow's parameters, a fault-free reference dataset, and the comparison every
 * scenario ends with (manifest bytes and every shard's bytes).
 *
 *   writeCorpus(src);
 *   const expected = await referenceDataset(src, dir);     // embedded, no faults
 *   ... run examples/stack/flow.ts on a mesh with faults, out = outDir ...
 *   assertSameDataset(readDataset(outDir), expected);
 *   report('worker kill -9', kills, expected.sha256, ms);
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunRecord } from '../../protocol/records.js';
import { example, runToEnd } from '../harness/flows.js';
import { edited, module, writeTree } from '../ops/stack/corpus.js';
import type { FaultMesh, MeshRun } from './fault-mesh.js';

export const STACK_FLOW = example('stack');

/**
 * Small batches (about 80 of them for the default corpus): scan, sign and writePart each publish a
 * task message per batch (foreachGroupSize in protocol/mesh.ts: partitions share a message only past
 * 128 of them; test/mesh covers those), several shuffle partitions, and a shard per batch or more.
 */
export const STACK_PARAMS = { batchBytes: 8000, shufflePartitions: 4, shardBytes: 100_000 } as const;

const REPOS = ['alpha', 'gamma', 'delta', 'epsilon', 'zeta'];

/**
 * The planted tree of test/ops/stack/corpus.ts (licenses, duplicates, a bundle, a binary, a secret)
 * plus `files` generated modules: every seventh an edited copy of its neighbour (near duplicates),
 * every thirteenth an exact copy.
 */
export function writeCorpus(root: string, files = 220): void {
  writeTree(root);
  for (let i = 0; i < files; i++) {
    const body = i % 13 === 5 ? module(1000 + i - 1, 20) : i % 7 === 3 ? edited(module(1000 + i - 1, 20)) : module(1000 + i, 20);
    const path = join(root, REPOS[i % REPOS.length]!, 'pkg', `m${String(i).padStart(4, '0')}.js`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
  }
}

export interface Dataset {
  manifest: Buffer;
  sha256: string;
  /** Shard name -> bytes. */
  shards: Map<string, Buffer>;
  batches: number;
}

export function readDataset(out: string): Dataset {
  const manifest = readFileSync(join(out, 'manifest.json'));
  const parsed = JSON.parse(manifest.toString('utf8')) as { shards: Array<{ name: string }>; inputs: Record<string, string> };
  const shards = new Map(parsed.shards.map((s) => [s.name, readFileSync(join(out, s.name))] as const));
  return { manifest, sha256: createHash('sha256').update(manifest).digest('hex'), shards, batches: Object.keys(parsed.inputs).length };
}

/** The dataset of a fault-free embedded run (the same flow gives the same bytes embedded and on the mesh). */
export async function referenceDataset(source: string, dir: string): Promise<Dataset> {
  const out = join(dir, 'reference');
  const done = await runToEnd(STACK_FLOW, { store: join(dir, 'reference-store'), params: { ...STACK_PARAMS, source, out } });
  assert.equal(done.record.status, 'succeeded', 'the fault-free reference run succeeds');
  const d = readDataset(out);
  assert.ok(d.batches >= 65, `the input is split into more than one task message of batches (${d.batches})`);
  assert.ok(d.shards.size > 1, `several shards (${d.shards.size})`);
  return d;
}

export function assertSameDataset(actual: Dataset, expected: Dataset): void {
  assert.equal(actual.sha256, expected.sha256, 'manifest sha256 equals the fault-free run\'s');
  assert.deepEqual(actual.manifest, expected.manifest);
  assert.deepEqual([...actual.shards.keys()], [...expected.shards.keys()]);
  for (const [name, bytes] of expected.shards) assert.ok(actual.shards.get(name)!.equals(bytes), `shard ${name} is byte-identical`);
}

/**
 * What every scenario promises: the run succeeded, no task or attempt of it failed (a fault is waited
 * out or retried, never blamed on a task), and its dataset at `out` is byte for byte the reference.
 */
export async function assertCleanRun(mesh: FaultMesh, run: MeshRun, final: RunRecord, out: string, expected: Dataset): Promise<void> {
  const errors = [...new Set(run.progress.failures().map((e) => (e.type === 'task.failed' ? `${e.step}/${e.task}: ${e.errorName}: ${e.error}` : '')))];
  assert.equal(final.status, 'succeeded', `${errors.join('\n')}\n${JSON.stringify(final.failed)}\n${mesh.logTail()}`);
  const { records, failedKeys } = await mesh.tasks(final);
  assert.deepEqual(records.filter((r) => r.status !== 'succeeded' || r.attempts.some((a) => !a.ok)).map((r) => `${r.step}/${r.task}`), []);
  assert.deepEqual(failedKeys, [], 'no failed task or attempt in KV');
  assert.deepEqual(errors, [], 'no task.failed event');
  assertSameDataset(readDataset(out), expected);
  // A repair (a run that could not move, re-driven from its records) is a recovery, not a failure, but
  // it means messages were lost somewhere: say so in the suite's output.
  for (const line of mesh.services.flatMap((s) => s.log).filter((l) => l.includes(final.run) && l.includes('cannot move'))) {
    console.log(`fault | repaired | ${line}`);
  }
}

/** One line per scenario, for the suite's totals: scenario, kills, manifest digest, duration. */
export function report(scenario: string, kills: number, sha256: string, ms: number, extra = ''): void {
  console.log(`fault | ${scenario} | kills ${kills} | manifest ${sha256} | ${(ms / 1000).toFixed(1)} s${extra ? ` | ${extra}` : ''}`);
}
