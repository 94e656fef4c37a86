/**
 * Which store the client reads, resolved once: `ClientOptions` in, `ClientStore` out. Opening a
 * store reads nothing; every object the client hands out shares one `ClientStore`.
 */
import { UsageError } from '../coordinator/errors.js';
import { ContentStore, MetadataStore, openBackend, type StorageBackend } from '../store/index.js';

export interface ClientOptions {
  /** A directory, `s3://bucket/prefix`, or an open backend. Default: MESH_STORE, then `.mesh` in `cwd`. */
  store?: string | StorageBackend;
  /** Where a relative store directory is resolved from. Default: the process's working directory. */
  cwd?: string;
  /** How many records are read at once when listing many runs or tasks. Default 32. */
  concurrency?: number;
}

export const DEFAULT_CONCURRENCY = 32;

export class ClientStore {
  readonly meta: MetadataStore;
  readonly blobs: ContentStore;

  constructor(readonly backend: StorageBackend, readonly concurrency: number) {
    this.meta = new MetadataStore(backend);
    // Client reads are one-off: no need to remember digests as stored.
    this.blobs = new ContentStore(backend, { knownLimit: 0 });
  }

  /** file:///abs/dir or s3://bucket/prefix, for messages. */
  get url(): string {
    return this.backend.url;
  }
}

/** One ClientStore per open backend, so objects from `listFlows` and `new Flow` share it. */
const shared = new WeakMap<StorageBackend, Map<number, ClientStore>>();

export function resolveClientStore(options: ClientOptions = {}): ClientStore {
  const { store, cwd, concurrency = DEFAULT_CONCURRENCY } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  const backend = typeof store === 'object' ? store : openBackend(store, cwd);
  let byConcurrency = shared.get(backend);
  if (!byConcurrency) shared.set(backend, (byConcurrency = new Map()));
  let resolved = byConcurrency.get(concurrency);
  if (!resolved) byConcurrency.set(concurrency, (resolved = new ClientStore(backend, concurrency)));
  return resolved;
}
