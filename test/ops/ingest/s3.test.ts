import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { IngestSourceError, planBatches, readBatch, readSource, type IngestOptions } from '../../../ops/ingest/index.js';
import { S3RVER_CREDENTIALS, s3Client, startS3, type S3Server } from '../../harness/s3.js';
import { collect, contents, records, skips } from './fixtures.js';

describe('ingest s3 - every object under a prefix, against a real S3 server', () => {
  let s3: S3Server;
  let client: S3Client;
  let options: IngestOptions;
  const put = (Key: string, Body: string | Uint8Array) => client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body }));

  before(async () => {
    s3 = await startS3('ingest-test');
    client = s3Client(s3.endpoint);
    options = { maxBytes: 1000, s3: { endpoint: s3.endpoint, credentials: S3RVER_CREDENTIALS } };
    await put('code/b.py', 'b\n');
    await put('code/a/z.js', 'z\n');
    await put('code/a/y.js', 'y\n');
    await put('code/big.bin', Buffer.alloc(5000, 1));
    await put('code/empty/', '');
    await put('codex/not-in-prefix.txt', 'no');
    await put('other/x.txt', 'no');
    for (let i = 0; i < 20; i++) await put(`many/f${String(i).padStart(2, '0')}.txt`, `file ${i}\n`.repeat(10));
  });
  after(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it('lists in key order, reads the objects, and skips oversized objects and folder markers', async () => {
    const items = await collect(readSource(`s3://${s3.bucket}/code`, options));
    assert.deepEqual(contents(items), ['a/y.js=y\n', 'a/z.js=z\n', 'b.py=b\n']);
    assert.deepEqual(skips(items), [['big.bin', 'too_large'], ['empty/', 'directory_marker']]);
    assert.deepEqual(records(items)[0]!.meta, { source: 's3' });
  });

  it('batches by bytes read every object exactly once, with GETs in flight yielded in order', async () => {
    const batches = await collect(planBatches(`s3://${s3.bucket}/many/`, { ...options, batchBytes: 200 }));
    assert.ok(batches.length >= 5);
    const read = (await Promise.all(batches.map((b) => collect(readBatch(JSON.stringify(b), { ...options, s3: { ...options.s3, concurrency: 3 } }))))).flat();
    assert.deepEqual(records(read).map((r) => r.path), Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`));
    assert.ok(batches.every((b) => b.type === 'ingest.v1.s3' && !('endpoint' in b)), 'the endpoint from options is not written into descriptors');
  });

  it('an object replaced after planning fails the read instead of reading other bytes', async () => {
    await put('swap/a.txt', 'before');
    const [batch] = await collect(planBatches(`s3://${s3.bucket}/swap`, options));
    await put('swap/a.txt', 'after!');
    await assert.rejects(collect(readBatch(batch!, options)), (e: unknown) => e instanceof IngestSourceError && /changed since planning/.test(e.message));
  });

  it('a missing bucket fails planning with a one-line error', async () => {
    await assert.rejects(collect(planBatches('s3://no-such-bucket/x', options)), (e: unknown) => e instanceof IngestSourceError && /cannot list: NoSuchBucket/.test(e.message));
  });
});
