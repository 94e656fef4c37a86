/** Typed errors for ops/stack. */

/** A flow parameter is missing or out of range; `field` names it. A retry cannot help. */
export class StackConfigError extends Error {
  override name = 'StackConfigError';
  readonly nonRetryable = true;
  constructor(readonly field: string, message: string, options?: { cause?: unknown }) {
    super(`${field} ${message}`, options);
  }
}

/** A stored intermediate (docs, evidence) does not decode: written by another version, or damaged. */
export class StackDataError extends Error {
  override name = 'StackDataError';
  readonly nonRetryable = true;
  constructor(readonly what: string, message: string, options?: { cause?: unknown }) {
    super(`${what}: ${message}`, options);
  }
}
