/**
 * Errors raised while decoding protocol data or building keys. Pure: nothing here touches I/O, so
 * callers in any folder (store, worker threads) can raise and catch them.
 */
// keys.ts throws InvalidKeyError: the two import each other, and use the imports only when called.
import { blobKey } from './keys.js';

/** Bytes from the wire that are not a message or event this version knows. Redelivering them will not help. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  readonly nonRetryable = true;
}

/**
 * A key, or a name that would go into one (flow, run, step, task), outside the key grammar of
 * protocol/keys.ts: a bug or bad input in the caller, not a store failure. `key` is the offending text.
 */
export class InvalidKeyError extends Error {
  override name = 'InvalidKeyError';
  readonly key: string;
  readonly retryable = false;

  /** `rule` completes the line `<what> '<key>' <rule>`. */
  constructor(key: string, rule: string, what = 'store key') {
    super(`${what} ${quoteText(key)} ${rule}`);
    this.key = key;
  }
}

/** Text from outside made fit for a one-line message: control characters and line breaks escaped, cut after `max` characters. */
export function oneLine(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  return cut.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `oneLine(text)` in single quotes. */
export function quoteText(text: string, max = 200): string {
  return `'${oneLine(text, max)}'`;
}

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
