import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import {
  canonicalJson, CanonicalJsonError, configHash, DatasetExistsError, DatasetNotFoundError, DatasetWriter, finishDataset, ManifestFormatError, writeDatasetPart,
  ManifestOptionsError, openDataset, parseManifest, readShard, resolveDatasetWriterOptions, ShardIntegrityError, verifyDataset, writeDataset,
  type DatasetWriterOptions, type Manifest,
} from '../../../ops/manifest/index.js';
import { OptOutSnapshot } from '../../../ops/optout/index.js';
import { PipelineStats } from '../../../ops/pipeline.js';
import { tempDir } from '../../harness/flows.js';
import { makeDocs } from './docs.js';

const dir = tempDir('mesh-manifest-');
after(() => dir.remove());
let n = 0;
const fresh = () => join(dir.path, `t${++n}`);
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

function stats(): PipelineStats {
  const s = new PipelineStats();
  s.docsIn = 30;
  s.docsOut = 21;
  s.drop('optout:opted_out', 4);
  s.drop('size:too_large', 5);
  s.step('size').ms = Math.random() * 100; // timings differ on every run and must not reach the manifest
  return s;
}

const config = { dedup: { threshold: 0.7, bands: 20 }, languages: ['Python', 'Go'], maxBytes: 1 << 20 };

function options(dest: string, over: Partial<DatasetWriterOptions> = {}): DatasetWriterOptions {
  return {
    dest, name: 'stack-mini', version: '2024.06', shardBytes: 2048, config,
    inputs: { 'batch-1.tar': sha256('one'), 'batch-0.tar': sha256('zero') },
    optout: new OptOutSnapshot(['acme', 'octocat/secret']),
    ...over,
  };
}

describe('manifest - canonical JSON', () => {
  it('sorts keys at every depth and gives the same bytes whatever the insertion order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    assert.equal(canonicalJson({ a: { c: null, d: [3, { y: 2, z: 1 }] }, b: 1 }), canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }));
    assert.equal(canonicalJson({ b: [], a: {} }, 2), '{\n  "a": {},\n  "b": []\n}');
    assert.equal(canonicalJson({ x: undefined, y: -0, d: new Date(0) }), '{"d":"1970-01-01T00:00:00.000Z","y":0}');
    assert.equal(configHash({ b: 2, a: 1 }), configHash({ a: 1, b: 2 }));
    assert.notEqual(configHash({ a: 1, b: 2 }), configHash({ a: 1, b: 3 }));
  });

  it('refuses values JSON cannot hold faithfully, naming where they are', () => {
    assert.throws(() => canonicalJson({ a: { b: new Map() } }), (e: Error) => e instanceof CanonicalJsonError && e.message === 'a.b is a Map; convert it to an object or array first');
    assert.throws(() => canonicalJson({ n: [1, Number.NaN] }), { message: 'n[1] is NaN, which JSON cannot hold' });
    assert.throws(() => canonicalJson({ big: 1n }), { message: 'big is a bigint, which JSON cannot hold' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => canonicalJson(cyclic), { message: 'self is circular' });
  });
});

