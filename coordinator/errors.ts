/** Errors of planning and driving runs. */

/** Bad command-line or API input: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly nonRetryable = true;
}

/** A run, step or task that does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  readonly nonRetryable = true;
}
