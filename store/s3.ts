/**
 * A store under an S3 prefix (AWS, or any S3-compatible server such as MinIO). Objects are written
 * whole, by PutObject or, for large bodies, a multipart Upload that only becomes visible when
 * completed, so readers never see a partial object.
 */
import { createRequire } from 'node:module';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { checkKey, checkPrefix, type StorageBackend } from './backend.js';
import { StoreError, type StoreOp } from './errors.js';
import { resolveRetryOptions, withRetry, type ResolvedRetryOptions, type RetryOptions } from './retry.js';

// The AWS SDK takes ~0.5 s to load: load it only when an S3 store is opened.
const require = createRequire(import.meta.url);
let clientModule: typeof import('@aws-sdk/client-s3') | undefined;
let storageModule: typeof import('@aws-sdk/lib-storage') | undefined;
const sdk = (): typeof import('@aws-sdk/client-s3') => (clientModule ??= require('@aws-sdk/client-s3'));
const storage = (): typeof import('@aws-sdk/lib-storage') => (storageModule ??= require('@aws-sdk/lib-storage'));

/** Bodies above this go through a multipart Upload (parts of 5 MiB, uploaded in parallel). */
export const MULTIPART_THRESHOLD = 8 * 1024 * 1024;

export interface S3BackendOptions {
  bucket: string;
  /** Key prefix inside the bucket, e.g. 'mesh/prod'; leading and trailing '/' are ignored. */
  prefix?: string;
  /** A client you configured; the backend uses it as is and leaves closing it to you. */
  client?: S3Client;
  /** S3-compatible endpoint; default AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then AWS. */
  endpoint?: string;
  /** Default AWS_REGION, then us-east-1. */
  region?: string;
  /** MaxKeys per ListObjectsV2 page; default the server's (1000 on AWS). */
  listPageSize?: number;
  /**
   * Transient failures (refused or reset connections, timeouts, throttling, 5xx) are retried with
   * backoff for up to a minute (MESH_STORE_RETRY_MS) when the backend makes its own client; with a
   * `client` you configured, only if you pass this. `false`: never.
   */
  retry?: RetryOptions | false;
}

export interface ResolvedS3BackendOptions {
  bucket: string;
  /** '' or ends with '/'. */
  prefix: string;
  endpoint: string | undefined;
  region: string;
  listPageSize: number | undefined;
}

