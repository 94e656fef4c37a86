/**
 * `npm run bench:ops [-- --corpus /tmp/corpus/npm --mb 64]`: each dataset kernel on one core over real
 * source files (the corpus from ../shared/corpus/build.sh), secretlint's recommended preset on the
 * same files, and the whole curation flow (examples/stack/flow.ts) embedded and on `mesh up --workers 2`.
 *
 * Kernel figures are per core: one thread, CPU time of this process (so other load on the machine
 * does not count against them); wall time is printed beside. Flow figures are wall time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, hash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MinHasher } from '../ops/dedup/index.js';
import { measureText } from '../ops/filters/index.js';
import { detectLanguage } from '../ops/language/index.js';
import { licenseFileKind, referenceIndex, scanLicenseFile } from '../ops/license/index.js';
import { redact, scan } from '../ops/secrets/index.js';
import { startNats } from '../test/harness/nats.js';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: '/tmp/corpus/npm' },
    mb: { type: 'string', default: '64' },
    'secretlint-mb': { type: 'string', default: '8' },
    'skip-flow': { type: 'boolean' },
    'skip-secretlint': { type: 'boolean' },
  },
});
const corpus = resolve(values.corpus!);
const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../..');
const cli = join(root, 'dist/cli/index.js');
const MB = 1e6;

interface File { path: string; text: string; bytes: number; buf: Buffer }

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function load(paths: readonly string[], limitBytes: number): File[] {
  const files: File[] = [];
  let total = 0;
  // Spread the sample over the whole corpus (every k-th file) rather than its first packages.
  const stride = Math.max(1, Math.floor(paths.length / Math.max(1, limitBytes / 12_000)));
  for (let i = 0; i < paths.length && total < limitBytes; i += stride) {
    const buf = readFileSync(paths[i]!);
    if (buf.length === 0 || buf.length > 1 << 20 || buf.includes(0)) continue;
    let text: string;
    try {
      text = utf8.decode(buf);
    } catch {
      continue;
    }
    files.push({ path: relative(corpus, paths[i]!), text, bytes: buf.length, buf });
    total += buf.length;
  }
  return files;
}

interface Timing { cpu: number; wall: number; bytes: number }

/** One untimed pass over the files (JIT and WebAssembly tiers warm), then the median of three timed passes. */
async function medianPass(files: readonly File[], pass: (files: readonly File[]) => void | Promise<void>): Promise<Timing> {
  await pass(files);
  const bytes = files.reduce((s, f) => s + f.bytes, 0);
  const passes: Timing[] = [];
  for (let k = 0; k < 3; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await pass(files);
    const c = process.cpuUsage(c0);
    passes.push({ cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000, bytes });
  }
  return passes.sort((a, b) => a.cpu - b.cpu)[1]!;
}

function time<T>(files: readonly File[], fn: (f: File) => T): Promise<Timing> {
  return medianPass(files, (list) => { for (const f of list) fn(f); });
}

const rows: string[][] = [];
function report(name: string, r: Timing, files: number, target: string): number {
  const mbps = r.bytes / MB / r.cpu;
  rows.push([name, `${mbps.toFixed(1)} MB/s`, `${Math.round(files / r.cpu).toLocaleString('en')} files/s`, `${r.wall.toFixed(2)} s wall`, target]);
  console.log(rows.at(-1)!.join(' | '));
  return mbps;
}

const paths = walk(corpus);
const totalBytes = paths.reduce((s, p) => s + statSync(p).size, 0);
console.log(`corpus ${corpus}: ${paths.length} files, ${(totalBytes / MB).toFixed(0)} MB; machine ${cpus()[0]?.model ?? '?'} x${availableParallelism()}, node ${process.version}`);
const files = load(paths, Number(values.mb) * MB);
const sample = files.reduce((s, f) => s + f.bytes, 0);
console.log(`kernel sample: ${files.length} files, ${(sample / MB).toFixed(1)} MB (every k-th file of the corpus, text under 1 MiB)`);

report('sha256 (crypto.hash, one shot), file bytes', await time(files, (f) => hash('sha256', f.buf, 'buffer')), files.length, '≥ 1,000 MB/s');
report('sha256 (crypto.hash), from the decoded string (as dedup hashes)', await time(files, (f) => hash('sha256', f.text, 'buffer')), files.length, '—');
report('sha256 (createHash().update().digest()), file bytes', await time(files, (f) => createHash('sha256').update(f.buf).digest()), files.length, '—');
const hasher = new MinHasher(256, 0x5eed5eed, 5);
report('MinHash, 256 permutations, word 5-grams', await time(files, (f) => hasher.sign(f.text)), files.length, '≥ 20 MB/s');
const secrets = await time(files, (f) => {
  const found = scan(f.text, { path: f.path });
  if (found.length > 0) redact(f.text, found);
});
const ours = report('secrets + PII scan and redaction', secrets, files.length, '≥ 50 MB/s, ≥ 10× secretlint');
report('quality filters (one pass)', await time(files, (f) => measureText(f.text)), files.length, '—');
report('language (Linguist strategies)', await time(files, (f) => detectLanguage(f.path, f.text)), files.length, '≥ 50,000 files/s');

