/** Typed errors for ops/license. Matching itself never throws on odd input; these are setup problems. */

/** An option is out of range; `field` names it (e.g. `threshold`, `keep[1]`). A caller mistake: no retry helps. */
export class LicenseOptionsError extends Error {
  override name = 'LicenseOptionsError';
  readonly nonRetryable = true;
  constructor(readonly field: string, message: string, options?: { cause?: unknown }) {
    super(`${field} ${message}`, options);
  }
}

/** The SPDX license data could not be loaded (package missing or corrupt). The install is broken: no retry helps. */
export class LicenseDataError extends Error {
  override name = 'LicenseDataError';
  readonly nonRetryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
