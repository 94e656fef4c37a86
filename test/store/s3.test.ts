import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command, type ListObjectsV2CommandInput, type S3Client } from '@aws-sdk/client-s3';
import { blobKey } from '../../protocol/cas.js';
import { ContentStore, MULTIPART_THRESHOLD, openBackend, S3Backend, StoreError } from '../../store/index.js';
import { describeS3Error } from '../../store/s3.js';
import { s3Client, startS3, type S3Server } from '../harness/s3.js';
import { backendSuite } from './backend-suite.js';

let s3: S3Server;
let client: S3Client;
let prefixes = 0;

before(async () => {
  s3 = await startS3();
  client = s3Client(s3.endpoint);
});
after(async () => {
  client?.destroy();
  await s3?.stop();
});

// Each test gets its own prefix in the one bucket; the shared client outlives every backend.
backendSuite('S3Backend', async () => new S3Backend({ bucket: s3.bucket, prefix: `t${++prefixes}/mesh`, client }));

/** Records the commands the client sends. */
function recordCommands(c: S3Client): string[] {
  const seen: string[] = [];
  c.middlewareStack.add(
    (next, context) => (args) => {
      seen.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize' },
  );
  return seen;
}

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('S3Backend', () => {
  it('names its bucket and prefix as an s3:// url', () => {
    assert.equal(new S3Backend({ bucket: 'b', prefix: '/runs/prod/', client }).url, 's3://b/runs/prod');
    assert.equal(new S3Backend({ bucket: 'b', client }).url, 's3://b');
    assert.throws(() => new S3Backend({ bucket: '', client }), /bucket must be a non-empty bucket name/);
  });

  it('uploads a 9 MiB body in parts and reads it back whole', async () => {
    const own = s3Client(s3.endpoint);
    const commands = recordCommands(own);
    const b = new S3Backend({ bucket: s3.bucket, prefix: 'multipart', client: own });
    try {
      const body = new Uint8Array(9 * 1024 * 1024);
      for (let i = 0; i < body.length; i += 4096) body[i] = i % 251;
      assert.ok(body.length > MULTIPART_THRESHOLD);
      assert.equal(await b.put('big', body), true);
      assert.ok(commands.includes('CreateMultipartUploadCommand'), commands.join());
      assert.ok(commands.filter((c) => c === 'UploadPartCommand').length >= 2, commands.join());
      assert.ok(commands.includes('CompleteMultipartUploadCommand'), commands.join());
      assert.deepEqual(await b.get('big'), body);

      commands.length = 0;
      await b.put('small', new Uint8Array(1024));
      assert.deepEqual(commands, ['PutObjectCommand']);
    } finally {
      own.destroy();
    }
  });

  // s3rver cannot paginate on Node 20 (its continuation tokens use DES, which OpenSSL 3 dropped), so
  // this one test answers ListObjectsV2 from a stub client the way S3 does.
  it('lists children across ListObjectsV2 pages', async () => {
    const pages: Record<string, { keys: string[]; prefixes: string[]; next?: string }> = {
      first: { keys: ['p/a', 'p/b'], prefixes: ['p/c/'], next: 'tok1' },
      tok1: { keys: ['p/d'], prefixes: ['p/e/'], next: 'tok2' },
      tok2: { keys: ['p/f'], prefixes: [] },
    };
    const requests: ListObjectsV2CommandInput[] = [];
    const stub = {
      send: async (command: unknown) => {
        assert.ok(command instanceof ListObjectsV2Command);
        requests.push(command.input);
        const page = pages[command.input.ContinuationToken ?? 'first']!;
        return {
          Contents: page.keys.map((Key) => ({ Key })),
          CommonPrefixes: page.prefixes.map((Prefix) => ({ Prefix })),
          IsTruncated: page.next !== undefined,
          NextContinuationToken: page.next,
        };
      },
    } as unknown as S3Client;
    const b = new S3Backend({ bucket: 'b', prefix: 'p', client: stub, listPageSize: 2 });
    assert.deepEqual(await b.list(''), ['a', 'b', 'c/', 'd', 'e/', 'f']);
    assert.deepEqual(
      requests.map((r) => [r.Prefix, r.Delimiter, r.MaxKeys, r.ContinuationToken]),
      [['p/', '/', 2, undefined], ['p/', '/', 2, 'tok1'], ['p/', '/', 2, 'tok2']],
    );
  });

  it('a missing bucket is one clear line, not retryable', async () => {
    const b = new S3Backend({ bucket: 'no-such-bucket', prefix: 'mesh', client });
    const blobs = new ContentStore(b);
    const bytes = new TextEncoder().encode('x');
    await assert.rejects(blobs.put(bytes), (err: unknown) => {
      assert.ok(err instanceof StoreError);
      assert.equal(err.op, 'put');
      assert.equal(err.retryable, false);
      assert.match(err.message, /^s3:\/\/no-such-bucket\/mesh: cannot put data\/[0-9a-f]{2}\/[0-9a-f]{64}: NoSuchBucket \(the bucket does not exist\)$/);
      return true;
    });
  });

  it('a refused endpoint is one clear line naming the endpoint, retryable', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const dead = s3Client(endpoint);
    const b = new S3Backend({ bucket: 'mesh', client: dead });
    try {
      await assert.rejects(b.get(blobKey('ab'.repeat(32))), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.retryable, true);
        assert.equal(err.message, `s3://mesh: cannot get ${blobKey('ab'.repeat(32))}: no S3 endpoint at ${endpoint} (ECONNREFUSED)`);
        return true;
      });
    } finally {
      dead.destroy();
    }
  });

  it('openBackend(s3://bucket/prefix) finds an S3-compatible endpoint in AWS_ENDPOINT_URL_S3', async () => {
    const vars = ['AWS_ENDPOINT_URL_S3', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_EC2_METADATA_DISABLED'];
    const saved = vars.map((v) => process.env[v]);
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    delete process.env.AWS_REGION;
    const b = openBackend(`s3://${s3.bucket}/from-env`);
    try {
      assert.ok(b instanceof S3Backend);
      assert.equal(b.url, `s3://${s3.bucket}/from-env`);
      assert.equal(b.options.endpoint, s3.endpoint);
      assert.equal(b.options.region, 'us-east-1');
      await b.put('meta/x', new Uint8Array([42]));
      assert.deepEqual(await b.get('meta/x'), new Uint8Array([42]));
      // Written under the prefix, seen by a backend without one.
      assert.deepEqual(await new S3Backend({ bucket: s3.bucket, client }).list('from-env/meta/'), ['x']);
    } finally {
      await b.close();
      vars.forEach((v, i) => (saved[i] === undefined ? delete process.env[v] : (process.env[v] = saved[i])));
    }
  });
});

describe('S3Backend - errors', () => {
  const at = 'http://127.0.0.1:9000';
  const sdk = (name: string, status: number) => Object.assign(new Error('server said no'), { name, $metadata: { httpStatusCode: status } });

  it('throttling, timeouts and 5xx are retryable', () => {
    assert.deepEqual(describeS3Error(sdk('SlowDown', 503), at), { reason: 'SlowDown (S3 is throttling requests)', retryable: true });
    assert.equal(describeS3Error(sdk('InternalError', 500), at).retryable, true);
    assert.equal(describeS3Error(sdk('Unknown', 502), at).retryable, true);
    assert.equal(describeS3Error(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), at).retryable, true);
  });

  it('denied requests and missing buckets are not', () => {
    assert.deepEqual(describeS3Error(sdk('Forbidden', 403), at), {
      reason: 'Forbidden (access denied: check the credentials and the bucket policy)',
      retryable: false,
    });
    assert.equal(describeS3Error(sdk('AccessDenied', 403), at).retryable, false);
    assert.equal(describeS3Error(sdk('NoSuchBucket', 404), at).retryable, false);
    assert.equal(describeS3Error(sdk('InvalidAccessKeyId', 403), at).retryable, false);
  });
});