// License files of the whole corpus (not the sample): LICENSE*, COPYING*, NOTICE*, README license sections.
const licensePaths = paths.filter((p) => licenseFileKind(relative(corpus, p)) !== undefined);
const licenseFiles = load(licensePaths, Infinity);
const i0 = performance.now();
referenceIndex();
console.log(`license reference index built in ${((performance.now() - i0) / 1000).toFixed(2)} s`);
report('license files (SPDX text match)', await time(licenseFiles, (f) => scanLicenseFile(f.path, f.text)), licenseFiles.length, '≥ 2,000 files/s');

if (!values['skip-secretlint']) {
  // secretlint 12 (13 needs Node 22) with its recommended preset, on the first N MB of the same sample.
  const { lintSource } = await import('@secretlint/core');
  const { creator } = await import('@secretlint/secretlint-rule-preset-recommend');
  const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
  const subset: File[] = [];
  for (let s = 0, i = 0; i < files.length && s < Number(values['secretlint-mb']) * MB; i++) { subset.push(files[i]!); s += files[i]!.bytes; }
  const lint = (f: File) => lintSource({ source: { content: f.text, filePath: `/${f.path}`, contentType: 'text' }, options: { config: config as never, noPhysicFilePath: true } });
  // Warmed and timed like the kernels: one untimed pass, the median of three.
  const timing = await medianPass(subset, async (list) => { for (const f of list) await lint(f); });
  const theirs = report('secretlint 12.3.1, recommended preset', timing, subset.length, '—');
  console.log(`secrets vs secretlint: ${(ours / theirs).toFixed(1)}×`);
  rows.push(['ratio ours / secretlint', `${(ours / theirs).toFixed(1)}×`, '', '', '≥ 10×']);
}

function exited(p: ChildProcess): Promise<number> {
  return new Promise((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (code) => r(code ?? 1))));
}

if (!values['skip-flow']) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ops-'));
  const flow = join(root, 'examples/stack/flow.ts');
  const params = (out: string) => ['--param', `source=${corpus}`, '--param', `out=${out}`];
  const t0 = performance.now();
  const run = spawnSync(process.execPath, [cli, 'run', flow, '--store', join(dir, 'store'), ...params(join(dir, 'embedded')), '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const embedded = (performance.now() - t0) / 1000;
  if (run.status !== 0) throw new Error(`embedded flow exited ${run.status}`);
  const cores = availableParallelism();
  rows.push(['whole flow, embedded (2 threads)', `${(totalBytes / MB / embedded).toFixed(1)} MB/s`, `${(totalBytes / MB / embedded / cores).toFixed(1)} MB/s per core`, `${embedded.toFixed(1)} s wall`, '≥ 10 MB/s per core']);
  console.log(rows.at(-1)!.join(' | '));

  const nats = await startNats();
  const env = { ...process.env, MESH_NATS_URL: nats.url, MESH_STORE: join(dir, 'mesh-store') };
  const up = spawn(process.execPath, [cli, 'up', '--workers', '2'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  await new Promise((r) => setTimeout(r, 2500));
  const t1 = performance.now();
  const submit = spawn(process.execPath, [cli, 'submit', flow, ...params(join(dir, 'mesh')), '--wait', '--json'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await exited(submit);
  const mesh = (performance.now() - t1) / 1000;
  up.kill('SIGTERM');
  await exited(up);
  await nats.stop();
  if (code !== 0) throw new Error(`mesh flow exited ${code}`);
  rows.push(['whole flow, mesh up --workers 2', `${(totalBytes / MB / mesh).toFixed(1)} MB/s`, `${(totalBytes / MB / mesh / cores).toFixed(1)} MB/s per core`, `${mesh.toFixed(1)} s wall`, '≥ 10 MB/s per core']);
  console.log(rows.at(-1)!.join(' | '));
  const a = readFileSync(join(dir, 'embedded', 'manifest.json'));
  const b = readFileSync(join(dir, 'mesh', 'manifest.json'));
  console.log(`manifest sha256 embedded ${createHash('sha256').update(a).digest('hex')}, mesh ${createHash('sha256').update(b).digest('hex')}: ${a.equals(b) ? 'identical' : 'DIFFERENT'}`);
  const m = JSON.parse(a.toString('utf8'));
  console.log(`dataset: ${m.totals.docs} files in ${m.totals.shards} shard(s) from ${m.pipeline.in} read; dropped ${JSON.stringify(m.counts.dropped)}`);
  rmSync(dir, { recursive: true, force: true });
}

console.log('\n| kernel / run | throughput | files | wall | target |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
