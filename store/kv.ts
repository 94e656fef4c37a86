/**
 * Run metadata in a JetStream KV bucket, behind the same StorageBackend interface as a directory or
 * S3, so the mesh writes run and task records under the very keys an embedded run uses and every
 * reader (client, replay, `mesh show`) works on both. Only `meta/` keys live here; blobs stay in the
 * content store.
 *
 *   meta/<Flow>/<run>/run                   ->  meta.<Flow>.<run>.run
 *   meta/<Flow>/<run>/steps/<step>/<task>   ->  meta.<Flow>.<run>.steps.<step>.<task>   (task ids may hold '.')
 *                                               or, for a foreach partition, inside its part (kv-parts.ts)
 */
import type { KV } from '@nats-io/kv';
import { checkKey, checkPrefix, type StorageBackend } from './backend.js';
import { StoreError, type StoreOp } from './errors.js';
import { TaskParts } from './kv-parts.js';

export function isWrongSequence(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 10071 || code === 10164;
}

export class KvBackend implements StorageBackend {
  readonly url: string;

  /** Foreach partitions' task records, 64 to a value (store/kv-parts.ts). */
  readonly parts: TaskParts;

  constructor(private readonly kv: KV, bucket: string, serverUrl = 'nats') {
    this.url = `${serverUrl.replace(/\/$/, '')}/kv/${bucket}`;
    this.parts = new TaskParts(kv);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    // A key outside the grammar is the caller's bug, not a store failure a retry could fix: it is
    // thrown as InvalidKeyError, before the call.
    const k = kvKeyOf(key);
    const e = await this.call('get', key, () => this.kv.get(k));
    if (!e || e.operation !== 'PUT') return this.call('get', key, () => this.parts.get(k));
    return e.value;
  }

  async put(key: string, body: Uint8Array, opts: { ifAbsent?: boolean } = {}): Promise<boolean> {
    const k = kvKeyOf(key);
    if (!opts.ifAbsent) {
      await this.call('put', key, () => this.kv.put(k, body));
      return true;
    }
    try {
      await this.kv.create(k, body);
      return true;
    } catch (err) {
      if (isWrongSequence(err)) return false;
      throw this.fail('put', key, err);
    }
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Immediate children, as a directory store would list them. */
  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    const parts = prefix === '' ? [] : prefix.slice(0, -1).split('/');
    if (parts[0] !== 'meta') return prefix === '' ? ['meta/'] : [];
    const depth = parts.length;
    const base = parts.join('.');
    const children = new Set<string>();
    const collect = async (filter: string, child: (rest: string[]) => string | undefined) => {
      const it = await this.call('list', prefix, () => this.kv.keys(filter));
      for await (const k of it) {
        const rest = k.split('.').slice(depth);
        const c = child(rest);
        if (c) children.add(c);
      }
    };
    if (depth === 1) await collect('meta.*.*.run', (r) => `${r[0]}/`);
    else if (depth === 2) await collect(`${base}.*.run`, (r) => `${r[0]}/`);
    else if (depth === 3) {
      await collect(`${base}.run`, () => 'run');
      await collect(`${base}.steps.>`, () => 'steps/');
    } else if (depth === 4) {
      await collect(`${base}.>`, (r) => `${r[0]}/`);
      for (const s of await this.call('list', prefix, () => this.parts.steps(parts.slice(0, 3).join('.')))) children.add(`${s}/`);
    } else if (depth === 5) {
      await collect(`${base}.>`, (r) => r.join('.'));
      for (const t of await this.call('list', prefix, () => this.parts.tasks(base))) children.add(t);
    }
    return [...children].sort();
  }

  async delete(key: string): Promise<void> {
    const k = kvKeyOf(key);
    await this.call('delete', key, () => this.kv.delete(k));
  }

  async close(): Promise<void> {}

  private async call<T>(op: StoreOp, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.fail(op, key, err);
    }
  }

  private fail(op: StoreOp, key: string, err: unknown): StoreError {
    return new StoreError((err as Error)?.message ?? String(err), { url: this.url, op, key, retryable: true, cause: err });
  }
}

/** The values of `keys` (absent or deleted ones left out), 256 reads at a time, in key order. */
export async function readMany(kv: KV, keys: string[]): Promise<Array<[string, Uint8Array]>> {
  const out: Array<[string, Uint8Array]> = [];
  for (let i = 0; i < keys.length; i += 256) {
    const got = await Promise.all(keys.slice(i, i + 256).map((k) => kv.get(k)));
    got.forEach((e, j) => {
      if (e?.operation === 'PUT') out.push([keys[i + j]!, e.value]);
    });
  }
  return out;
}

/** The JSON values of `keys` (absent or deleted ones left out), in key order. */
export async function readJsonMany(kv: KV, keys: string[]): Promise<Array<[string, unknown]>> {
  return (await readMany(kv, keys)).map(([k, v]) => [k, JSON.parse(jsonText.decode(v))]);
}

/** Every key under a filter (`meta.F.r.steps.>`). */
export async function keysOf(kv: KV, filter: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of await kv.keys(filter)) keys.push(k);
  return keys;
}

const jsonText = new TextDecoder();

/** A `meta/` key as the KV bucket spells it (`/` -> `.`). */
export function kvKeyOf(key: string): string {
  if (!checkKey(key).startsWith('meta/')) throw new StoreError('only meta/ keys live in the KV bucket', { url: 'kv', op: 'put', key });
  return key.replace(/\//g, '.');
}

/**
 * Metadata from KV first, then from a store (embedded runs), blobs from the store: what the mesh
 * and the readers of mesh runs see.
 */
export class MeshBackend implements StorageBackend {
  readonly url: string;

  constructor(readonly meta: KvBackend, readonly blobs: StorageBackend) {
    this.url = blobs.url;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (key.startsWith('meta/')) return (await this.meta.get(key)) ?? this.blobs.get(key);
    return this.blobs.get(key);
  }

  put(key: string, body: Uint8Array, opts?: { ifAbsent?: boolean }): Promise<boolean> {
    return key.startsWith('meta/') ? this.meta.put(key, body, opts) : this.blobs.put(key, body, opts);
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async list(prefix: string): Promise<string[]> {
    if (!prefix.startsWith('meta/') && prefix !== '') return this.blobs.list(prefix);
    const [a, b] = await Promise.all([this.meta.list(prefix), this.blobs.list(prefix)]);
    return [...new Set([...a, ...b])].sort();
  }

  delete(key: string): Promise<void> {
    return key.startsWith('meta/') ? this.meta.delete(key) : this.blobs.delete(key);
  }

  async close(): Promise<void> {
    await this.blobs.close();
  }
}
