import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { DirSink, RECORD_FIELDS, ShardWriter, writeDataset } from '../../../ops/manifest/index.js';
import { tempDir } from '../../harness/flows.js';
import { makeDoc, makeDocs } from './docs.js';

const dir = tempDir('mesh-shards-');
after(() => dir.remove());
let n = 0;
const fresh = () => join(dir.path, `t${++n}`);

const line = (i: number, bytes: number): Buffer => {
  const head = `{"i":${i},"pad":"`;
  return Buffer.from(`${head}${'p'.repeat(bytes - head.length - 3)}"}\n`);
};

function files(root: string): string[] {
  return readdirSync(join(root, 'data')).sort();
}

describe('manifest - shards', () => {
  it('rolls to a new shard before a line would take a shard past shardBytes, keeping the order', async () => {
    const root = fresh();
    const writer = new ShardWriter(new DirSink(root), { shardBytes: 1000 });
    const lines = Array.from({ length: 10 }, (_, i) => line(i, 300));
    for (const l of lines) await writer.write(l);
    const shards = await writer.close();
    assert.deepEqual(shards.map((s) => s.docs), [3, 3, 3, 1]);
    assert.deepEqual(shards.map((s) => s.uncompressed_bytes), [900, 900, 900, 300]);
    assert.deepEqual(shards.map((s) => s.name), ['data/part-00000.jsonl.gz', 'data/part-00001.jsonl.gz', 'data/part-00002.jsonl.gz', 'data/part-00003.jsonl.gz']);
    assert.deepEqual(files(root), ['part-00000.jsonl.gz', 'part-00001.jsonl.gz', 'part-00002.jsonl.gz', 'part-00003.jsonl.gz']);
    const back = Buffer.concat(shards.map((s) => gunzipSync(readFileSync(join(root, s.name)))));
    assert.deepEqual(back, Buffer.concat(lines));
  });

  it('fills a shard exactly to shardBytes, and gives a line bigger than that a shard of its own', async () => {
    const root = fresh();
    const writer = new ShardWriter(new DirSink(root), { shardBytes: 1000 });
    for (const l of [line(0, 500), line(1, 500), line(2, 2500), line(3, 100), line(4, 950)]) await writer.write(l);
    const shards = await writer.close();
    assert.deepEqual(shards.map((s) => s.uncompressed_bytes), [1000, 2500, 100, 950]);
    for (const s of shards) assert.equal(gunzipSync(readFileSync(join(root, s.name))).length, s.uncompressed_bytes);
  });

  it('reports each shard file\'s real size and sha256', async () => {
    const root = fresh();
    const writer = new ShardWriter(new DirSink(root), { shardBytes: 4096 });
    for (let i = 0; i < 40; i++) await writer.write(line(i, 400));
    for (const s of await writer.close()) {
      const bytes = readFileSync(join(root, s.name));
      assert.equal(s.bytes, bytes.length);
      assert.equal(s.sha256, createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('writes byte-identical shards for the same docs in the same order, with no time or name in the gzip header', async () => {
    const docs = makeDocs(60, 700);
    const [a, b] = [fresh(), fresh()];
    await writeDataset(docs, { dest: a, name: 'same', version: '1', shardBytes: 8 * 1024 });
    // Objects built in another key order must not change a byte.
    const rebuilt = docs.map((d) => ({ meta: { ...Object.fromEntries(Object.entries(d.meta).reverse()) }, content: d.content, path: d.path, id: d.id }));
    await writeDataset(rebuilt, { dest: b, name: 'same', version: '1', shardBytes: 8 * 1024 });
    assert.ok(files(a).length >= 4, `expected several shards, got ${files(a).length}`);
    assert.deepEqual(files(a), files(b));
    for (const f of files(a)) {
      const [x, y] = [readFileSync(join(a, 'data', f)), readFileSync(join(b, 'data', f))];
      assert.ok(x.equals(y), `${f} differs`);
      assert.deepEqual([...x.subarray(0, 4)], [0x1f, 0x8b, 8, 0], 'gzip, deflate, no FNAME/FCOMMENT/FEXTRA flags');
      assert.equal(x.readUInt32LE(4), 0, 'mtime is zero');
      assert.equal(x[9], 255, 'OS is "unknown", not the machine\'s');
    }
    assert.ok(readFileSync(join(a, 'manifest.json')).equals(readFileSync(join(b, 'manifest.json'))));
    // A different order is a different dataset.
    const c = fresh();
    await writeDataset([...docs].reverse(), { dest: c, name: 'same', version: '1', shardBytes: 8 * 1024 });
    assert.notDeepEqual(readFileSync(join(c, 'data', 'part-00000.jsonl.gz')), readFileSync(join(a, 'data', 'part-00000.jsonl.gz')));
  });

  it('writes records with a fixed key order and the content\'s sha256 and length', async () => {
    const root = fresh();
    const doc = makeDoc(6, 50);
    doc.content = 'héllo\n';
    doc.meta.generated = false;
    doc.meta.stars = { b: 2, a: 1 };
    await writeDataset([doc], { dest: root, name: 'fields', version: '1', extraFields: ['stars', 'generated', 'missing'] });
    const text = gunzipSync(readFileSync(join(root, 'data', 'part-00000.jsonl.gz'))).toString('utf8');
    assert.ok(text.endsWith('}\n'));
    const record = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(record), [...RECORD_FIELDS, 'stars', 'generated', 'missing']);
    assert.deepEqual(record, {
      id: doc.id, repo: 'owner0/repo1', path: doc.path, language: null, license_type: 'permissive', detected_licenses: ['MIT'],
      content: 'héllo\n', length_bytes: 7, sha256: createHash('sha256').update('héllo\n').digest('hex'),
      stars: { a: 1, b: 2 }, generated: false, missing: null,
    });
    assert.match(text, /"stars":\{"a":1,"b":2\}/, 'nested meta is written canonically');
  });

  it('leaves no shard and no temporary file behind when aborted mid-shard', async () => {
    const root = fresh();
    const writer = new ShardWriter(new DirSink(root), { shardBytes: 1000 });
    for (let i = 0; i < 5; i++) await writer.write(line(i, 300));
    await writer.abort();
    assert.deepEqual(files(root), ['part-00000.jsonl.gz'], 'only the finished shard stays');
  });
});
