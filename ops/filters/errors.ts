/** Typed errors for ops/filters. A bad option is a caller mistake: a retry never helps. */

/** A filter option is out of range; `field` names it (e.g. `languages.JSON.maxLineLength`). */
export class FiltersOptionsError extends Error {
  override name = 'FiltersOptionsError';
  readonly nonRetryable = true;
  constructor(readonly field: string, message: string, options?: { cause?: unknown }) {
    super(`${field} ${message}`, options);
  }
}
