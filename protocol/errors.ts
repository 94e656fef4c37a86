/**
 * Errors raised while decoding protocol data. Pure: nothing here touches I/O, so callers in any
 * folder (store, worker threads) can raise and catch them.
 */
import { blobKey } from './keys.js';

/** A stored blob that cannot be turned back into the bytes it was named after. Retrying the read will not help. */
export class CorruptBlobError extends Error {
  override name = 'CorruptBlobError';
  readonly digest: string;
  readonly retryable = false;

  constructor(digest: string, reason: string, options?: { cause?: unknown }) {
    super(`blob ${blobKey(digest)} is corrupt: ${reason}`, options);
    this.digest = digest;
  }
}

/** The blob decoded, but its bytes hash to something other than its name. */
export class DigestMismatchError extends CorruptBlobError {
  override name = 'DigestMismatchError';
  readonly expected: string;
  readonly actual: string;

  constructor(expected: string, actual: string) {
    super(expected, `expected sha256 ${expected}, got ${actual}`);
    this.expected = expected;
    this.actual = actual;
  }
}
