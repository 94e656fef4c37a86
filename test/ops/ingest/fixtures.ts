/** Fixtures built at test time: temp dirs, tar archives (tar-stream's pack), git repos, Stack-shaped rows. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { IngestItem, IngestRecord } from '../../../ops/ingest/index.js';

/** A fresh directory under the OS temp dir; `cleanup` removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFiles(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), body);
  }
}

export async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}

export const records = (items: IngestItem[]): IngestRecord[] =>
  items.flatMap((i) => (i.type === 'record' ? [i.record] : []));
export const skips = (items: IngestItem[]): Array<[string, string]> =>
  items.flatMap((i) => (i.type === 'skip' ? [[i.path, i.reason] as [string, string]] : []));
export const text = (r: IngestRecord): string => Buffer.from(r.bytes).toString('utf8');
/** `path=content` of every record, for one-line comparisons. */
export const contents = (items: IngestItem[]): string[] => records(items).map((r) => `${r.path}=${text(r)}`);

export interface TarMember {
  header: Partial<tar.Header> & { name: string };
  body?: string | Uint8Array;
}

export async function tarBytes(members: TarMember[], gzip = false): Promise<Buffer> {
  const pack = tar.pack();
  // Read while writing: an entry's callback waits until the pack's buffer has room.
  const chunks: Buffer[] = [];
  const drained = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const m of members) {
    await new Promise<void>((ok, fail) => {
      const body = m.body === undefined ? undefined : Buffer.from(m.body);
      pack.entry(body ? { ...m.header, size: body.length } : m.header, body as Buffer, (err) => (err ? fail(err) : ok()));
    });
  }
  pack.finalize();
  await drained;
  const plain = Buffer.concat(chunks);
  return gzip ? gzipSync(plain) : plain;
}

const GIT_ID = ['-c', 'user.name=Ingest Test', '-c', 'user.email=ingest@example.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', [...GIT_ID, '-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A repo at `dir` with `files` committed; returns the commit sha. */
export function gitRepo(dir: string, files: Record<string, string | Uint8Array>, message = 'fixture'): string {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q');
  writeFiles(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** Code-like text with escapes JSON must encode: quotes, backslashes, tabs, non-ASCII. */
export function code(seed: number, length: number): string {
  const parts = [
    'const greeting = "hello\\tworld";\n',
    '\tif (a < b) { return \'q\'; }\n',
    '// ünïcödé and emoji 🎉\n',
    'path = "C:\\\\Users\\\\x"\n',
    'printf("%d\\n", i);\n',
    'def f(x):\n    return x * 2\n',
  ];
  let s = '';
  let x = seed >>> 0;
  while (s.length < length) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += parts[x % parts.length];
  }
  return s;
}

/** A row in The Stack v2's shape (content included, as in the full-files sets). */
export function stackRow(i: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    blob_id: i.toString(16).padStart(40, '0'),
    directory_id: 'd'.repeat(40),
    path: `src/mod${i}/file${i}.py`,
    content_id: 'c'.repeat(40),
    detected_licenses: ['MIT', 'Apache-2.0'],
    license_type: 'permissive',
    repo_name: `owner${i % 7}/repo${i % 5}`,
    snapshot_id: 's'.repeat(40),
    revision_id: 'e'.repeat(40),
    branch_name: 'refs/heads/main',
    visit_date: '2023-09-01T00:00:00Z',
    star_events_count: i % 100,
    fork_events_count: 3,
    gha_language: 'Python',
    src_encoding: 'UTF-8',
    language: 'Python',
    is_vendor: false,
    is_generated: false,
    length_bytes: 0,
    extension: 'py',
    content: code(i, 200 + (i % 5) * 100),
    ...over,
  };
}

export const jsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