describe('manifest - writing a dataset', () => {
  it('records shards, totals, counts, config hash, inputs and opt-out digest, with keys sorted and no timestamp', async () => {
    const root = fresh();
    const snapshot = new OptOutSnapshot(['acme', 'octocat/secret']);
    const written = await writeDataset(makeDocs(21, 300), { ...options(root), stats: stats() });
    const text = readFileSync(join(root, 'manifest.json'), 'utf8');
    assert.equal(written.manifestSha256, sha256(text));
    assert.ok(text.endsWith('}\n'));
    assert.equal(canonicalJson(JSON.parse(text), 2) + '\n', text, 'the file is its own canonical form');
    assert.doesNotMatch(text, /20\d\d-\d\d-\d\dT|"ms"|created/i, 'nothing that changes between runs');
    const m = JSON.parse(text) as Manifest;
    assert.deepEqual(Object.keys(m), ['config_sha256', 'counts', 'format', 'inputs', 'name', 'optout', 'pipeline', 'schema', 'shards', 'totals', 'version']);
    assert.equal(m.schema, 'mesh.v1.dataset.manifest');
    assert.equal(m.name, 'stack-mini');
    assert.equal(m.version, '2024.06');
    assert.equal(m.config_sha256, sha256(canonicalJson(config)));
    assert.deepEqual(Object.keys(m.inputs), ['batch-0.tar', 'batch-1.tar']);
    assert.deepEqual(m.optout, { digest: snapshot.digest, entries: 2 });
    assert.deepEqual(m.pipeline, { in: 30, out: 21 });
    assert.deepEqual(m.counts.dropped, { 'optout:opted_out': 4, 'size:too_large': 5 });
    // makeDoc: languages cycle Python/JavaScript/Go, every 7th has none; licenses alternate.
    assert.deepEqual(m.counts.language, { Go: 6, JavaScript: 6, Python: 6, unknown: 3 });
    assert.deepEqual(m.counts.license_type, { no_license: 10, permissive: 11 });
    assert.deepEqual(m.format, { compression: 'gzip', fields: ['id', 'repo', 'path', 'language', 'license_type', 'detected_licenses', 'content', 'length_bytes', 'sha256'], level: 6, shard_bytes: 2048, type: 'jsonl' });
    assert.ok(m.shards.length >= 3);
    assert.deepEqual(m.totals, {
      bytes: m.shards.reduce((a, s) => a + s.bytes, 0),
      docs: 21,
      shards: m.shards.length,
      uncompressed_bytes: m.shards.reduce((a, s) => a + s.uncompressed_bytes, 0),
    });
    assert.deepEqual(written.manifest, m);
  });

  it('has digests and sizes that match the shard files, and verifyDataset reads them back', async () => {
    const root = fresh();
    const { manifest } = await writeDataset(makeDocs(25, 300), options(root));
    for (const s of manifest.shards) {
      const bytes = readFileSync(join(root, s.name));
      assert.equal(s.sha256, sha256(bytes), s.name);
      assert.equal(s.bytes, bytes.length, s.name);
    }
    assert.deepEqual(await verifyDataset(root), { url: `file://${root}`, shards: manifest.shards.length, docs: 25, bytes: manifest.totals.bytes });
  });

  it('catches a shard that was changed after the manifest was written', async () => {
    const root = fresh();
    const { manifest } = await writeDataset(makeDocs(12, 300), options(root));
    const victim = join(root, manifest.shards[1]!.name);
    const other = readFileSync(join(root, manifest.shards[0]!.name));
    writeFileSync(victim, other);
    await assert.rejects(verifyDataset(root), (e: Error) => e instanceof ShardIntegrityError && e.shard === manifest.shards[1]!.name && /has sha256 [0-9a-f]{64}; the manifest says|is \d+ bytes; the manifest says/.test(e.message));
    writeFileSync(victim, Buffer.from('not gzip at all'));
    await assert.rejects(verifyDataset(join(root, 'manifest.json')), (e: Error) => e instanceof ShardIntegrityError && /cannot be read/.test(e.message));
  });

  it('writes a byte-identical manifest for the same docs, config, inputs, registry and stats', async () => {
    const [a, b] = [fresh(), fresh()];
    const wa = await writeDataset(makeDocs(20, 250), { ...options(a), stats: stats() });
    const reordered = { maxBytes: 1 << 20, languages: ['Python', 'Go'], dedup: { bands: 20, threshold: 0.7 } };
    const wb = await writeDataset(makeDocs(20, 250), {
      ...options(b, { config: reordered, inputs: { 'batch-0.tar': sha256('zero'), 'batch-1.tar': sha256('one') }, optout: new OptOutSnapshot(['octocat/secret', 'ACME']) }),
      stats: stats().toJSON(),
    });
    assert.ok(readFileSync(join(a, 'manifest.json')).equals(readFileSync(join(b, 'manifest.json'))));
    assert.equal(wa.manifestSha256, wb.manifestSha256);
    const c = fresh();
    const wc = await writeDataset(makeDocs(20, 250), { ...options(c, { config: { ...config, maxBytes: 1 } }), stats: stats() });
    assert.notEqual(wc.manifest.config_sha256, wa.manifest.config_sha256, 'another config, another hash');
    assert.deepEqual(wc.manifest.shards, wa.manifest.shards, '... and the same shards');
  });

  it('parts written in parallel, in any order and again, give one dataset whose shards are in part order', async () => {
    const root = fresh();
    const batches = [makeDocs(9, 300, 0), makeDocs(0), makeDocs(5, 300, 9)];
    const partOptions = { dest: root, name: 'stack-mini', version: '2024.06', shardBytes: 2048 };
    // Part 2 first, then 0 and 1 together, then part 0 again (a retried task): same bytes.
    const p2 = await writeDatasetPart(batches[2]!, { ...partOptions, part: 2 });
    const [p0, p1] = await Promise.all([0, 1].map((part) => writeDatasetPart(batches[part]!, { ...partOptions, part })));
    const first = p0!.shards.map((s) => readFileSync(join(root, s.name)));
    const again = await writeDatasetPart(batches[0]!, { ...partOptions, part: 0 });
    assert.deepEqual(again, p0);
    again.shards.forEach((s, i) => assert.ok(readFileSync(join(root, s.name)).equals(first[i]!), s.name));
    assert.deepEqual(p1!.shards, [], 'an empty batch has no shard');
    assert.match(p0!.shards[0]!.name, /^data\/part-00000-00000\.jsonl\.gz$/);
    assert.ok(p0!.shards.length > 1, 'a part rolls its shards at shardBytes');

    const written = await finishDataset([p0!, p1!, p2], { ...options(root), stats: stats() });
    assert.deepEqual(written.manifest.shards.map((s) => s.name), [...p0!.shards, ...p2.shards].map((s) => s.name));
    assert.equal(written.manifest.totals.docs, 14);
    assert.deepEqual(written.manifest.counts.license_type, { permissive: 7, no_license: 7 });
    const ids: string[] = [];
    const opened = await openDataset(root);
    for (const shard of opened.manifest.shards) for await (const r of readShard(opened.sink, shard)) ids.push(r.id);
    await opened.close();
    assert.deepEqual(ids, [...batches[0]!, ...batches[2]!].map((d) => d.id), 'documents in part order');
    assert.deepEqual((await verifyDataset(root)).docs, 14);
    await assert.rejects(finishDataset([p0!], options(root)), DatasetExistsError, 'the manifest is the completion marker: not written twice unless asked');
  });

  it('writes no manifest (and no partial shard) when the documents fail half-way', async () => {
    const root = fresh();
    async function* failing() {
      yield* makeDocs(15, 300);
      throw new Error('source went away');
    }
    await assert.rejects(writeDataset(failing(), options(root)), { message: 'source went away' });
    assert.equal(existsSync(join(root, 'manifest.json')), false);
    const left = readdirSync(join(root, 'data'));
    assert.ok(left.length >= 1 && left.every((f) => /^part-\d{5}\.jsonl\.gz$/.test(f)), left.join(' '));
    // What is left are whole shards (each a complete gzip stream), none holding the last documents.
    const written = left.map((f) => gunzipSync(readFileSync(join(root, 'data', f))).toString('utf8')).join('');
    assert.ok(written.split('\n').length - 1 < 15, 'the shard being written when it failed is gone');
    await assert.rejects(openDataset(root), DatasetNotFoundError);
  });

  it('writes an empty dataset as a manifest with no shards', async () => {
    const root = fresh();
    const { manifest } = await writeDataset([], options(root, { config: undefined, optout: undefined, inputs: undefined }));
    assert.deepEqual(manifest.shards, []);
    assert.deepEqual(manifest.totals, { bytes: 0, docs: 0, shards: 0, uncompressed_bytes: 0 });
    assert.equal(manifest.config_sha256, null);
    assert.equal(manifest.optout, null);
    assert.equal(manifest.pipeline, null);
  });

  it('refuses to write over a published version unless asked to', async () => {
    const root = fresh();
    await writeDataset(makeDocs(3), options(root));
    await assert.rejects(DatasetWriter.create(options(root)), (e: Error) => e instanceof DatasetExistsError && e.message.startsWith(`file://${root} already holds a dataset`));
    const again = await writeDataset(makeDocs(4), options(root, { overwrite: true }));
    assert.equal(again.manifest.totals.docs, 4);
  });

  it('names the field at fault in every option error', () => {
    const base = { name: 'ds', version: '1' };
    const rules: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: '' }, /^name must start with a letter or digit/],
      [{ name: 'a/b' }, /^name must start .* got "a\/b"$/],
      [{ version: ' 1' }, /^version must start with a letter or digit/],
      [{ shardBytes: 0 }, /^shardBytes must be a positive integer, got 0$/],
      [{ shardBytes: 1.5 }, /^shardBytes must be a positive integer/],
      [{ level: 10 }, /^level must be an integer from 0 to 9, got 10$/],
      [{ inputs: { a: '' } }, /^inputs\.a must be a non-empty digest string$/],
      [{ config: { when: new Map() } }, /^config cannot be hashed: when is a Map/],
      [{ optout: { digest: 'abc', entries: 1 } }, /^optout\.digest must be a sha256 in hex/],
      [{ extraFields: ['content'] }, /^extraFields holds 'content' twice or names a standard field$/],
      [{ extraFields: ['x', 'x'] }, /^extraFields holds 'x' twice/],
    ];
    for (const [over, message] of rules) {
      assert.throws(() => resolveDatasetWriterOptions({ ...base, ...over } as never), (e: Error) => e instanceof ManifestOptionsError && message.test(e.message), message.source);
    }
  });
});

