/**
 * Typed errors for ops/ingest. Broken *data* (a bad line, a corrupt archive, a symlink) never throws:
 * readers yield a skip with a reason. These are for problems with the call or the source itself.
 */

/** An ingest option or source spec is invalid; `field` names it (e.g. `batchBytes`, `fields.content`). */
export class IngestOptionsError extends Error {
  override name = 'IngestOptionsError';
  readonly nonRetryable = true;
  constructor(readonly field: string, message: string, options?: { cause?: unknown }) {
    super(`${field} ${message}`, options);
  }
}

/**
 * A source cannot be read: missing file, `git` failing, S3 refusing, or the input changed between
 * planning and reading (a retry cannot fix that: the plan must be made again).
 */
export class IngestSourceError extends Error {
  override name = 'IngestSourceError';
  readonly nonRetryable: boolean;
  constructor(
    readonly source: string,
    reason: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(`${source}: ${reason}`, { cause: options.cause });
    this.nonRetryable = !options.retryable;
  }
}

/** A batch descriptor that is not one this version wrote (unknown `type`, missing or mistyped field). */
export class BatchFormatError extends Error {
  override name = 'BatchFormatError';
  readonly nonRetryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(`invalid ingest batch: ${message}`, options);
  }
}
