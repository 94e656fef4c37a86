/**
 * JSON records (runs, tasks) under `meta/`, beside the blobs they point to. Records are small and
 * rewritten whole; the backend's atomic put means a reader sees the old record or the new one.
 */
import type { StorageBackend } from './backend.js';
import { CorruptRecordError } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export class MetadataStore {
  readonly backend: StorageBackend;

  constructor(backend: StorageBackend) {
    this.backend = backend;
  }

  get url(): string {
    return this.backend.url;
  }

  /** Returns false when `ifAbsent` and a record is already there. */
  async putJson(key: string, value: unknown, opts: { ifAbsent?: boolean } = {}): Promise<boolean> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new Error(`record ${key}: value is not JSON-serialisable`);
    return this.backend.put(key, encoder.encode(text), opts);
  }

  /** undefined when absent; CorruptRecordError naming the key when the record is not JSON. */
  async getJson<T>(key: string): Promise<T | undefined> {
    const bytes = await this.backend.get(key);
    if (bytes === undefined) return undefined;
    try {
      return JSON.parse(decoder.decode(bytes)) as T;
    } catch (cause) {
      throw new CorruptRecordError(this.url, key, cause);
    }
  }

  list(prefix: string): Promise<string[]> {
    return this.backend.list(prefix);
  }
}
