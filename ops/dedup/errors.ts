/**
 * Typed errors for ops/dedup. Every stage is a pure function of its inputs, so running it again on the
 * same inputs fails the same way: none of these is worth a retry.
 */

/** An option is out of range; `field` names it (e.g. `threshold`, `bands`). */
export class DedupOptionsError extends Error {
  override name = 'DedupOptionsError';
  readonly nonRetryable = true;
  constructor(readonly field: string, message: string, options?: { cause?: unknown }) {
    super(`${field} ${message}`, options);
  }
}

/**
 * A blob is not what the stage expects: wrong magic, a format version this code does not know, the
 * wrong kind of blob, truncated, or written with other dedup parameters (fingerprint mismatch).
 */
export class DedupFormatError extends Error {
  override name = 'DedupFormatError';
  readonly nonRetryable = true;
  constructor(readonly blob: string, message: string, options?: { cause?: unknown }) {
    super(`${blob}: ${message}`, options);
  }
}

/**
 * Inputs that do not fit together: a piece meant for another shuffle partition, two pieces from the
 * same scan partition, a missing partition, an edge to a document no table knows.
 */
export class DedupInputError extends Error {
  override name = 'DedupInputError';
  readonly nonRetryable = true;
  /** The scan or bucket partition at fault, when there is one. */
  readonly partition: number | undefined;
  constructor(
    readonly stage: 'scan' | 'bucket' | 'join',
    message: string,
    options?: { cause?: unknown; partition?: number },
  ) {
    super(`${stage}: ${message}`, options);
    this.partition = options?.partition;
  }
}
