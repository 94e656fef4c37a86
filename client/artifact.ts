/** One artifact of a task: a name and a digest; the bytes are read only when asked for. */
import { unpackValue } from '../protocol/artifacts.js';
import { fromInline } from '../protocol/cas.js';
import type { ClientStore } from './store.js';

export class Artifact {
  private loaded?: Promise<unknown>;

  /** Made by `Task.artifacts()` and `Task.artifact(name)`. */
  constructor(
    /** The task's pathspec, `Flow/run/step/task`. */
    readonly taskPathspec: string,
    readonly name: string,
    /** sha256 of the serialized value: equal digests mean equal values. */
    readonly digest: string,
    private readonly store: ClientStore,
    /** The stored bytes (base64) when the task record carries this artifact inline. */
    private readonly inline?: string,
  ) {}

  get pathspec(): string {
    return `${this.taskPathspec}/${this.name}`;
  }

  /** The serialized value (msgpack), verified against the digest. */
  bytes(): Promise<Uint8Array> {
    if (this.inline !== undefined) {
      try {
        return Promise.resolve(fromInline(this.digest, this.inline));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.store.blobs.get(this.digest);
  }

  /**
   * The value, decoded with the types it was stored with (Map, Set, Date, typed arrays, BigInt...).
   * Read once and kept: later calls return the same object.
   */
  value<T = unknown>(): Promise<T> {
    if (!this.loaded) {
      this.loaded = this.bytes().then(unpackValue);
      this.loaded.catch(() => { this.loaded = undefined; }); // a failed read can be tried again
    }
    return this.loaded as Promise<T>;
  }
}