export function resolveS3BackendOptions(
  options: S3BackendOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedS3BackendOptions {
  const { bucket } = options;
  if (typeof bucket !== 'string' || bucket === '' || bucket.includes('/')) {
    throw new Error(`bucket must be a non-empty bucket name without '/', got '${bucket}'`);
  }
  const trimmed = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const prefix = trimmed === '' ? '' : `${trimmed}/`;
  checkPrefix(prefix);
  const fromEnv =
    env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true' ? undefined : env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  const { listPageSize } = options;
  if (listPageSize !== undefined && !(Number.isInteger(listPageSize) && listPageSize > 0)) {
    throw new Error(`listPageSize must be a positive integer, got ${listPageSize}`);
  }
  return {
    bucket,
    prefix,
    endpoint: options.endpoint || fromEnv || undefined,
    region: options.region || env.AWS_REGION || 'us-east-1',
    listPageSize,
  };
}

export class S3Backend implements StorageBackend {
  readonly url: string;
  readonly options: ResolvedS3BackendOptions;
  /** undefined: every failure is thrown at once. */
  readonly retry: ResolvedRetryOptions | undefined;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;

  constructor(options: S3BackendOptions) {
    this.options = resolveS3BackendOptions(options);
    const { bucket, prefix } = this.options;
    this.url = `s3://${bucket}${prefix === '' ? '' : `/${prefix.slice(0, -1)}`}`;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new (sdk().S3Client)(clientConfig(this.options));
    const { retry } = options;
    this.retry = retry === false || (retry === undefined && !this.ownsClient) ? undefined : resolveRetryOptions(retry);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.retrying(() => this.getOnce(key));
  }

  has(key: string): Promise<boolean> {
    return this.retrying(() => this.hasOnce(key));
  }

  put(key: string, body: Uint8Array, opts: { ifAbsent?: boolean } = {}): Promise<boolean> {
    return this.retrying(() => this.putOnce(key, body, opts));
  }

  list(prefix: string): Promise<string[]> {
    return this.retrying(() => this.listOnce(prefix));
  }

  delete(key: string): Promise<void> {
    return this.retrying(() => this.deleteOnce(key));
  }

  private retrying<T>(op: () => Promise<T>): Promise<T> {
    return this.retry ? withRetry(op, this.retry) : op();
  }

  private async getOnce(key: string): Promise<Uint8Array | undefined> {
    const Key = this.key(key);
    try {
      const out = await this.client.send(new (sdk().GetObjectCommand)({ Bucket: this.options.bucket, Key }));
      if (!out.Body) return new Uint8Array(0);
      return await out.Body.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw await this.fail('get', key, err);
    }
  }

  private async hasOnce(key: string): Promise<boolean> {
    const Key = this.key(key);
    try {
      return await this.head(Key);
    } catch (err) {
      throw await this.fail('has', key, err);
    }
  }

  private async putOnce(key: string, body: Uint8Array, opts: { ifAbsent?: boolean }): Promise<boolean> {
    const Key = this.key(key);
    const Bucket = this.options.bucket;
    try {
      if (opts.ifAbsent && (await this.head(Key))) return false;
      if (body.length <= MULTIPART_THRESHOLD) {
        await this.client.send(new (sdk().PutObjectCommand)({ Bucket, Key, Body: body }));
      } else {
        await new (storage().Upload)({ client: this.client, params: { Bucket, Key, Body: body } }).done();
      }
      return true;
    } catch (err) {
      throw await this.fail('put', key, err);
    }
  }

  private async listOnce(prefix: string): Promise<string[]> {
    const full = this.options.prefix + checkPrefix(prefix);
    const names: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new (sdk().ListObjectsV2Command)({
            Bucket: this.options.bucket,
            Prefix: full,
            Delimiter: '/',
            ContinuationToken: token,
            MaxKeys: this.options.listPageSize,
          }),
        );
        for (const p of page.CommonPrefixes ?? []) if (p.Prefix) names.push(p.Prefix.slice(full.length));
        // An object named exactly like the prefix (a "folder marker") is not a child.
        for (const o of page.Contents ?? []) if (o.Key && o.Key.length > full.length) names.push(o.Key.slice(full.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw await this.fail('list', prefix, err);
    }
    return names.sort();
  }

  private async deleteOnce(key: string): Promise<void> {
    const Key = this.key(key);
    try {
      await this.client.send(new (sdk().DeleteObjectCommand)({ Bucket: this.options.bucket, Key }));
    } catch (err) {
      throw await this.fail('delete', key, err);
    }
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  private key(key: string): string {
    return this.options.prefix + checkKey(key);
  }

  private async head(Key: string): Promise<boolean> {
    try {
      await this.client.send(new (sdk().HeadObjectCommand)({ Bucket: this.options.bucket, Key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async fail(op: StoreOp, key: string, err: unknown): Promise<StoreError> {
    const { reason, retryable } = describeS3Error(err, await this.endpointLabel());
    return new StoreError(reason, { url: this.url, op, key, retryable, cause: err });
  }

  /** Where requests go, for error messages. */
  private async endpointLabel(): Promise<string> {
    try {
      const ep = await this.client.config.endpoint?.();
      if (ep) return `${ep.protocol}//${ep.hostname}${ep.port ? `:${ep.port}` : ''}${ep.path === '/' ? '' : ep.path}`;
      return `https://s3.${await this.client.config.region()}.amazonaws.com`;
    } catch {
      return this.options.endpoint ?? 'AWS S3';
    }
  }
}

function clientConfig(options: ResolvedS3BackendOptions): S3ClientConfig {
  const config: S3ClientConfig = { region: options.region, followRegionRedirects: true };
  if (options.endpoint) {
    Object.assign(config, {
      endpoint: options.endpoint,
      // s3rver, MinIO and most S3-compatible servers do not route virtual-hosted bucket names.
      forcePathStyle: true,
      // Several S3-compatible servers reject the SDK's default CRC32 trailers; the content store
      // verifies sha256 on every read anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    } satisfies S3ClientConfig);
  }
  return config;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** HeadObject has no error body, so a missing key shows up as a bare 404 'NotFound'. */
function isNotFound(err: unknown): boolean {
  const e = err as SdkError;
  if (e?.name === 'NoSuchBucket') return false;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const NETWORK = new Set([...UNREACHABLE, 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);

const S3_REASONS: Record<string, string> = {
  NoSuchBucket: 'the bucket does not exist',
  AccessDenied: 'access denied: check the credentials and the bucket policy',
  Forbidden: 'access denied: check the credentials and the bucket policy',
  InvalidAccessKeyId: 'the access key id is not known to this endpoint',
  SignatureDoesNotMatch: 'the secret key does not match the access key id',
  ExpiredToken: 'the session token has expired',
  InvalidBucketName: 'the bucket name is not valid',
  SlowDown: 'S3 is throttling requests',
  RequestTimeout: 'the request timed out',
  InternalError: 'S3 had an internal error',
  ServiceUnavailable: 'S3 is unavailable',
};

const RETRYABLE_S3 = new Set(['SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'TimeoutError', 'ThrottlingException']);

export function describeS3Error(err: unknown, endpoint: string): { reason: string; retryable: boolean } {
  const e = (err ?? {}) as SdkError;
  if (e.code && NETWORK.has(e.code)) {
    const what = UNREACHABLE.has(e.code) ? 'no S3 endpoint at' : 'connection to S3 failed at';
    return { reason: `${what} ${endpoint} (${e.code})`, retryable: true };
  }
  const status = e.$metadata?.httpStatusCode;
  const name = e.name && e.name !== 'Error' && e.name !== 'Unknown' ? e.name : status ? `HTTP ${status}` : 'Error';
  const known = S3_REASONS[e.name ?? ''] ?? (status === 403 ? S3_REASONS.AccessDenied : undefined);
  const detail = known ?? e.message ?? String(err);
  const retryable =
    RETRYABLE_S3.has(e.name ?? '') || e.$retryable !== undefined || status === 429 || (status !== undefined && status >= 500);
  return { reason: detail && detail !== name ? `${name} (${detail})` : name, retryable };
}
