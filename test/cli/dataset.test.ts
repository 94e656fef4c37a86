import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeDataset } from '../../ops/manifest/index.js';
import { ROOT, tempDir } from '../harness/flows.js';
import { makeDoc, makeDocs } from '../ops/manifest/docs.js';

const CLI = join(ROOT, 'dist/cli/index.js');
const dir = tempDir('mesh-cli-dataset-');
const v1 = join(dir.path, 'v1');
const v2 = join(dir.path, 'v2');
after(() => dir.remove());

function mesh(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir.path, env: { ...process.env, MESH_NATS_URL: '', MESH_STORE: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const docs = makeDocs(30, 300);
// v2: 25 new documents, the first 3 removed, 2 edited.
const added = makeDocs(25, 300, 100);
const edited = [docs[10]!, docs[20]!];
before(async () => {
  await writeDataset(docs, { dest: v1, name: 'ds', version: '1', shardBytes: 3000 });
  const next = docs.slice(3).map((d) => (edited.includes(d) ? { ...d, content: `${d.content}!` } : d));
  await writeDataset([...next, ...added], { dest: v2, name: 'ds', version: '2', shardBytes: 3000 });
});

describe('mesh dataset diff', () => {
  it('prints a summary and the ids added, removed and changed, 20 of each by default', async () => {
    const r = await mesh('dataset', 'diff', 'v1', join(v2, 'manifest.json'));
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^a: ds 1, 30 docs in \d+ shards \(file:\/\/.*\/v1\)$/);
    assert.match(lines[1]!, /^b: ds 2, 52 docs in \d+ shards \(file:\/\/.*\/v2\)$/);
    assert.equal(lines[2], '25 added, 3 removed, 2 changed, 25 unchanged');
    const section = (name: string) => {
      const start = lines.indexOf(`${name}:`);
      const end = lines.indexOf('', start);
      return lines.slice(start + 1, end);
    };
    const sortedAdded = added.map((d) => d.id).sort();
    assert.deepEqual(section('added'), [...sortedAdded.slice(0, 20).map((id) => `  ${id}`), '  ... and 5 more (--limit to list more)']);
    assert.deepEqual(section('removed'), docs.slice(0, 3).map((d) => `  ${d.id}`).sort());
    assert.deepEqual(section('changed'), edited.map((d) => `  ${d.id}`).sort());
  });

  it('--limit bounds each list, and 0 prints only the summary', async () => {
    const [two, zero, bad] = await Promise.all([
      mesh('dataset', 'diff', v1, v2, '--limit', '2'),
      mesh('dataset', 'diff', v1, v2, '--limit', '0'),
      mesh('dataset', 'diff', v1, v2, '--limit', 'many'),
    ]);
    assert.match(two.stdout, /\nadded:\n {2}\S+\n {2}\S+\n {2}\.\.\. and 23 more/);
    assert.equal(zero.stdout.split('\n').length, 4);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /expected a number of ids \(0, 1, \.\.\.\), got 'many'/);
  });

  it('--json prints the summary, then one line per listed document (all of them unless --limit)', async () => {
    const [r, limited] = await Promise.all([mesh('dataset', 'diff', v1, v2, '--json'), mesh('dataset', 'diff', v1, v2, '--json', '--limit', '1')]);
    assert.equal(r.code, 0, r.stderr);
    const [summary, ...rest] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual({ ...summary, a: undefined, b: undefined }, { type: 'dataset.diff', a: undefined, b: undefined, added: 25, removed: 3, changed: 2, unchanged: 25 });
    assert.deepEqual((summary!.a as Record<string, unknown>).docs, 30);
    assert.equal(rest.length, 30);
    assert.deepEqual(rest.filter((l) => l.change === 'changed').map((l) => l.id), edited.map((d) => d.id).sort());
    assert.equal(limited.stdout.trim().split('\n').length, 4);
  });

  it('exits 2 with one line when a version is not there', async () => {
    const r = await mesh('dataset', 'diff', v1, 'nowhere');
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `mesh: no dataset at file://${join(dir.path, 'nowhere')}/manifest.json (no manifest.json)\n`);
  });
});

describe('mesh dataset verify', () => {
  it('checks every shard against the manifest, and exits 1 naming a shard that differs', async () => {
    const ok = await mesh('dataset', 'verify', v1);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^ok file:\/\/.*\/v1: 30 docs in \d+ shards \(\d+ bytes\) match the manifest\n$/);
    const broken = join(dir.path, 'broken');
    await writeDataset([makeDoc(1), makeDoc(2)], { dest: broken, name: 'ds', version: '1' });
    writeFileSync(join(broken, 'data', 'part-00000.jsonl.gz'), 'garbage');
    const r = await mesh('dataset', 'verify', broken, '--json');
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^mesh: file:\/\/.*\/broken\/data\/part-00000\.jsonl\.gz: cannot be read/);
  });
});
