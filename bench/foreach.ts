/**
 * `npm run bench:foreach [-- --n 10000 --runs 3 --threads N]`: an N-partition foreach of a trivial
 * step, embedded, on a fresh store in the temp directory. Prints tasks/s for the whole run and for
 * the foreach phase alone, and the peak RSS of the process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmbeddedRun } from '../coordinator/embedded.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string' },
    dir: { type: 'string' },
  },
});
const n = Number(values.n);
const runs = Number(values.runs);
const threads = values.threads ? Number(values.threads) : undefined;
const flow = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../bench/flows/trivial-foreach.ts');

let peakRss = 0;
const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage.rss()); }, 50);

const results: Array<{ total: number; phase: number; tasks: number }> = [];
// Stores are removed at the end: deleting 20,000 files makes the disk discard for seconds, which
// would slow the next run down.
const stores: string[] = [];
for (let i = 0; i < runs; i++) {
  const store = mkdtempSync(join(values.dir ?? tmpdir(), 'mesh-bench-'));
  let firstWork = 0;
  let lastWork = 0;
  const t0 = performance.now();
  const run = await startEmbeddedRun({
    file: flow, store, params: { n }, maxWorkers: threads,
    onEvent: (e) => {
      if (e.type === 'task.started' && e.step === 'work' && !firstWork) firstWork = performance.now();
      if (e.type === 'task.finished' && e.step === 'work') lastWork = performance.now();
    },
  });
  const record = await run.wait();
  const total = performance.now() - t0;
  if (record.status !== 'succeeded') throw new Error(`bench run failed: ${record.failed?.join(', ')}`);
  results.push({ total, phase: lastWork - firstWork, tasks: n + 3 });
  stores.push(store);
  console.log(`run ${i + 1}: ${n} partitions, whole run ${(total / 1000).toFixed(2)} s (${Math.round((n + 3) / (total / 1000))} tasks/s), foreach phase ${Math.round(n / ((lastWork - firstWork) / 1000))} tasks/s`);
}
clearInterval(sampler);
for (const store of stores) rmSync(store, { recursive: true, force: true });
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const wholeRate = median(results.map((r) => r.tasks / (r.total / 1000)));
const phaseRate = median(results.map((r) => n / (r.phase / 1000)));
console.log(`\nmachine: ${cpus()[0]?.model ?? 'unknown'} x${availableParallelism()}, node ${process.version}, threads ${threads ?? availableParallelism()}`);
console.log(`median over ${runs} runs: whole run ${Math.round(wholeRate)} tasks/s, foreach phase ${Math.round(phaseRate)} tasks/s, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
