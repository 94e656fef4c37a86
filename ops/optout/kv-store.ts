/**
 * The registry as a JetStream KV bucket (default `mesh_optout`), shared by every machine on the mesh.
 * One key per entry. Keys must match `[-/=.\w]+`, and a `.` splits subject tokens (so `owner/..x` or a
 * trailing `.` would be an invalid key), hence a small reversible escape: letters, digits, `-`, `_` and
 * `/` stay as they are, every other byte becomes `=` and two hex digits (`owner/.github` →
 * `owner/=2egithub`). Keys stay readable in `nats kv ls`, and none ever holds a `.`.
 */
import { JetStreamApiError, jetstreamManager, type StreamInfo } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { META_BUCKET } from '../../protocol/mesh.js';
import { parseEntries, parseEntry } from './entry.js';
import { InvalidOptOutEntryError, OptOutStoreError } from './errors.js';
import { isPermissionDenied } from '../../coordinator/mesh-setup.js';
import { withNatsRetry } from './nats-retry.js';
import { byCodeUnit } from './snapshot.js';
import type { OptOutStore } from './load.js';

export const DEFAULT_OPTOUT_BUCKET = 'mesh_optout';

const PLAIN = /[a-z0-9_/-]/;

export function encodeKey(entry: string): string {
  let out = '';
  for (const byte of Buffer.from(entry, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && PLAIN.test(c) ? c : `=${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export function decodeKey(key: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    if (key[i] === '=') {
      bytes.push(parseInt(key.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(key.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

function isWrongSequence(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 10071 || code === 10164 || /wrong last sequence/i.test((err as Error)?.message ?? '');
}

export interface KvOptOutStoreOptions {
  bucket?: string;
  /**
   * Replicas when the bucket is created: 1 on one server, 3 on a cluster. Default: those of the mesh's
   * own metadata bucket on that server (so a registry first used on a cluster is as replicated as the
   * mesh), else 1.
   */
  replicas?: number;
  /** Close the connection on close(): set when the store opened it itself. */
  ownsConnection?: boolean;
  /**
   * What a missing bucket is: `create` it (the default, for `mesh optout add|rm|ls`), or `empty`: a
   * registry with no entries that cannot be written, and nothing created. Reading a registry for a
   * run uses `empty`, so it needs no right to create streams (a worker has none). A bucket that exists
   * but may not be read still fails.
   */
  missing?: 'create' | 'empty';
}

export class KvOptOutStore implements OptOutStore {
  readonly url: string;

  /** `kv` is undefined for a bucket that did not exist, opened with `missing: 'empty'`. */
  private constructor(private readonly kv: KV | undefined, private readonly nc: NatsConnection, bucket: string, private readonly owns: boolean) {
    const server = nc.getServer();
    this.url = `${server.includes('://') ? server : `nats://${server}`}/kv/${bucket}`;
  }

  /** Whether the bucket existed (or was created) when the store was opened. */
  get exists(): boolean {
    return this.kv !== undefined;
  }

  /** What a snapshot of this store names as its source: the url, and whether there was no bucket to read. */
  get source(): string {
    return this.kv ? this.url : `${this.url} (no such bucket: no entries)`;
  }

  /**
   * Opens the bucket. A missing one is created (idempotent: same config, same bucket), or with
   * `missing: 'empty'` stands for a registry with no entries.
   */
  static async open(nc: NatsConnection, options: KvOptOutStoreOptions = {}): Promise<KvOptOutStore> {
    const bucket = options.bucket ?? DEFAULT_OPTOUT_BUCKET;
    try {
      const kv = await withNatsRetry(async () => {
        if (options.missing === 'empty') {
          const info = await streamInfo(nc, `KV_${bucket}`);
          // Bound as the bucket is: reads from the leader when its direct gets are off.
          return info && new Kvm(nc).open(bucket, { allow_direct: info.config.allow_direct === true });
        }
        // Kvm.create opens an existing bucket as it is; the replica count only matters for a missing one.
        const replicas = options.replicas ?? (await meshReplicas(nc));
        // Replicated, reads go to the leader (a follower answering a direct get may be behind).
        return new Kvm(nc).create(bucket, { history: 1, replicas, allow_direct: replicas === 1 });
      });
      return new KvOptOutStore(kv, nc, bucket, options.ownsConnection ?? false);
    } catch (err) {
      if (options.ownsConnection) await nc.close().catch(() => {});
      throw new OptOutStoreError(`nats://${nc.getServer()}/kv/${bucket}`, 'open', (err as Error).message, { cause: err, nonRetryable: isPermissionDenied(err) });
    }
  }

  async list(): Promise<string[]> {
    const kv = this.kv;
    if (!kv) return [];
    return this.call('read', async () => {
      const out: string[] = [];
      // A key someone wrote by hand is validated like a line of the file: a bad one fails loudly.
      for await (const key of await kv.keys()) out.push(parseEntry(decodeKey(key), `${this.url} key ${key}`).text);
      return out.sort(byCodeUnit);
    });
  }

  async add(entries: readonly string[]): Promise<string[]> {
    const wanted = parseEntries(entries);
    const kv = this.writable();
    return this.call('write', async () => {
      const added: string[] = [];
      for (const e of wanted) {
        try {
          // create() fails on a live key and succeeds over a deleted one: exactly "add if absent".
          await kv.create(encodeKey(e.text), new TextEncoder().encode(e.text));
          added.push(e.text);
        } catch (err) {
          if (!isWrongSequence(err)) throw err;
        }
      }
      return added;
    });
  }

  async remove(entries: readonly string[]): Promise<string[]> {
    const unwanted = parseEntries(entries);
    const kv = this.writable();
    return this.call('write', async () => {
      const removed: string[] = [];
      for (const e of unwanted) {
        const key = encodeKey(e.text);
        const current = await kv.get(key);
        if (!current || current.operation !== 'PUT') continue;
        await kv.delete(key);
        removed.push(e.text);
      }
      return removed.sort(byCodeUnit);
    });
  }

  async close(): Promise<void> {
    if (this.owns) await this.nc.close();
  }

  private writable(): KV {
    if (this.kv) return this.kv;
    throw new OptOutStoreError(this.url, 'write', "the bucket does not exist and was opened for reading only (missing: 'empty')", { nonRetryable: true });
  }

  private async call<T>(op: 'read' | 'write', fn: () => Promise<T>): Promise<T> {
    try {
      // Every operation is safe to repeat: reads, create-if-absent, delete-if-present.
      return await withNatsRetry(fn);
    } catch (err) {
      if (err instanceof InvalidOptOutEntryError) throw err;
      throw new OptOutStoreError(this.url, op, (err as Error)?.message ?? String(err), { cause: err, nonRetryable: isPermissionDenied(err) });
    }
  }
}

/** The replicas of the mesh's metadata bucket on this server, or 1 when there is none (or it may not be read). */
async function meshReplicas(nc: NatsConnection): Promise<number> {
  try {
    const jsm = await jetstreamManager(nc);
    return (await jsm.streams.info(`KV_${META_BUCKET}`)).config.num_replicas ?? 1;
  } catch {
    return 1;
  }
}

/** The JetStream API error code of a stream that does not exist. */
const STREAM_NOT_FOUND = 10059;

/** A stream's info, or undefined when there is no such stream; any other failure (a permission) throws. */
async function streamInfo(nc: NatsConnection, stream: string): Promise<StreamInfo | undefined> {
  const jsm = await jetstreamManager(nc);
  try {
    return await jsm.streams.info(stream);
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === STREAM_NOT_FOUND) return undefined;
    throw err;
  }
}
