/**
 * A dataset under an S3 prefix. Shards stream into a multipart upload (lib-storage's Upload over a
 * PassThrough), so memory holds a few parts, never a shard; the object appears only when the upload
 * completes, and a destroyed stream aborts it. The SDK loads only when an S3 sink is opened.
 */
import { createRequire } from 'node:module';
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { ManifestOptionsError, SinkError } from './errors.js';
import { checkObjectName, type DatasetSink } from './sink.js';

const require = createRequire(import.meta.url);
const sdk = (): typeof import('@aws-sdk/client-s3') => require('@aws-sdk/client-s3');
const storage = (): typeof import('@aws-sdk/lib-storage') => require('@aws-sdk/lib-storage');

/** Part size of shard uploads: 16 MiB parts reach S3's 10,000-part limit only past 150 GiB. */
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
const MIN_PART_SIZE = 5 * 1024 * 1024;

export interface S3SinkOptions {
  bucket: string;
  prefix?: string;
  /** A client you configured (used as is, not closed); otherwise one from AWS_* variables. */
  client?: S3Client;
  /** Multipart part size for shards; at least 5 MiB (S3's minimum), default 16 MiB. */
  partSize?: number;
}

export class S3Sink implements DatasetSink {
  readonly url: string;
  readonly bucket: string;
  /** '' or ends with '/'. */
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly partSize: number;

  constructor(options: S3SinkOptions) {
    const partSize = options.partSize ?? DEFAULT_PART_SIZE;
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) {
      throw new ManifestOptionsError('partSize', `must be an integer of at least ${MIN_PART_SIZE} (5 MiB), got ${partSize}`);
    }
    this.partSize = partSize;
    if (!options.bucket || options.bucket.includes('/')) {
      throw new ManifestOptionsError('bucket', `must be a non-empty bucket name without '/', got '${options.bucket}'`);
    }
    this.bucket = options.bucket;
    const trimmed = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (trimmed !== '') checkObjectName(trimmed);
    this.prefix = trimmed === '' ? '' : `${trimmed}/`;
    this.url = `s3://${this.bucket}${trimmed === '' ? '' : `/${trimmed}`}`;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new (sdk().S3Client)(clientConfig());
  }

  static fromUrl(url: string, options: { client?: S3Client } = {}): S3Sink {
    const rest = url.slice('s3://'.length);
    const slash = rest.indexOf('/');
    return new S3Sink({ bucket: slash === -1 ? rest : rest.slice(0, slash), prefix: slash === -1 ? '' : rest.slice(slash + 1), client: options.client });
  }

  createWriteStream(name: string): Writable {
    const Key = this.key(name);
    const body = new PassThrough({ highWaterMark: 1 << 20 });
    const upload = new (storage().Upload)({ client: this.client, params: { Bucket: this.bucket, Key, Body: body }, partSize: this.partSize, queueSize: 2 });
    let settled = false;
    let failure: Error | undefined;
    /** The callback of a write waiting for room in the upload's buffer. */
    let waiting: ((err?: Error) => void) | undefined;
    const done = upload.done().then(
      () => { settled = true; },
      (err: unknown) => { settled = true; throw this.fail('write', name, err); },
    );
    // An upload failing while a write waits for room must not leave the writer hanging.
    done.catch((err: Error) => {
      failure = err;
      const w = waiting;
      waiting = undefined;
      w?.(err);
    });
    body.on('drain', () => {
      const w = waiting;
      waiting = undefined;
      w?.();
    });
    const stream: Writable = new Writable({
      highWaterMark: 1 << 20,
      write(chunk: Buffer, _encoding, callback) {
        if (failure) return callback(failure);
        if (body.write(chunk)) return callback();
        waiting = callback;
      },
      final(callback) {
        body.end();
        done.then(() => callback(), (err: Error) => callback(err));
      },
      destroy(error, callback) {
        if (settled) return callback(error);
        body.destroy();
        // 'close' comes only once the upload is aborted: then no part of it remains.
        upload.abort().catch(() => {}).then(() => callback(error));
      },
    });
    return stream;
  }

  async put(name: string, body: Uint8Array): Promise<void> {
    try {
      await this.client.send(new (sdk().PutObjectCommand)({ Bucket: this.bucket, Key: this.key(name), Body: body }));
    } catch (err) {
      throw this.fail('write', name, err);
    }
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    const stream = await this.createReadStream(name);
    if (!stream) return undefined;
    const chunks: Buffer[] = [];
    try {
      for await (const c of stream) chunks.push(c as Buffer);
    } catch (err) {
      throw this.fail('read', name, err);
    }
    return Buffer.concat(chunks);
  }

  async createReadStream(name: string): Promise<Readable | undefined> {
    try {
      const out = await this.client.send(new (sdk().GetObjectCommand)({ Bucket: this.bucket, Key: this.key(name) }));
      return out.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw this.fail('read', name, err);
    }
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  private key(name: string): string {
    return this.prefix + checkObjectName(name);
  }

  private fail(op: 'read' | 'write', name: string, err: unknown): SinkError {
    const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const status = e?.$metadata?.httpStatusCode;
    const retryable = status === undefined || status >= 500 || status === 429 || e?.code !== undefined;
    const what = e?.name && e.name !== 'Error' ? `${e.name}${e.message && e.message !== e.name ? ` (${e.message})` : ''}` : e?.message ?? String(err);
    return new SinkError(this.url, op, name, what, { cause: err, retryable });
  }
}

function clientConfig(env: NodeJS.ProcessEnv = process.env): S3ClientConfig {
  const endpoint = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true' ? undefined : env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  const config: S3ClientConfig = { region: env.AWS_REGION || 'us-east-1', followRegionRedirects: true };
  if (endpoint) {
    // S3-compatible servers (MinIO, s3rver) route by path and often reject the SDK's default CRC trailers.
    Object.assign(config, { endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  }
  return config;
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name === 'NoSuchBucket') return false;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
