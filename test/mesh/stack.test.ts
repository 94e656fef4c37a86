import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { example, runToEnd, tempDir } from '../harness/flows.js';
import { TestMesh } from '../harness/mesh.js';
import { writeTree } from '../ops/stack/corpus.js';

const dir = tempDir('stack-mesh-');
let mesh: TestMesh;
before(async () => {
  writeTree(join(dir.path, 'src'));
  mesh = await TestMesh.start();
  await mesh.coordinator();
  await mesh.worker(2, 'w1');
  await mesh.worker(1, 'w2');
});
after(async () => {
  await mesh.stop();
  dir.remove();
});

describe('stack flow - on the mesh', () => {
  it('publishes a byte-identical manifest and shards to the embedded run', async () => {
    const params = { source: join(dir.path, 'src'), batchBytes: 3000, shufflePartitions: 3 };
    const embedded = await runToEnd(example('stack'), { store: join(dir.path, 'store'), params: { ...params, out: join(dir.path, 'embedded') } });
    assert.equal(embedded.record.status, 'succeeded');
    const submitted = await mesh.submit(example('stack'), { ...params, out: join(dir.path, 'mesh') });
    const final = await mesh.follow(submitted);
    assert.equal(final.status, 'succeeded');
    const a = readFileSync(join(dir.path, 'embedded', 'manifest.json'));
    const b = readFileSync(join(dir.path, 'mesh', 'manifest.json'));
    assert.deepEqual(b, a);
    const manifest = JSON.parse(a.toString('utf8')) as { shards: Array<{ name: string }> };
    assert.ok(Object.keys(JSON.parse(a.toString('utf8')).inputs).length > 1, 'the input was split into several batches');
    for (const s of manifest.shards) assert.deepEqual(readFileSync(join(dir.path, 'mesh', s.name)), readFileSync(join(dir.path, 'embedded', s.name)));
  });
});
