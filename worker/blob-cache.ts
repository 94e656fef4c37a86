/**
 * A thread's view of the content store: blobs fetched through the bridge, verified, decoded, and kept
 * in a byte-bounded LRU so the partitions of one foreach read their parent's artifacts once per thread.
 */
import { decodeBlob, fromInline, type InlineBlobs } from '../protocol/cas.js';
import { unpackValue } from '../protocol/artifacts.js';
import type { SyncBridge } from './bridge.js';

export class ThreadBlobs {
  private readonly bytes = new Map<string, Uint8Array>();
  private size = 0;
  /** Decoded values of foreach lists, which every partition indexes into. */
  private readonly lists = new Map<string, unknown[]>();

  /**
   * The current task's inline blobs (from its spec and its inputs' records): not in the store, so they
   * are kept, not cached, until the task ends.
   */
  private inline = new Map<string, string>();

  constructor(private readonly bridge: SyncBridge, private readonly maxBytes = 256 * 1024 * 1024) {}

  /** Starts a task: its inline blobs replace the previous task's. */
  beginTask(inline: InlineBlobs | undefined): void {
    this.inline = new Map(inline ? Object.entries(inline) : []);
  }

  /** Inline blobs of the task's inputs, as their records arrive. */
  addInline(inline: InlineBlobs | undefined): void {
    if (inline) for (const d in inline) this.inline.set(d, inline[d]!);
  }

  /** The base64 stored bytes of `digest` when the current task has it inline. */
  inlineOf(digest: string): string | undefined {
    return this.inline.get(digest);
  }

  /** Verified bytes of each digest, fetching the missing ones in one round trip. */
  getMany(digests: readonly string[]): Uint8Array[] {
    for (const d of digests) {
      const b64 = this.bytes.has(d) ? undefined : this.inline.get(d);
      if (b64 !== undefined) this.remember(d, fromInline(d, b64));
    }
    const missing = [...new Set(digests.filter((d) => !this.bytes.has(d)))];
    if (missing.length > 0) {
      const stored = this.bridge.request<Uint8Array[]>({ op: 'blobs', digests: missing });
      missing.forEach((d, i) => this.remember(d, decodeBlob(d, stored[i]!)));
    }
    return digests.map((d) => this.touch(d));
  }

  has(digest: string): boolean {
    return this.bytes.has(digest);
  }

  get(digest: string): Uint8Array {
    return this.getMany([digest])[0]!;
  }

  value(digest: string): unknown {
    return unpackValue(this.get(digest));
  }

  /** The foreach list behind `digest`, decoded once and kept while partitions of it run. */
  list(digest: string): unknown[] {
    let list = this.lists.get(digest);
    if (!list) {
      const value = this.value(digest);
      list = Array.isArray(value) ? value : [...(value as Iterable<unknown>)];
      if (this.lists.size >= 4) this.lists.delete(this.lists.keys().next().value!);
      this.lists.set(digest, list);
    }
    return list;
  }

  private touch(digest: string): Uint8Array {
    const b = this.bytes.get(digest)!;
    this.bytes.delete(digest);
    this.bytes.set(digest, b);
    return b;
  }

  /** Keeps verified bytes of `digest` (a blob this thread just made). */
  remember(digest: string, b: Uint8Array): void {
    const old = this.bytes.get(digest);
    if (old) this.size -= old.byteLength;
    this.bytes.set(digest, b);
    this.size += b.byteLength;
    for (const [d, old] of this.bytes) {
      if (this.size <= this.maxBytes || d === digest) break;
      this.bytes.delete(d);
      this.size -= old.byteLength;
    }
  }
}
