/** Typed errors for ops/secrets. Both are caller mistakes, so a retry never helps. */

/** A scan option is out of range; `field` names it (e.g. `thresholds.base64`). */
export class SecretsOptionsError extends Error {
  override name = 'SecretsOptionsError';
  readonly nonRetryable = true;
  constructor(readonly field: string, message: string, options?: { cause?: unknown }) {
    super(`${field} ${message}`, options);
  }
}

/** A finding handed to `redact` does not fit the text (stale findings from another version of it). */
export class InvalidFindingError extends Error {
  override name = 'InvalidFindingError';
  readonly nonRetryable = true;
  constructor(readonly index: number, message: string, options?: { cause?: unknown }) {
    super(`findings[${index}] ${message}`, options);
  }
}
