/**
 * Typed errors for ops/optout. A bad entry or option is the caller's mistake (a retry never helps); a
 * registry that cannot be read or written may be a server that comes back.
 */

/** An opt-out entry that is not `owner` or `owner/repo`; the message names the entry and says why. */
export class InvalidOptOutEntryError extends Error {
  override name = 'InvalidOptOutEntryError';
  readonly nonRetryable = true;
  /**
   * @param entry the text as given
   * @param where `path:line` for a line of a registry file, else undefined
   */
  constructor(readonly entry: string, readonly reason: string, readonly where?: string, options?: { cause?: unknown }) {
    super(`${where ? `${where}: ` : ''}bad opt-out entry ${JSON.stringify(entry)}: ${reason}`, options);
  }
}

/** An option of `loadOptOut` / `openOptOutStore` is out of range; `field` names it. */
export class OptOutOptionsError extends Error {
  override name = 'OptOutOptionsError';
  readonly nonRetryable = true;
  constructor(readonly field: string, message: string, options?: { cause?: unknown }) {
    super(`${field} ${message}`, options);
  }
}

/** Reading or writing the registry failed; `url` names the file or bucket, `op` what was being done. */
export class OptOutStoreError extends Error {
  override name = 'OptOutStoreError';
  readonly nonRetryable: boolean;
  constructor(readonly url: string, readonly op: 'read' | 'write' | 'open', reason: string, options: { cause?: unknown; nonRetryable?: boolean } = {}) {
    super(`${url}: cannot ${op} the opt-out registry: ${reason}`, { cause: options.cause });
    this.nonRetryable = options.nonRetryable ?? false;
  }
}
