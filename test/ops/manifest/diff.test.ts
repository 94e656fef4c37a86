import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { diffDatasets, DuplicateDocIdError, ShardIntegrityError, writeDataset } from '../../../ops/manifest/index.js';
import type { Doc } from '../../../ops/pipeline.js';
import { tempDir } from '../../harness/flows.js';
import { makeDoc, makeDocs } from './docs.js';

const dir = tempDir('mesh-diff-');
after(() => dir.remove());
let n = 0;
const fresh = () => join(dir.path, `t${++n}`);

async function version(docs: Doc[], v: string, shardBytes = 1500): Promise<string> {
  const root = fresh();
  await writeDataset(docs, { dest: root, name: 'ds', version: v, shardBytes });
  return root;
}

describe('manifest - diffDatasets', () => {
  it('finds documents added, removed and changed, keyed by id and compared by content', async () => {
    const v1 = makeDocs(30, 300);
    const changedIds = [v1[3]!.id, v1[17]!.id];
    const v2 = v1
      .filter((_, i) => i !== 5 && i !== 29)
      .map((d) => (changedIds.includes(d.id) ? { ...d, content: `${d.content}// edited\n` } : d))
      // Only the metadata differs: not a change.
      .map((d, i) => (i === 0 ? { ...d, meta: { ...d.meta, license_type: 'permissive', language: 'Rust' } } : d));
    v2.splice(10, 0, makeDoc(100, 300));
    v2.push(makeDoc(101, 300));
    // Another order must not matter either.
    v2.reverse();
    const [a, b] = [await version(v1, '1'), await version(v2, '2')];
    const d = await diffDatasets(a, join(b, 'manifest.json'));
    assert.deepEqual(d.added, [makeDoc(100).id, makeDoc(101).id].sort());
    assert.deepEqual(d.removed, [v1[29]!.id, v1[5]!.id].sort());
    assert.deepEqual(d.changed, [...changedIds].sort());
    assert.equal(d.unchanged, 30 - 2 - 2);
    assert.deepEqual(d.a, { url: `file://${a}`, name: 'ds', version: '1', shards: d.a.shards, docs: 30 });
    assert.equal(d.b.docs, 30);
    assert.ok(d.a.shards > 3);
  });

  it('reports nothing between a version and itself, and mirrors itself when swapped', async () => {
    const docs = makeDocs(12, 300);
    const [a, b] = [await version(docs, '1'), await version([...docs.slice(2), makeDoc(50)], '2')];
    const same = await diffDatasets(a, a);
    assert.deepEqual([same.added, same.removed, same.changed, same.unchanged], [[], [], [], 12]);
    const ab = await diffDatasets(a, b);
    const ba = await diffDatasets(b, a);
    assert.deepEqual([ab.added, ab.removed], [ba.removed, ba.added]);
    assert.equal(ab.added.length, 1);
    assert.equal(ab.removed.length, 2);
  });

  it('reads an appended version whole and finds only the new documents', async () => {
    const docs = makeDocs(20, 280);
    const a = await version(docs, '1', 4096);
    const appended = await version([...docs, ...makeDocs(7, 280, 200)], '2', 4096);
    const d = await diffDatasets(a, appended);
    assert.equal(d.added.length, 7);
    assert.deepEqual([d.removed, d.changed, d.unchanged], [[], [], 20]);
  });

  it('refuses to guess when a version holds one id twice', async () => {
    const docs = makeDocs(6, 300);
    const a = await version(docs, '1');
    const b = await version([...docs, { ...docs[2]!, content: 'again' }], '2');
    await assert.rejects(diffDatasets(a, b), (e: Error) => e instanceof DuplicateDocIdError && e.id === docs[2]!.id && e.message.startsWith(`file://${b}: document id`));
  });

  it('fails on a shard that does not match its manifest', async () => {
    const a = await version(makeDocs(10, 300), '1');
    const b = await version(makeDocs(11, 300), '2');
    writeFileSync(join(b, 'data', 'part-00000.jsonl.gz'), 'garbage');
    await assert.rejects(diffDatasets(a, b), ShardIntegrityError);
  });
});
