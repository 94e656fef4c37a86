/**
 * Every object under an S3 prefix, listed in key order (S3 lists keys in UTF-8 binary order, so the
 * plan is the same every time) and read with GETs pinned to the planned ETag. The SDK is configured
 * as store/s3.ts does: endpoint from the source, `options.s3` or AWS_ENDPOINT_URL(_S3), path-style
 * addressing for S3-compatible servers, credentials from the SDK's provider chain.
 */
import { createRequire } from 'node:module';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { Batcher, isSkip, type FileEntry, type S3Batch, type SkipEntry } from './batch.js';
import { IngestSourceError } from './errors.js';
import { resolveIngestOptions, type IngestOptions, type ResolvedIngestOptions } from './options.js';
import { record, skip, type IngestItem } from './types.js';

// The AWS SDK takes ~0.5 s to load: only S3 sources pay for it.
const require = createRequire(import.meta.url);
let sdkModule: typeof import('@aws-sdk/client-s3') | undefined;
const sdk = (): typeof import('@aws-sdk/client-s3') => (sdkModule ??= require('@aws-sdk/client-s3'));

type S3Entry = (FileEntry & { etag?: string }) | SkipEntry;
interface Where { bucket: string; prefix: string; endpoint?: string; region?: string }

function openClient(where: Where, o: ResolvedIngestOptions, env: NodeJS.ProcessEnv = process.env): { client: S3Client; close: () => void } {
  if (o.s3.client) return { client: o.s3.client as S3Client, close: () => {} };
  const fromEnv = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true' ? undefined : env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  const endpoint = where.endpoint || o.s3.endpoint || fromEnv || undefined;
  const config: S3ClientConfig = { region: where.region || o.s3.region || env.AWS_REGION || 'us-east-1', followRegionRedirects: true };
  if (o.s3.credentials) config.credentials = o.s3.credentials;
  if (endpoint) {
    Object.assign(config, {
      endpoint,
      // S3-compatible servers rarely route virtual-hosted bucket names, and several reject CRC32 trailers.
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    } satisfies S3ClientConfig);
  }
  const client = new (sdk().S3Client)(config);
  return { client, close: () => client.destroy() };
}

interface SdkError { name?: string; code?: string; message?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } }

function s3Error(url: string, what: string, err: unknown): IngestSourceError {
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  if (status === 412 || e.name === 'PreconditionFailed') return new IngestSourceError(url, `${what}: changed since planning (ETag differs)`, { cause: err });
  if (e.name === 'NoSuchKey') return new IngestSourceError(url, `${what}: changed since planning (gone)`, { cause: err });
  const retryable =
    e.$retryable !== undefined || status === 429 || (status !== undefined && status >= 500) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(e.code ?? '') ||
    ['SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'TimeoutError'].includes(e.name ?? '');
  const name = e.name && e.name !== 'Error' ? e.name : status ? `HTTP ${status}` : 'error';
  return new IngestSourceError(url, `${what}: ${name}${e.message && e.message !== name ? ` (${e.message})` : ''}`, { retryable, cause: err });
}

const urlOf = (w: Where): string => `s3://${w.bucket}/${w.prefix}`;

export async function* planS3(where: Where, options: IngestOptions | ResolvedIngestOptions): AsyncGenerator<S3Batch> {
  const o = resolveIngestOptions(options);
  const { client, close } = openClient(where, o);
  const batcher = new Batcher<S3Entry>(o);
  const wrap = (b: ReturnType<typeof batcher.flush>): S3Batch | undefined => {
    if (!b) return undefined;
    const out: S3Batch = { type: 'ingest.v1.s3', index: b.index, bytes: b.bytes, bucket: where.bucket, prefix: where.prefix, entries: b.entries };
    if (where.endpoint) out.endpoint = where.endpoint;
    if (where.region) out.region = where.region;
    return out;
  };
  try {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await client.send(
          new (sdk().ListObjectsV2Command)({ Bucket: where.bucket, Prefix: where.prefix, ContinuationToken: token, MaxKeys: o.s3.listPageSize }),
        );
      } catch (err) {
        throw s3Error(urlOf(where), 'cannot list', err);
      }
      for (const obj of page.Contents ?? []) {
        if (!obj.Key) continue;
        const path = obj.Key.slice(where.prefix.length);
        const size = obj.Size ?? 0;
        const entry: S3Entry = obj.Key.endsWith('/')
          ? { path, skip: 'directory_marker' }
          : size > o.maxBytes
            ? { path, skip: 'too_large' }
            : obj.ETag ? { path, size, etag: obj.ETag } : { path, size };
        const full = wrap(batcher.push(entry, isSkip(entry) ? 0 : size));
        if (full) yield full;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const last = wrap(batcher.flush());
    if (last) yield last;
  } finally {
    close();
  }
}

export async function* readS3Batch(batch: S3Batch, options: IngestOptions | ResolvedIngestOptions): AsyncGenerator<IngestItem> {
  const o = resolveIngestOptions(options);
  const { client, close } = openClient(batch, o);
  const url = urlOf(batch);

  const fetch = async (e: S3Batch['entries'][number]): Promise<IngestItem> => {
    if (isSkip(e)) return skip(e.path, e.skip);
    const Key = batch.prefix + e.path;
    let bytes: Uint8Array;
    try {
      const out = await client.send(new (sdk().GetObjectCommand)({ Bucket: batch.bucket, Key, IfMatch: e.etag }));
      // IfMatch makes S3 refuse a replaced object; servers that ignore it are caught by the ETag check.
      const why =
        e.etag !== undefined && out.ETag !== undefined && out.ETag !== e.etag ? `ETag ${e.etag} then, ${out.ETag} now`
        : out.ContentLength !== undefined && out.ContentLength !== e.size ? `${e.size} bytes then, ${out.ContentLength} now`
        : undefined;
      if (why) {
        out.Body?.transformToWebStream().cancel().catch(() => {});
        throw new IngestSourceError(url, `${Key}: changed since planning (${why})`);
      }
      bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
    } catch (err) {
      if (err instanceof IngestSourceError) throw err;
      throw s3Error(url, `cannot get ${Key}`, err);
    }
    if (bytes.length !== e.size) throw new IngestSourceError(url, `${Key}: changed since planning (read ${bytes.length} of ${e.size} bytes)`);
    return record({ id: e.path, path: e.path, bytes, meta: { source: 's3' } });
  };

  // A window of GETs in flight, yielded in plan order: at most `concurrency` files held at once.
  const window: Array<Promise<IngestItem>> = [];
  let next = 0;
  const refill = () => {
    while (window.length < o.s3.concurrency && next < batch.entries.length) {
      const p = fetch(batch.entries[next++]!);
      p.catch(() => {}); // awaited below, in order; this only keeps an early exit from leaving it unhandled
      window.push(p);
    }
  };
  try {
    refill();
    while (window.length > 0) {
      const item = await window.shift()!;
      refill();
      yield item;
    }
  } finally {
    await Promise.allSettled(window);
    close();
  }
}
