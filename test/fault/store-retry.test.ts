import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolveRetryOptions, S3Backend, StoreError, withRetry } from '../../store/index.js';
import type { RetryClock } from '../../store/retry.js';
import { S3RVER_CREDENTIALS, s3Client, startS3, type S3Server } from '../harness/s3.js';

/** A clock that only moves when the code under test sleeps. */
function fakeClock(): RetryClock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return { slept, now: () => t, random: () => 0.5, sleep: async (ms) => { slept.push(ms); t += ms; } };
}

/** s3rver's credentials in the environment, where a backend with its own client finds them, for `fn` only. */
async function withCredentials(fn: () => Promise<void>): Promise<void> {
  const vars = { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey };
  const saved = Object.keys(vars).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, vars);
  try {
    await fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const transient = () => new StoreError('no S3 endpoint at http://127.0.0.1:9 (ECONNREFUSED)', { url: 's3://b', op: 'get', key: 'k', retryable: true });
const denied = () => new StoreError('AccessDenied', { url: 's3://b', op: 'get', key: 'k', retryable: false });

describe('store - retry of transient failures', () => {
  it('tries again with doubling, jittered, capped waits until the store answers', async () => {
    const clock = fakeClock();
    let calls = 0;
    const value = await withRetry(async () => {
      if (++calls < 8) throw transient();
      return 'bytes';
    }, resolveRetryOptions({ budgetMs: 60_000, firstDelayMs: 100, maxDelayMs: 1000 }, {}), clock);
    assert.equal(value, 'bytes');
    assert.equal(calls, 8);
    // random() = 0.5: three quarters of 100, 200, 400, 800, then the 1,000 cap.
    assert.deepEqual(clock.slept, [75, 150, 300, 600, 750, 750, 750]);
  });

  it('gives up with the last error once the budget is spent, never sleeping past it', async () => {
    const clock = fakeClock();
    let calls = 0;
    await assert.rejects(withRetry(async () => {
      calls++;
      throw transient();
    }, resolveRetryOptions({ budgetMs: 1000, firstDelayMs: 100, maxDelayMs: 400 }, {}), clock), (err: unknown) => err instanceof StoreError && err.retryable);
    assert.equal(clock.slept.reduce((a, b) => a + b, 0), 1000);
    assert.equal(calls, clock.slept.length + 1);
  });

  it('throws at once what a retry cannot fix: a denied request, a bug, or any error with retries off', async () => {
    for (const [err, o] of [[denied(), {}], [new TypeError('bug'), {}], [transient(), { budgetMs: 0 }]] as const) {
      const clock = fakeClock();
      let calls = 0;
      await assert.rejects(withRetry(async () => {
        calls++;
        throw err;
      }, resolveRetryOptions(o, {}), clock), (e: unknown) => e === err);
      assert.equal(calls, 1);
      assert.deepEqual(clock.slept, []);
    }
  });

  it('resolves its options from the arguments, then MESH_STORE_RETRY_MS, then a minute, naming a bad field', () => {
    assert.equal(resolveRetryOptions({}, {}).budgetMs, 60_000);
    assert.equal(resolveRetryOptions({}, { MESH_STORE_RETRY_MS: '5000' }).budgetMs, 5000);
    assert.equal(resolveRetryOptions({ budgetMs: 10 }, { MESH_STORE_RETRY_MS: '5000' }).budgetMs, 10);
    assert.throws(() => resolveRetryOptions({}, { MESH_STORE_RETRY_MS: 'soon' }), /MESH_STORE_RETRY_MS must be a non-negative number of milliseconds, got 'soon'/);
    assert.throws(() => resolveRetryOptions({ firstDelayMs: -1 }, {}), /firstDelayMs must be a non-negative number/);
    assert.throws(() => resolveRetryOptions({ firstDelayMs: 500, maxDelayMs: 100 }, {}), /maxDelayMs \(100\) must be at least firstDelayMs \(500\)/);
  });
});

describe('store - an S3 endpoint that goes away for a while', () => {
  let s3: S3Server;
  before(async () => {
    s3 = await startS3();
  });
  after(() => s3?.stop());

  const backend = (retry?: { budgetMs: number } | false) => new S3Backend({
    bucket: s3.bucket, prefix: 'retry', endpoint: s3.endpoint, region: 'us-east-1', ...(retry === undefined ? {} : { retry }),
  });

  it('is waited for: a read made while it is down returns once it is back', () => withCredentials(async () => {
    const b = backend();
    try {
      assert.equal(b.retry?.budgetMs, 60_000, 'a backend with its own client retries by default');
      await b.put('meta/x', new Uint8Array([7]));
      await s3.down();
      const read = b.get('meta/x');
      await new Promise((r) => setTimeout(r, 1500));
      await s3.up();
      assert.deepEqual(await read, new Uint8Array([7]));
    } finally {
      await b.close();
    }
  }));

  it('fails with one clear, retryable line once the budget is spent, and at once with retries off', () => withCredentials(async () => {
    const bounded = backend({ budgetMs: 800 });
    const off = backend(false);
    await s3.down();
    try {
      let t = Date.now();
      await assert.rejects(bounded.get('meta/x'), (err: unknown) => err instanceof StoreError && err.retryable && /ECONNREFUSED/.test(err.message));
      assert.ok(Date.now() - t >= 800, `waited ${Date.now() - t} ms`);
      t = Date.now();
      await assert.rejects(off.get('meta/x'), /ECONNREFUSED/);
      assert.ok(Date.now() - t < 800, `failed at once (${Date.now() - t} ms)`);
    } finally {
      await s3.up();
      await bounded.close();
      await off.close();
    }
  }));

  it('leaves a client you configured alone unless asked', () => {
    const client = s3Client(s3.endpoint);
    try {
      assert.equal(new S3Backend({ bucket: s3.bucket, client }).retry, undefined);
      assert.equal(new S3Backend({ bucket: s3.bucket, client, retry: { budgetMs: 5 } }).retry?.budgetMs, 5);
    } finally {
      client.destroy();
    }
  });
});
