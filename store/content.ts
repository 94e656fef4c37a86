/**
 * The content-addressed store: blobs are named by the sha256 of their bytes, stored compressed at
 * `data/<aa>/<sha256>`, written only when absent and verified on every read.
 */
import { blobKey, decodeBlob, isDigest, packBlob, sha256Hex, LAST_CODEC } from '../protocol/cas.js';
import { canReadSync, type StorageBackend } from './backend.js';
import { BlobNotFoundError, StoreError } from './errors.js';

export interface ContentStoreOptions {
  /** How many digests to remember as stored (about 150 bytes each). Default 50,000. */
  knownLimit?: number;
}

export class ContentStore {
  readonly backend: StorageBackend;
  /** Digests known to be in the backend: a repeated put of the same blob costs a hash and nothing else. */
  private readonly known = new Set<string>();
  private readonly knownLimit: number;
  /** Writes in flight, so concurrent puts of one blob share a single write. */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(backend: StorageBackend, options: ContentStoreOptions = {}) {
    const { knownLimit = 50_000 } = options;
    if (!Number.isInteger(knownLimit) || knownLimit < 0) {
      throw new Error(`knownLimit must be a non-negative integer, got ${knownLimit}`);
    }
    this.backend = backend;
    this.knownLimit = knownLimit;
  }

  get url(): string {
    return this.backend.url;
  }

  /** Stores `bytes` unless already present; returns their sha256 digest. */
  async put(bytes: Uint8Array): Promise<string> {
    const digest = sha256Hex(bytes);
    if (!this.known.has(digest)) await this.write(digest, () => packBlob(bytes));
    return digest;
  }

  /** Stores a blob already hashed and packed elsewhere (a worker thread's `encodeBlob`); trusted, not re-hashed. */
  async putEncoded(digest: string, stored: Uint8Array): Promise<void> {
    this.checkDigest(digest);
    if (stored.length === 0 || stored[0]! > LAST_CODEC) {
      throw new Error(`putEncoded(${digest}): stored bytes must start with a codec byte from encodeBlob`);
    }
    if (!this.known.has(digest)) await this.write(digest, () => stored);
  }

  /** The original bytes, verified against the digest (CorruptBlobError / DigestMismatchError when not). */
  async get(digest: string): Promise<Uint8Array> {
    const bytes = decodeBlob(digest, await this.getStored(digest));
    this.remember(digest);
    return bytes;
  }

  /** Synchronous read for worker threads; needs a backend with getSync (the file backend). */
  getSync(digest: string): Uint8Array {
    this.checkDigest(digest);
    if (!canReadSync(this.backend)) {
      throw new StoreError('this store cannot be read synchronously (only a directory store can)', {
        url: this.url,
        op: 'get',
        key: blobKey(digest),
      });
    }
    const key = blobKey(digest);
    const stored = this.backend.getSync(key);
    if (stored === undefined) throw new BlobNotFoundError(digest, this.url, key);
    const bytes = decodeBlob(digest, stored);
    this.remember(digest);
    return bytes;
  }

  /** The stored form (codec byte + payload), unverified: for handing to a thread that calls decodeBlob. */
  async getStored(digest: string): Promise<Uint8Array> {
    this.checkDigest(digest);
    const key = blobKey(digest);
    const stored = await this.backend.get(key);
    if (stored === undefined) throw new BlobNotFoundError(digest, this.url, key);
    return stored;
  }

  async has(digest: string): Promise<boolean> {
    this.checkDigest(digest);
    if (this.known.has(digest)) return true;
    const present = await this.backend.has(blobKey(digest));
    if (present) this.remember(digest);
    return present;
  }

  private async write(digest: string, stored: () => Uint8Array): Promise<void> {
    let pending = this.writing.get(digest);
    if (!pending) {
      pending = this.backend
        .put(blobKey(digest), stored(), { ifAbsent: true })
        .then(() => this.remember(digest))
        .finally(() => this.writing.delete(digest));
      this.writing.set(digest, pending);
    }
    await pending;
  }

  private remember(digest: string): void {
    if (this.knownLimit === 0) return;
    if (this.known.size >= this.knownLimit) {
      // Forget the oldest: a forgotten digest costs one existence check on its next put.
      this.known.delete(this.known.values().next().value!);
    }
    this.known.add(digest);
  }

  private checkDigest(digest: string): void {
    if (!isDigest(digest)) throw new Error(`'${digest}' is not a sha256 digest (64 lowercase hex digits)`);
  }
}
