/** The one small interface both registries implement: a file for embedded use, a KV bucket on the mesh. */

export interface OptOutStore {
  /** file:///abs/optout.txt or nats://host:port/kv/<bucket>, for messages and snapshots. */
  readonly url: string;
  /** Canonical entries (`owner` or `owner/repo`, lower case), sorted. */
  list(): Promise<string[]>;
  /**
   * Adds entries as users type them (any spelling parseEntry takes). Every entry is validated before
   * anything changes. Returns the canonical entries that were not there before.
   */
  add(entries: readonly string[]): Promise<string[]>;
  /** Removes entries (validated first, like add); returns the canonical entries that were there. */
  remove(entries: readonly string[]): Promise<string[]>;
  /** Releases what the store opened itself (a NATS connection made from a URL); never a caller's. */
  close(): Promise<void>;
}
