/**
 * The storage interface everything else is built on: a flat key space of immutable-looking objects,
 * implemented by a directory (fs.ts) or an S3 prefix (s3.ts). Keys follow protocol/keys.ts.
 */
import { InvalidKeyError } from './errors.js';

export interface StorageBackend {
  /** file:///abs/dir or s3://bucket/prefix */
  readonly url: string;
  /** undefined when absent */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Atomic: readers see the old object or the new one, never a partial one. Returns false when
   * ifAbsent and the key exists. ifAbsent checks then writes, so two writers racing on a new key may
   * both write and both get true; content-addressed writers do not care (same bytes).
   */
  put(key: string, body: Uint8Array, opts?: { ifAbsent?: boolean }): Promise<boolean>;
  has(key: string): Promise<boolean>;
  /** Immediate children of a prefix ending in '/' (or '' for the root): names without the prefix; "directories" end with '/'. Sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removing an absent key is not an error. */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Backends that can read without yielding (worker threads read blobs synchronously). */
export interface SyncReadableBackend extends StorageBackend {
  getSync(key: string): Uint8Array | undefined;
}

export function canReadSync(backend: StorageBackend): backend is SyncReadableBackend {
  return typeof (backend as Partial<SyncReadableBackend>).getSync === 'function';
}

/** Same charset as protocol/keys.ts, so keys also work as NATS KV keys. */
const KEY_CHARS = /^[-/=.\w]+$/;

/** Throws unless `key` is a relative '/'-separated key without empty, '.' or '..' segments. */
export function checkKey(key: string): string {
  if (!KEY_CHARS.test(key)) throw new InvalidKeyError(key, `must match ${KEY_CHARS.source}`);
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new InvalidKeyError(key, "must be relative, without empty, '.' or '..' segments");
    }
  }
  return key;
}

/** A list prefix is '' (the root) or a valid key followed by '/'. */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  if (!prefix.endsWith('/')) throw new InvalidKeyError(prefix, "is not a list prefix: it must be '' or end with '/'");
  checkKey(prefix.slice(0, -1));
  return prefix;
}
