import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { diffDatasets, ManifestOptionsError, S3Sink, verifyDataset, writeDataset } from '../../../ops/manifest/index.js';
import { s3Client, startS3, type S3Server } from '../../harness/s3.js';
import { tempDir } from '../../harness/flows.js';
import { makeDoc, makeDocs } from './docs.js';

let s3: S3Server;
let client: S3Client;
const dir = tempDir('mesh-manifest-s3-');
before(async () => {
  s3 = await startS3();
  client = s3Client(s3.endpoint);
});
after(async () => {
  client?.destroy();
  await s3?.stop();
  dir.remove();
});

async function keys(prefix: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function object(key: string): Promise<Buffer> {
  const out = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

describe('manifest - an s3:// destination', () => {
  it('streams shards and the manifest under the prefix, byte-identical to a local write', async () => {
    const docs = makeDocs(24, 400);
    const opts = { name: 'ds', version: '1', shardBytes: 3000, s3Client: client };
    const remote = await writeDataset(docs, { ...opts, dest: `s3://${s3.bucket}/datasets/ds/v1` });
    const local = await writeDataset(docs, { ...opts, dest: join(dir.path, 'v1') });
    assert.equal(remote.url, `s3://${s3.bucket}/datasets/ds/v1`);
    assert.equal(remote.manifestSha256, local.manifestSha256);
    assert.deepEqual(await keys('datasets/ds/v1/'), ['datasets/ds/v1/manifest.json', ...remote.manifest.shards.map((s) => `datasets/ds/v1/${s.name}`)].sort());
    for (const s of remote.manifest.shards) {
      assert.equal(createHash('sha256').update(await object(`datasets/ds/v1/${s.name}`)).digest('hex'), s.sha256);
    }
    assert.deepEqual(await verifyDataset(`s3://${s3.bucket}/datasets/ds/v1/manifest.json`, { s3Client: client }), {
      url: `s3://${s3.bucket}/datasets/ds/v1`, shards: remote.manifest.shards.length, docs: 24, bytes: remote.manifest.totals.bytes,
    });
  });

  it('diffs a version on S3 against one in a directory', async () => {
    const docs = makeDocs(10, 300);
    await writeDataset(docs, { dest: `s3://${s3.bucket}/d/v1`, name: 'ds', version: '1', shardBytes: 1000, s3Client: client });
    await writeDataset([...docs.slice(1), makeDoc(77, 300)], { dest: join(dir.path, 'd2'), name: 'ds', version: '2', shardBytes: 1000 });
    const d = await diffDatasets(`s3://${s3.bucket}/d/v1`, join(dir.path, 'd2'), { s3Client: client });
    assert.deepEqual([d.added, d.removed, d.changed, d.unchanged], [[makeDoc(77).id], [docs[0]!.id], [], 9]);
  });

  it('streams a shard bigger than a part through a multipart upload', async () => {
    const recording = s3Client(s3.endpoint);
    const sent: string[] = [];
    recording.middlewareStack.add((next, context) => (args) => {
      sent.push(context.commandName ?? '?');
      return next(args);
    }, { step: 'initialize' });
    const sink = new S3Sink({ bucket: s3.bucket, prefix: 'big', client: recording, partSize: 5 * 1024 * 1024 });
    // Incompressible content at level 0: a shard of ~11 MiB, three parts.
    const docs = Array.from({ length: 11 }, (_, i) => ({ ...makeDoc(i), content: randomBytes(768 * 1024).toString('base64') }));
    const { manifest } = await writeDataset(docs, { dest: sink, name: 'big', version: '1', level: 0 });
    await sink.close();
    assert.equal(manifest.shards.length, 1);
    assert.ok(manifest.shards[0]!.bytes > 10 * 1024 * 1024, `shard of ${manifest.shards[0]!.bytes} bytes`);
    recording.destroy();
    assert.deepEqual(sent.filter((c) => c !== 'GetObjectCommand'), [
      'CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand', 'PutObjectCommand',
    ], 'three parts, then the manifest');
    const body = await object(`big/${manifest.shards[0]!.name}`);
    assert.equal(body.length, manifest.shards[0]!.bytes);
    assert.equal(createHash('sha256').update(body).digest('hex'), manifest.shards[0]!.sha256);
  });

  it('leaves no object behind when a shard upload is abandoned', async () => {
    const sink = new S3Sink({ bucket: s3.bucket, prefix: 'aborted', client });
    const stream = sink.createWriteStream('data/part-00000.jsonl.gz');
    const failed = new Promise((resolve) => stream.once('error', resolve));
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.write(Buffer.alloc(1000, 1));
    stream.destroy(new Error('stop'));
    assert.equal(((await failed) as Error).message, 'stop');
    await closed;
    assert.deepEqual(await keys('aborted/'), []);
    assert.equal(await sink.get('data/part-00000.jsonl.gz'), undefined);
  });

  it('names the field at fault in its options', () => {
    assert.throws(() => new S3Sink({ bucket: '', client }), (e: Error) => e instanceof ManifestOptionsError && /^bucket must be a non-empty bucket name/.test(e.message));
    assert.throws(() => new S3Sink({ bucket: 'b', partSize: 1024, client }), { message: 'partSize must be an integer of at least 5242880 (5 MiB), got 1024' });
  });
});
