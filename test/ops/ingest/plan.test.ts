import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { planBatches, readBatch, readSource, type Batch, type IngestItem } from '../../../ops/ingest/index.js';
import { writeParquet } from './parquet-writer.js';
import { code, collect, gitRepo, jsonl, records, tarBytes, tempDir, writeFiles } from './fixtures.js';

const N = 60;
const files: Record<string, string> = {};
for (let i = 0; i < N; i++) files[`pkg${i % 4}/mod${String(i).padStart(2, '0')}.py`] = code(i, 100 + ((i * 37) % 900));
const rows = Object.entries(files).map(([path, content]) => ({ path, content, repo_name: 'o/r' }));

/** Reads the batches the way a mesh would: all at once, in a shuffled order, joined by index. */
async function readLikeWorkers(batches: Batch[]): Promise<IngestItem[]> {
  const order = batches.map((_, i) => i).sort((a, b) => ((a * 7919) % 13) - ((b * 7919) % 13));
  const results = new Map<number, IngestItem[]>();
  await Promise.all(order.map(async (i) => results.set(batches[i]!.index, await collect(readBatch(JSON.stringify(batches[i]))))));
  return [...results.keys()].sort((a, b) => a - b).flatMap((k) => results.get(k)!);
}

describe('ingest plan - batches split by bytes, read every file exactly once, and never change', () => {
  const { dir, cleanup } = tempDir();
  const sources: Record<string, string> = {};
  before(async () => {
    writeFiles(join(dir, 'tree'), files);
    sources.dir = `dir:${join(dir, 'tree')}`;
    const members = Object.entries(files).map(([name, body]) => ({ header: { name }, body }));
    writeFileSync(join(dir, 'a.tar'), await tarBytes(members));
    writeFileSync(join(dir, 'a.tar.gz'), await tarBytes(members, true));
    sources.tar = join(dir, 'a.tar');
    sources['tar.gz'] = join(dir, 'a.tar.gz');
    writeFileSync(join(dir, 'a.jsonl'), jsonl(rows));
    writeFileSync(join(dir, 'a.jsonl.gz'), gzipSync(jsonl(rows)));
    sources.jsonl = join(dir, 'a.jsonl');
    sources['jsonl.gz'] = join(dir, 'a.jsonl.gz');
    writeFileSync(join(dir, 'a.parquet'), writeParquet([{ name: 'path', kind: 'string' }, { name: 'content', kind: 'string' }, { name: 'repo_name', kind: 'string' }], rows, 16));
    sources.parquet = join(dir, 'a.parquet');
    gitRepo(join(dir, 'repo'), files);
    sources.git = `git:${join(dir, 'repo')}`;
  });
  after(cleanup);

  const total = Object.values(files).reduce((n, s) => n + Buffer.byteLength(s), 0);

  for (const kind of ['dir', 'tar', 'tar.gz', 'jsonl', 'jsonl.gz', 'parquet', 'git']) {
    it(`${kind}: batches of ~4 KB cover every file once, in the same order as one read, run after run`, async () => {
      const source = sources[kind]!;
      const batches = await collect(planBatches(source, { batchBytes: 4096 }));
      const again = await collect(planBatches(source, { batchBytes: 4096 }));
      assert.equal(JSON.stringify(again), JSON.stringify(batches), 'the same source and options give the same plan');
      assert.deepEqual(batches.map((b) => b.index), batches.map((_, i) => i));
      // Byte counts: every batch but the last reaches batchBytes; none is far past it.
      const expected = Math.ceil(total / 4096);
      assert.ok(batches.length >= expected - 2 && batches.length <= expected + 2, `${batches.length} batches for ${total} bytes`);
      for (const b of batches.slice(0, -1)) assert.ok(b.bytes >= 4096 * 0.8 && b.bytes < 4096 + 1500, `batch ${b.index}: ${b.bytes} bytes`);

      const whole = await collect(readSource(source));
      const viaBatches = await readLikeWorkers(batches);
      const oneBatch = await readLikeWorkers(await collect(planBatches(source)));
      assert.deepEqual(viaBatches, whole);
      assert.deepEqual(oneBatch, whole);
      const paths = records(whole).map((r) => r.path);
      assert.equal(paths.length, N);
      assert.deepEqual([...paths].sort(), Object.keys(files).sort());
      for (const r of records(whole)) assert.equal(Buffer.from(r.bytes).toString(), files[r.path]);
    });
  }

  it('descriptors stay small: a listing of many files is cut at batchEntries', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 250; i++) many[`f${i}.txt`] = '';
    writeFiles(join(dir, 'many'), many);
    const batches = await collect(planBatches(`dir:${join(dir, 'many')}`, { batchEntries: 100 }));
    assert.deepEqual(batches.map((b) => b.type === 'ingest.v1.dir' && b.entries.length), [100, 100, 50]);
    assert.ok(batches.every((b) => JSON.stringify(b).length < 8 * 1024));
  });
});
