/**
 * Storage: a tiny backend interface (directory or S3) under a content-addressed blob store and a
 * JSON metadata store.
 *
 *   const backend = openBackend(flags.store);          // --store, MESH_STORE, or ./.mesh
 *   const blobs = new ContentStore(backend);
 *   const digest = await blobs.put(bytes);             // sha256, written once
 *   const same = await blobs.get(digest);              // verified on read
 *   await new MetadataStore(backend).putJson(runKey(flow, run), record);
 *   await backend.close();
 */
export type { StorageBackend, SyncReadableBackend } from './backend.js';
export { canReadSync } from './backend.js';
export { ContentStore, type ContentStoreOptions } from './content.js';
export { BlobNotFoundError, CorruptRecordError, InvalidKeyError, StoreError, type StoreOp } from './errors.js';
export { FileBackend } from './fs.js';
export { MetadataStore } from './metadata.js';
export { DEFAULT_STORE_DIR, openBackend } from './open.js';
export { MULTIPART_THRESHOLD, S3Backend, type ResolvedS3BackendOptions, type S3BackendOptions } from './s3.js';
export { DEFAULT_RETRY_BUDGET_MS, isTransient, resolveRetryOptions, withRetry, type ResolvedRetryOptions, type RetryOptions } from './retry.js';
export { CorruptBlobError, DigestMismatchError } from '../protocol/errors.js';
