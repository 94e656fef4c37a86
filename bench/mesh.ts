/**
 * `npm run bench:mesh [-- --n 10000]`: a 10,000-partition foreach of a trivial step on the mesh
 * (`mesh up --workers 2` against a nats-server this script starts on a free port), and the same
 * number of no-op jobs through BullMQ on the Redis at 127.0.0.1:6379 with 2 worker processes. Both
 * start once; then each runs `--runs` times (5), the two taking turns, on the same processes; prints
 * tasks/s of every run, the medians and their ratio. `-- --dir /dev/shm` puts the content store on tmpfs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { Queue, QueueEvents } from 'bullmq';
import { meshMetadata, submitRun } from '../coordinator/mesh-client.js';
import { runKey } from '../protocol/keys.js';
import type { RunRecord } from '../protocol/records.js';
import { openBackend } from '../store/index.js';
import { startNats } from '../test/harness/nats.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' }, 'skip-bullmq': { type: 'boolean' }, dir: { type: 'string' } } });
const n = Number(values.n);
/** Runs per system on the same processes; the ratio compares medians. The first mesh run includes loading the flow's code in every worker thread. */
const runs = Math.max(1, Number(values.runs));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../..');
const cli = join(root, 'dist/cli/index.js');
const flow = join(root, 'bench/flows/trivial-foreach.ts');

function exited(p: ChildProcess): Promise<void> {
  return new Promise((r) => (p.exitCode !== null ? r() : p.once('exit', () => r())));
}

/** CPU seconds (user + system) of each process in the trees under `pids`, from /proc (Linux only). */
function cpuOf(pids: number[], since = new Map<number, number>()): { text: string[]; at: Map<number, number> } {
  const tick = 100;
  const stat = (pid: number) => {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / tick, name: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(1, 4).join(' ') };
    } catch {
      return undefined;
    }
  };
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const out: string[] = [];
  const at = new Map<number, number>();
  const visit = (pid: number) => {
    const s = stat(pid);
    if (!s) return;
    at.set(pid, s.cpu);
    const label = s.name.split(' ').slice(1, 2).join(' ').replace(/^-.*/, '') || readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    out.push(`${label} ${pid}: ${(s.cpu - (since.get(pid) ?? 0)).toFixed(2)}`);
    for (const child of all) if (stat(child)?.ppid === pid) visit(child);
  };
  for (const pid of pids) visit(pid);
  return { text: out, at };
}

/** A system under test, started once: `run(i)` measures one run and returns its rate. */
interface System {
  run(i: number): Promise<number>;
  stop(): Promise<void>;
}

async function startMesh(): Promise<System> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-bench-'));
  const nats = await startNats();
  // The content store: `--dir` puts it elsewhere (e.g. /dev/shm, to take the disk out of the figure).
  const store = join(values.dir ?? dir, `mesh-bench-store-${process.pid}`);
  const env = { ...process.env, MESH_NATS_URL: nats.url, MESH_STORE: store };
  const up = spawn(process.execPath, [...(process.env.MESH_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.MESH_BENCH_PROF}`] : []), cli, 'up', '--workers', '2'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  await new Promise((r) => setTimeout(r, 2500));
  const nc = await connect({ servers: env.MESH_NATS_URL, noAsyncTraces: true });
  const blobs = openBackend(env.MESH_STORE);
  const meta = await meshMetadata(nc, blobs);
  return {
    async run(i) {
      const cpuAtSubmit = cpuOf([nats.pid, up.pid!]).at;
      const record = await submitRun({ nc, blobs, file: flow, params: { n } });
      // Poll the run record rather than follow every event: following costs CPU on the same two cores.
      let final: RunRecord | undefined;
      for (;;) {
        final = await meta.getJson<RunRecord>(runKey(record.flow, record.run));
        if (final && final.status !== 'running') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (final?.status !== 'succeeded') throw new Error(`mesh run ${final?.status}`);
      console.log(`cpu seconds during the run: ${cpuOf([nats.pid, up.pid!], cpuAtSubmit).text.join(', ')}`);
      const seconds = (Date.parse(final.finishedAt!) - Date.parse(final.createdAt)) / 1000;
      console.log(`mesh run ${i + 1}: ${n} partitions in ${seconds.toFixed(2)} s (whole run, submit to final record) = ${Math.round((n + 3) / seconds)} tasks/s`);
      return (n + 3) / seconds;
    },
    async stop() {
      await nc.close();
      up.kill('SIGTERM');
      await exited(up);
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(store, { recursive: true, force: true });
    },
  };
}

async function startBull(): Promise<System> {
  const name = `mesh-bench-${process.pid}`;
  const connection = { host: '127.0.0.1', port: 6379 };
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  const workerFile = join(here, 'bullmq-worker.js');
  const workers = [0, 1].map(() => spawn(process.execPath, [workerFile, name, '6379'], { stdio: 'inherit' }));
  await new Promise((r) => setTimeout(r, 1000));
  const redis = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'redis-server';
    } catch {
      return false;
    }
  });
  const pids = [...redis, ...workers.map((w) => w.pid!)];
  let done = 0;
  let target = 0;
  let reached = () => {};
  events.on('completed', () => { if (++done === target) reached(); });
  return {
    async run(i) {
      const cpuAtStart = cpuOf(pids).at;
      target += n;
      const finished = new Promise<void>((resolve) => (reached = resolve));
      const t0 = performance.now();
      for (let k = 0; k < n; k += 1000) {
        await queue.addBulk(Array.from({ length: Math.min(1000, n - k) }, (_, j) => ({ name: 'noop', data: { i: k + j }, opts: { removeOnComplete: true } })));
      }
      await finished;
      const seconds = (performance.now() - t0) / 1000;
      console.log(`cpu seconds during the run: ${cpuOf(pids, cpuAtStart).text.join(', ')}`);
      console.log(`bullmq run ${i + 1}: ${n} no-op jobs in ${seconds.toFixed(2)} s = ${Math.round(n / seconds)} jobs/s (2 worker processes, concurrency 8 each)`);
      return n / seconds;
    },
    async stop() {
      for (const w of workers) w.kill('SIGTERM');
      await Promise.all(workers.map(exited));
      await queue.obliterate({ force: true });
      await queue.close();
      await events.close();
    },
  };
}

// Both systems stay up for the whole bench, idle while the other runs; their runs alternate, so a
// drift in the machine's speed (a shared VM's neighbours) reaches both alike.
const mesh = await startMesh();
const bull = values['skip-bullmq'] ? undefined : await startBull();
const rates = { mesh: [] as number[], bull: [] as number[] };
// After each run, a pause: what a system does after its last task (the mesh's coordinator counts the
// run's records for run.finished) is not charged to the other one's run.
const settle = () => new Promise((r) => setTimeout(r, 1000));
for (let i = 0; i < runs; i++) {
  rates.mesh.push(await mesh.run(i));
  await settle();
  if (bull) {
    rates.bull.push(await bull.run(i));
    await settle();
  }
}
await mesh.stop();
await bull?.stop();
console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} x${availableParallelism()}, node ${process.version}`);
console.log(`mesh: median of ${runs} runs ${Math.round(median(rates.mesh))} tasks/s`);
if (bull) {
  console.log(`bullmq: median of ${runs} runs ${Math.round(median(rates.bull))} jobs/s`);
  console.log(`ratio mesh/bullmq: ${(median(rates.mesh) / median(rates.bull)).toFixed(2)}`);
}
