import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { example, runToEnd, tempDir } from '../../harness/flows.js';
import { StoredRun } from '../../harness/read.js';
import { TOKEN, writeTree } from './corpus.js';

const dir = tempDir('stack-flow-');
after(() => dir.remove());
const source = join(dir.path, 'src');
writeTree(source);

async function curate(out: string, params: Record<string, unknown> = {}) {
  const done = await runToEnd(example('stack'), { store: join(dir.path, 'store'), params: { source, out, ...params } });
  assert.equal(done.record.status, 'succeeded', JSON.stringify(done.events.filter((e) => e.type === 'task.failed')));
  const manifestBytes = readFileSync(join(out, 'manifest.json'));
  const manifest = JSON.parse(manifestBytes.toString('utf8'));
  const rows = manifest.shards.flatMap((s: { name: string }) =>
    gunzipSync(readFileSync(join(out, s.name))).toString('utf8').trim().split('\n').map((l) => JSON.parse(l)));
  return { done, manifest, manifestBytes, rows: rows as Array<Record<string, unknown>> };
}

describe('stack flow - curation embedded', () => {
  it('publishes each kept file once, dropping every other with its reason', async () => {
    const { manifest, rows } = await curate(join(dir.path, 'out1'), { batchBytes: 4096, shufflePartitions: 3 });
    const ids = rows.map((r) => r.id).sort();
    // Exact and near copies of core.js collapse to one; gamma's two versions of util.js to one.
    assert.equal(ids.filter((id) => /alpha\/src\/core/.test(id as string)).length, 1);
    assert.equal(ids.filter((id) => /gamma\/lib\/util/.test(id as string)).length, 1);
    assert.ok(ids.includes('alpha/src/other.js'));
    // GPL code is dropped by the license policy; the bundle as generated; the PNG as binary.
    assert.ok(!ids.some((id) => (id as string).startsWith('beta/')));
    assert.ok(!ids.includes('alpha/dist/bundle.min.js'));
    assert.ok(!ids.includes('alpha/logo.png'));
    const d = manifest.counts.dropped;
    assert.equal(d['dedup:exact_duplicate'], 1);
    assert.ok(d['dedup:near_duplicate'] >= 2);
    assert.ok(d['license:non_permissive'] >= 1);
    assert.equal(d['language:generated'], 1);
    assert.equal(d['ingest:binary'], 1);
    const dropped = Object.values(d as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.equal(manifest.pipeline.in, 13, 'every file of the tree entered the pipeline');
    assert.equal(dropped + manifest.totals.docs, 13, 'every file is either published or dropped for one reason');
  });

  it('labels language and license and redacts the credential without keeping it anywhere', async () => {
    const { rows, done } = await curate(join(dir.path, 'out2'));
    const config = rows.find((r) => r.id === 'alpha/src/config.js')!;
    assert.match(config.content as string, /token: "<KEY>"/);
    assert.deepEqual(config.findings, [{ line: 2, kind: 'key', rule: 'github-token' }]);
    assert.equal(config.language, 'JavaScript');
    assert.deepEqual(config.detected_licenses, ['MIT']);
    assert.equal(config.license_type, 'permissive');
    assert.equal(rows.find((r) => r.id === 'gamma/README.md')?.license_type, 'no_license');
    const stored = new StoredRun(join(dir.path, 'store'), done.record.flow, done.record.run);
    const published = JSON.stringify(rows);
    assert.ok(!published.includes(TOKEN));
    assert.ok(await stored.artifact('publish', '0', 'manifestSha256'));
  });

  it('gives a byte-identical manifest for the same input and config, however the work is split', async () => {
    const a = await curate(join(dir.path, 'out3'), { batchBytes: 2048, shufflePartitions: 2 });
    const b = await curate(join(dir.path, 'out4'), { batchBytes: 2048, shufflePartitions: 2 });
    assert.deepEqual(a.manifestBytes, b.manifestBytes);
    // A different batch size changes the plan (and the config hash) but not what is published.
    const c = await curate(join(dir.path, 'out5'), { batchBytes: 1 << 20, shufflePartitions: 2 });
    assert.deepEqual(c.rows.map((r) => r.sha256).sort(), a.rows.map((r) => r.sha256).sort());
  });

  it('refuses to overwrite a dataset unless asked', async () => {
    const out = join(dir.path, 'out6');
    await curate(out);
    const again = await runToEnd(example('stack'), { store: join(dir.path, 'store'), params: { source, out } });
    assert.equal(again.record.status, 'failed');
    // It fails at the start, before reading anything.
    const failed = again.events.find((e) => e.type === 'task.failed');
    assert.ok(failed?.type === 'task.failed' && failed.step === 'start' && /already holds a dataset/.test(failed.error));
    await curate(out, { overwrite: true });
  });
});
