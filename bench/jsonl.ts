/**
 * `npx tsc -p tsconfig.json && node dist/bench/jsonl.js [--rows 5000] [--runs 7]`: pulling the fields
 * ops/ingest needs out of Stack-shaped JSONL rows, JSON.parse against simdjson's lazyParse +
 * valueForKeyPath. Rows are ~1-8 KB of code with escapes plus the ~20 other fields of The Stack v2.
 * Every variant starts from the line's bytes (the reader has bytes, and both parsers need a string).
 * Also times the whole reader (`readJsonl`: line splitting, parsing, records). Prints the median of
 * the runs in MB/s of JSONL and rows/s.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { readJsonl } from '../ops/ingest/index.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '5000' }, runs: { type: 'string', default: '7' } } });
const ROWS = Number(values.rows);
const RUNS = Number(values.runs);

interface Tape { valueForKeyPath(path: string): unknown }
interface Simdjson { lazyParse(json: string): Tape }
// simdjson is an optional native dependency: the bench runs without it.
let simdjson: Simdjson | undefined;
try {
  simdjson = createRequire(import.meta.url)('simdjson') as Simdjson;
} catch {
  simdjson = undefined;
}

function code(seed: number, length: number): string {
  const parts = [
    'const greeting = "hello\\tworld";\n',
    "\tif (a < b && c > d) { return 'q'; }\n",
    '// ünïcödé comment, emoji 🎉, CJK 漢字\n',
    'path = "C:\\\\Users\\\\x\\\\file.txt"\n',
    'printf("%d: %s\\n", i, name);\n',
    'def f(x):\n    return {"key": x * 2}\n',
    '    /* block */ let re = /\\d+\\.\\d*/g;\n',
  ];
  let s = '';
  let x = seed >>> 0;
  while (s.length < length) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += parts[x % parts.length];
  }
  return s;
}

const hex = (i: number, n = 40) => (i * 2654435761 >>> 0).toString(16).padStart(8, '0').repeat(n / 8 + 1).slice(0, n);

function row(i: number): Record<string, unknown> {
  return {
    blob_id: hex(i),
    directory_id: hex(i + 1),
    path: `src/module_${i % 97}/sub/file_${i}.py`,
    content_id: hex(i + 2),
    detected_licenses: i % 3 === 0 ? ['MIT'] : ['Apache-2.0', 'BSD-3-Clause'],
    license_type: 'permissive',
    repo_name: `owner${i % 1000}/project-${i % 313}`,
    snapshot_id: hex(i + 3),
    revision_id: hex(i + 4),
    branch_name: 'refs/heads/main',
    visit_date: '2023-09-06T14:03:12.114000',
    revision_date: '2021-03-12T09:44:01',
    committer_date: '2021-03-12T09:44:01',
    github_id: 100_000_000 + i,
    star_events_count: i % 5000,
    fork_events_count: i % 300,
    gha_license_id: 'MIT',
    gha_event_created_at: '2023-01-02T03:04:05',
    gha_created_at: '2019-05-06T07:08:09',
    gha_language: 'Python',
    src_encoding: 'UTF-8',
    language: 'Python',
    is_vendor: false,
    is_generated: false,
    length_bytes: 0,
    extension: 'py',
    content: code(i, 1000 + (i % 8) * 1000),
  };
}

const lines = Array.from({ length: ROWS }, (_, i) => Buffer.from(JSON.stringify(row(i))));
const totalBytes = lines.reduce((n, l) => n + l.length + 1, 0);
const jsonlBytes = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
const utf8 = new TextDecoder('utf-8', { fatal: true });

// The fields the reader maps with the default names, as they are named in Stack v2 rows.
const FIELDS = ['content', 'path', 'repo_name', 'detected_licenses', 'star_events_count', 'revision_id', 'language', 'blob_id'];

let sink = 0;
const variants: Array<[string, () => Promise<void> | void]> = [
  ['JSON.parse, 8 fields', () => {
    for (const line of lines) {
      const o = JSON.parse(utf8.decode(line)) as Record<string, unknown>;
      for (const f of FIELDS) if (o[f] !== undefined) sink++;
    }
  }],
];
if (simdjson) {
  const sj = simdjson;
  variants.push(['simdjson lazyParse, 8 fields', () => {
    for (const line of lines) {
      const tape = sj.lazyParse(utf8.decode(line));
      for (const f of FIELDS) if (tape.valueForKeyPath(f) !== undefined) sink++;
    }
  }]);
  variants.push(['simdjson lazyParse, content + path', () => {
    for (const line of lines) {
      const tape = sj.lazyParse(utf8.decode(line));
      if (tape.valueForKeyPath('content') !== undefined && tape.valueForKeyPath('path') !== undefined) sink++;
    }
  }]);
}
variants.push(['readJsonl (whole reader)', async () => {
  async function* input() {
    for (let i = 0; i < jsonlBytes.length; i += 256 * 1024) yield jsonlBytes.subarray(i, i + 256 * 1024);
  }
  for await (const item of readJsonl(input(), {}, { name: 'bench' })) if (item.type === 'record') sink++;
}]);

console.log(`${ROWS} rows, ${(totalBytes / 1e6).toFixed(1)} MB of JSONL (${Math.round(totalBytes / ROWS)} bytes a row), median of ${RUNS} runs`);
if (!simdjson) console.log('simdjson is not installed: JSON.parse only');
// Rounds interleave the variants, so garbage one leaves behind (simdjson's tapes are freed by
// finalizers) does not land on the same variant every time.
for (const [, run] of variants) await run(); // warm up
const times = variants.map((): number[] => []);
for (let r = 0; r < RUNS; r++) {
  for (const [i, [, run]] of variants.entries()) {
    const t0 = performance.now();
    await run();
    times[i]!.push(performance.now() - t0);
  }
}
for (const [i, [name]] of variants.entries()) {
  const sorted = times[i]!.sort((a, b) => a - b);
  const s = sorted[Math.floor(sorted.length / 2)]! / 1000;
  console.log(`${name.padEnd(36)} ${(totalBytes / 1e6 / s).toFixed(0).padStart(5)} MB/s ${Math.round(ROWS / s).toLocaleString('en-US').padStart(9)} rows/s`);
}
if (sink === 0) console.log('(nothing read)');