describe('manifest - reading', () => {
  it('opens a dataset by its directory or its manifest path, and says when there is none', async () => {
    const root = fresh();
    await writeDataset(makeDocs(5), options(root));
    const byDir = await openDataset(root);
    const byFile = await openDataset(join(root, 'manifest.json'));
    assert.deepEqual(byDir.manifest, byFile.manifest);
    await Promise.all([byDir.close(), byFile.close()]);
    await assert.rejects(openDataset(fresh()), (e: Error) => e instanceof DatasetNotFoundError && /^no dataset at file:\/\/.*\/manifest\.json \(no manifest\.json\)$/.test(e.message));
  });

  it('fails loudly on a manifest of an unknown schema or a malformed one', () => {
    assert.throws(() => parseManifest('{"schema":"mesh.v2.dataset.manifest"}', 'x'), (e: Error) => e instanceof ManifestFormatError && e.message === 'x: has schema "mesh.v2.dataset.manifest"; this version reads mesh.v1.dataset.manifest');
    assert.throws(() => parseManifest('nope', 'x'), /x: is not valid JSON/);
    const bad = { schema: 'mesh.v1.dataset.manifest', name: 'a', version: '1', shards: [{ name: '../etc/passwd', sha256: 'a'.repeat(64), bytes: 1, uncompressed_bytes: 1, docs: 1 }] };
    assert.throws(() => parseManifest(JSON.stringify(bad), 'x'), /x: shards\[0\]\.name must be a relative object name/);
  });
});
