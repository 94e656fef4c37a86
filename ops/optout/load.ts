/**
 * Which registry a process uses, and reading it into a snapshot. A NATS connection or URL means the
 * mesh's KV bucket; otherwise a file. Options win over the environment, the environment over defaults:
 *
 *   options.nc / options.natsUrl  →  KV
 *   options.file                  →  that file
 *   MESH_NATS_URL                 →  KV on that server
 *   MESH_OPTOUT_FILE              →  that file
 *   otherwise                     →  .mesh/optout.txt in the working directory (beside the default store)
 */
import { join, resolve } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, resolveConnection } from '../../cli/connection.js';
import { DEFAULT_STORE_DIR } from '../../store/index.js';
import { OptOutOptionsError, OptOutStoreError } from './errors.js';
import { FileOptOutStore } from './file-store.js';
import { DEFAULT_OPTOUT_BUCKET, KvOptOutStore } from './kv-store.js';
import { OptOutSnapshot } from './snapshot.js';

export const DEFAULT_OPTOUT_FILE = 'optout.txt';

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

export interface OptOutOptions {
  /** Use the KV bucket over this connection (left open on close). */
  nc?: NatsConnection;
  /** Or connect to these servers (comma-separated, no auth; pass `nc` for auth or TLS). */
  natsUrl?: string;
  /** The registry file; default MESH_OPTOUT_FILE, then `.mesh/optout.txt` under `cwd`. */
  file?: string;
  /** KV bucket name; default `mesh_optout`. */
  bucket?: string;
  /** KV replicas when the bucket is created; default those of the mesh's metadata bucket, else 1. */
  replicas?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export type ResolvedOptOutOptions =
  | { store: 'kv'; nc?: NatsConnection; natsUrl?: string; bucket: string; replicas: number | undefined }
  | { store: 'file'; file: string };

const BUCKET = /^[-\w]+$/;

export function resolveOptOutOptions(options: OptOutOptions = {}): ResolvedOptOutOptions {
  const env = options.env ?? process.env;
  const { nc, natsUrl, file } = options;
  if (nc && natsUrl !== undefined) throw new OptOutOptionsError('natsUrl', 'must not be given together with nc');
  if (natsUrl !== undefined && natsUrl.trim() === '') throw new OptOutOptionsError('natsUrl', 'must not be empty');
  if (file !== undefined && file.trim() === '') throw new OptOutOptionsError('file', 'must not be empty');
  if (file !== undefined && (nc || natsUrl !== undefined)) {
    throw new OptOutOptionsError('file', 'cannot be combined with nc or natsUrl: the registry is a file or a KV bucket, not both');
  }
  const bucket = options.bucket ?? DEFAULT_OPTOUT_BUCKET;
  if (!BUCKET.test(bucket)) throw new OptOutOptionsError('bucket', `must hold only letters, digits, '-' and '_', got '${bucket}'`);
  const replicas = options.replicas;
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 1 || replicas > 5)) {
    throw new OptOutOptionsError('replicas', `must be an integer from 1 to 5, got ${replicas}`);
  }
  if (nc) return { store: 'kv', nc, bucket, replicas };
  if (natsUrl !== undefined) return { store: 'kv', natsUrl: natsUrl.trim(), bucket, replicas };
  if (file !== undefined) return { store: 'file', file: resolve(options.cwd ?? process.cwd(), file) };
  const envUrl = env.MESH_NATS_URL?.trim();
  if (envUrl) return { store: 'kv', natsUrl: envUrl, bucket, replicas };
  const envFile = env.MESH_OPTOUT_FILE?.trim();
  return { store: 'file', file: resolve(options.cwd ?? process.cwd(), envFile || join(DEFAULT_STORE_DIR, DEFAULT_OPTOUT_FILE)) };
}

/** Opens the registry the options name (creating the KV bucket if needed); close it when done. */
export async function openOptOutStore(options: OptOutOptions = {}): Promise<OptOutStore> {
  return openStore(options, 'create');
}

async function openStore(options: OptOutOptions, missing: 'create' | 'empty'): Promise<OptOutStore> {
  const r = resolveOptOutOptions(options);
  if (r.store === 'file') return new FileOptOutStore(r.file);
  if (r.nc) return KvOptOutStore.open(r.nc, { bucket: r.bucket, replicas: r.replicas, missing });
  const servers = r.natsUrl!.split(',').map((s) => s.trim()).filter((s) => s !== '');
  let nc: NatsConnection;
  try {
    // The same credentials and TLS as every mesh process (MESH_NATS_USER/PASSWORD/TOKEN/CREDS/CA, ...):
    // a task reading the registry runs in a worker whose server may require them.
    nc = await connectNats(resolveConnection({ nats: servers.join(',') }, options.env ?? process.env), 'mesh-optout');
  } catch (err) {
    throw new OptOutStoreError(`${servers.join(',')}/kv/${r.bucket}`, 'open', `cannot connect to NATS (${(err as Error).message})`, { cause: err });
  }
  return KvOptOutStore.open(nc, { bucket: r.bucket, replicas: r.replicas, ownsConnection: true, missing });
}

/**
 * Reads the registry once into an immutable snapshot (entries, digest, source). Reading creates
 * nothing, so it needs no right to create streams (a worker under deploy/nats/mesh-roles.conf has
 * none): a KV bucket nobody created yet holds no entries, like a missing file, and the snapshot's
 * source says there was no bucket. A bucket that exists but may not be read fails, as does a server
 * that cannot be reached.
 */
export async function loadOptOut(options: OptOutOptions = {}): Promise<OptOutSnapshot> {
  const store = await openStore(options, 'empty');
  try {
    return new OptOutSnapshot(await store.list(), store instanceof KvOptOutStore ? store.source : store.url);
  } finally {
    await store.close();
  }
}
