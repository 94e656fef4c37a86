/**
 * Store errors. Every one names the store (`url`) and what was being done, in one line a user can act
 * on; `retryable` says whether trying again can help (network trouble and throttling can, a missing
 * bucket or a denied request cannot).
 */

export type StoreOp = 'open' | 'get' | 'put' | 'has' | 'list' | 'delete';

/** How an op reads in a message: `cannot check meta/x`, not `cannot has meta/x`. */
const VERBS: Record<StoreOp, string> = { open: 'open', get: 'get', put: 'put', has: 'check', list: 'list', delete: 'delete' };

export interface StoreErrorOptions {
  url: string;
  op: StoreOp;
  key?: string;
  retryable?: boolean;
  cause?: unknown;
}

export class StoreError extends Error {
  override name = 'StoreError';
  readonly url: string;
  readonly op: StoreOp;
  readonly key: string | undefined;
  readonly retryable: boolean;

  /** `reason` completes the line `<url>: cannot <op> <key>: <reason>`. */
  constructor(reason: string, options: StoreErrorOptions) {
    const verb = VERBS[options.op];
    const what = options.key ? `${verb} ${options.key}` : verb;
    super(`${options.url}: cannot ${what}: ${reason}`, { cause: options.cause });
    this.url = options.url;
    this.op = options.op;
    this.key = options.key;
    this.retryable = options.retryable ?? false;
  }
}

/** A digest that is not in the content store. */
export class BlobNotFoundError extends StoreError {
  override name = 'BlobNotFoundError';
  readonly digest: string;

  constructor(digest: string, url: string, key: string) {
    super('no such blob', { url, op: 'get', key });
    this.digest = digest;
  }
}

/** A metadata record that exists but is not valid JSON. */
export class CorruptRecordError extends StoreError {
  override name = 'CorruptRecordError';

  constructor(url: string, key: string, cause: unknown) {
    super(`record is not valid JSON (${(cause as Error).message})`, { url, op: 'get', key, cause });
  }
}

/** A key or list prefix outside the key grammar of protocol/keys.ts: a bug in the caller, not the store. */
export { InvalidKeyError } from '../protocol/errors.js';
