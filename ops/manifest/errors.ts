/**
 * Typed errors for ops/manifest. Bad options, a dataset that already exists, or a corrupt or unknown
 * manifest or shard are not helped by a retry; a sink that failed to read or write may be.
 */

/** An option of the dataset writer or reader is out of range; `field` names it. */
export class ManifestOptionsError extends Error {
  override name = 'ManifestOptionsError';
  readonly nonRetryable = true;
  constructor(readonly field: string, message: string, options?: { cause?: unknown }) {
    super(`${field} ${message}`, options);
  }
}

/** A value that canonical JSON cannot represent faithfully (a Map, a bigint, NaN, ...); `path` points at it. */
export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
  readonly nonRetryable = true;
  constructor(readonly path: string, message: string) {
    super(`${path === '' ? 'value' : path} ${message}`);
  }
}

/** Reading or writing an object of a dataset failed. */
export class SinkError extends Error {
  override name = 'SinkError';
  readonly nonRetryable: boolean;
  constructor(readonly url: string, readonly op: 'read' | 'write' | 'open', readonly object: string | undefined, reason: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(`${url}: cannot ${op}${object ? ` ${object}` : ''}: ${reason}`, { cause: options.cause });
    this.nonRetryable = !(options.retryable ?? false);
  }
}

/** There is no dataset (no manifest) where one was expected. */
export class DatasetNotFoundError extends Error {
  override name = 'DatasetNotFoundError';
  readonly nonRetryable = true;
  constructor(readonly url: string) {
    super(`no dataset at ${url} (no manifest.json)`);
  }
}

/** A published version is never overwritten unless asked to. */
export class DatasetExistsError extends Error {
  override name = 'DatasetExistsError';
  readonly nonRetryable = true;
  constructor(readonly url: string) {
    super(`${url} already holds a dataset (manifest.json); write the new version elsewhere or pass overwrite`);
  }
}

/** A manifest that does not parse, has an unknown schema, or misses a field. */
export class ManifestFormatError extends Error {
  override name = 'ManifestFormatError';
  readonly nonRetryable = true;
  constructor(readonly url: string, message: string, options?: { cause?: unknown }) {
    super(`${url}: ${message}`, options);
  }
}

/** A shard whose bytes, digest, records or document count differ from what the manifest says. */
export class ShardIntegrityError extends Error {
  override name = 'ShardIntegrityError';
  readonly nonRetryable = true;
  constructor(readonly url: string, readonly shard: string, message: string, options?: { cause?: unknown }) {
    super(`${url}/${shard}: ${message}`, options);
  }
}

/** Two documents of one dataset share an id, so an id-keyed comparison is ambiguous. */
export class DuplicateDocIdError extends Error {
  override name = 'DuplicateDocIdError';
  readonly nonRetryable = true;
  constructor(readonly url: string, readonly id: string) {
    super(`${url}: document id ${JSON.stringify(id)} appears more than once`);
  }
}
