/**
 * A join's arrivals on the mesh, kept in KV so any coordinator can record one and the one that
 * completes the join starts it. Every update sets a bit (idempotent: a redelivered result sets it
 * again) with a compare-and-set on the key's revision. Positions are spread over chunks of 1,024 so a
 * 100,000-partition foreach rewrites small values; a top-level record marks full chunks.
 *
 *   coord.<run>.join.<step>.<stack>          { expected, chunks: bits of full chunks }
 *   coord.<run>.join.<step>.<stack>.c<n>     { bits, failed: positions, alt: { position: step } }
 */
import type { KV } from '@nats-io/kv';
import { isWrongSequence } from '../store/kv.js';

export const CHUNK = 1024;

interface Top { expected: number; chunks: string }
interface Chunk { bits: string; failed?: number[]; alt?: Record<string, string> }

export interface JoinArrival {
  position: number;
  ok: boolean;
  /** The step that arrived, when it is not the join's default input step. */
  step?: string;
}

export interface JoinOutcome {
  complete: boolean;
  expected: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function chunkCount(expected: number): number {
  return Math.max(1, Math.ceil(expected / CHUNK));
}

function chunkSize(expected: number, c: number): number {
  return Math.min(CHUNK, expected - c * CHUNK);
}

function getBit(bits: Uint8Array, i: number): boolean {
  return (bits[i >> 3]! & (1 << (i & 7))) !== 0;
}

function countBits(bits: Uint8Array, n: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) if (getBit(bits, i)) count++;
  return count;
}

/**
 * A key's value decoded once per write, whatever the number of updates queued for it: a bit set is a
 * byte operation and a count, not a base64 round trip and a scan of 1,024 bits per arrival.
 */
interface Bits {
  bits: Uint8Array;
  /** Bits set among the first `size`. */
  count: number;
  size: number;
}

interface ChunkState extends Bits {
  failed: Set<number>;
  alt: Record<string, string>;
}

/** How a key's value is read into a state updates change, and written back. */
interface Codec<S> {
  empty(): S;
  decode(text: string): S;
  encode(state: S): string;
}

/** Sets bit i; true when all `size` bits are set afterwards. */
function setBit(s: Bits, i: number): boolean {
  if (!getBit(s.bits, i)) {
    s.bits[i >> 3]! |= 1 << (i & 7);
    if (i < s.size) s.count++;
  }
  return s.count >= s.size;
}

function bitsFrom(b64: string, bytes: number, size: number): Bits {
  const bits = fromB64(b64, bytes);
  return { bits, count: countBits(bits, size), size };
}

function chunkCodec(size: number): Codec<ChunkState> {
  return {
    empty: () => ({ bits: new Uint8Array(CHUNK / 8), count: 0, size, failed: new Set(), alt: {} }),
    decode(text) {
      const ch = JSON.parse(text) as Chunk;
      return { ...bitsFrom(ch.bits, CHUNK / 8, size), failed: new Set(ch.failed ?? []), alt: { ...ch.alt } };
    },
    encode(s) {
      const ch: Chunk = { bits: toB64(s.bits) };
      if (s.failed.size > 0) ch.failed = [...s.failed];
      if (Object.keys(s.alt).length > 0) ch.alt = s.alt;
      return JSON.stringify(ch);
    },
  };
}

function topCodec(expected: number): Codec<Bits> {
  const n = chunkCount(expected);
  const bytes = Math.ceil(n / 8);
  return {
    empty: () => ({ bits: new Uint8Array(bytes), count: 0, size: n }),
    decode: (text) => bitsFrom((JSON.parse(text) as Top).chunks, bytes, n),
    encode: (s) => JSON.stringify({ expected, chunks: toB64(s.bits) } satisfies Top),
  };
}

export class JoinState {
  /** Updates waiting per key within this process; other processes are handled by CAS. */
  private readonly queues = new Map<string, Queue<unknown>>();
  /** A join's size never changes once planned. */
  private readonly tops = new Map<string, number>();
  private readonly written = new Map<string, Written<unknown>>();

  constructor(private readonly kv: KV) {}

  /** Creates the join's record when its split is planned (idempotent). */
  async expect(key: string, expected: number): Promise<void> {
    try {
      await this.kv.create(key, enc.encode(JSON.stringify({ expected, chunks: '' } satisfies Top)));
    } catch (err) {
      if (!isWrongSequence(err)) throw err;
    }
  }

  /**
   * Records arrivals at one join (the partitions of a result message arrive together: one update per
   * chunk they fall in); tells whether the join now has all its inputs.
   */
  async arrive(key: string, ...arrivals: JoinArrival[]): Promise<JoinOutcome> {
    const top = await this.readTop(key);
    const byChunk = new Map<number, JoinArrival[]>();
    for (const a of arrivals) {
      const c = Math.floor(a.position / CHUNK);
      const list = byChunk.get(c);
      if (list) list.push(a);
      else byChunk.set(c, [a]);
    }
    const complete = await Promise.all([...byChunk].map(async ([c, list]) => {
      const chunkFull = await this.update(`${key}.c${c}`, chunkCodec(chunkSize(top.expected, c)), (ch) => {
        let full = false;
        for (const a of list) {
          if (!a.ok) ch.failed.add(a.position);
          if (a.step) ch.alt[String(a.position)] = a.step;
          full = setBit(ch, a.position % CHUNK);
        }
        return full;
      });
      return chunkFull && (await this.update(key, topCodec(top.expected), (t) => setBit(t, c)));
    }));
    return { complete: complete.some(Boolean), expected: top.expected };
  }

  /** All arrivals of a complete join: failed positions and the positions that came from another step. */
  async collect(key: string): Promise<{ expected: number; failed: number[]; alt: Map<number, string> }> {
    const top = await this.readTop(key);
    const failed: number[] = [];
    const alt = new Map<number, string>();
    for (let c = 0; c < chunkCount(top.expected); c++) {
      const e = await this.kv.get(`${key}.c${c}`);
      if (!e || e.operation !== 'PUT') continue;
      const ch = JSON.parse(dec.decode(e.value)) as Chunk;
      failed.push(...(ch.failed ?? []));
      for (const [p, s] of Object.entries(ch.alt ?? {})) alt.set(Number(p), s);
    }
    return { expected: top.expected, failed: failed.sort((x, y) => x - y), alt };
  }

  private async readTop(key: string): Promise<Top> {
    const expected = this.tops.get(key);
    if (expected !== undefined) return { expected, chunks: '' };
    const e = await this.kv.get(key);
    if (!e || e.operation !== 'PUT') throw new Error(`join record ${key} is missing`);
    const top = JSON.parse(dec.decode(e.value)) as Top;
    if (this.tops.size > 10_000) this.tops.delete(this.tops.keys().next().value!);
    this.tops.set(key, top.expected);
    return top;
  }

  /**
   * Read-modify-write with compare-and-set, retried on conflicts; returns what `change` returned.
   * Changes to one key that queue up while a write is in flight are applied together in the next
   * write, so a join that 1,000 partitions reach at once costs a few dozen writes, not 1,000.
   */
  private update<S>(key: string, codec: Codec<S>, change: (s: S) => boolean): Promise<boolean> {
    let q = this.queues.get(key) as Queue<S> | undefined;
    if (!q) {
      q = { pending: [], running: false, codec };
      this.queues.set(key, q as Queue<unknown>);
    }
    return new Promise<boolean>((resolve, reject) => {
      q!.pending.push({ change, resolve, reject });
      if (!q!.running) void this.drain(key, q!);
    });
  }

  private async drain<S>(key: string, q: Queue<S>): Promise<void> {
    q.running = true;
    while (q.pending.length > 0) {
      const batch = q.pending.splice(0);
      try {
        const results = await this.write(key, q.codec, batch.map((b) => b.change));
        batch.forEach((b, i) => b.resolve(results[i]!));
      } catch (err) {
        batch.forEach((b) => b.reject(err));
      }
    }
    q.running = false;
    this.queues.delete(key);
  }

  private async write<S>(key: string, codec: Codec<S>, changes: Array<(s: S) => boolean>): Promise<boolean[]> {
    for (let tries = 0; ; tries++) {
      // The value this process wrote last is most likely still the current one (one coordinator, or
      // each join's arrivals mostly reaching one): write over its revision without reading it again.
      // A compare-and-set that fails says otherwise; then read.
      let known = this.written.get(key) as Written<S> | undefined;
      this.written.delete(key);
      if (!known) {
        const e = await this.kv.get(key);
        known = e !== null && e.operation === 'PUT' ? { revision: e.revision, state: codec.decode(dec.decode(e.value)) } : { revision: 0, state: codec.empty() };
      }
      const { state } = known;
      const results = changes.map((c) => c(state));
      try {
        const body = enc.encode(codec.encode(state));
        const revision = known.revision > 0 ? await this.kv.update(key, body, known.revision) : await this.kv.create(key, body);
        this.written.set(key, { revision, state });
        if (this.written.size > WRITTEN) this.written.delete(this.written.keys().next().value!);
        return results;
      } catch (err) {
        if (!isWrongSequence(err) || tries > 100) throw err;
      }
    }
  }
}

/** Join records this process wrote last, decoded, with their revision (at most WRITTEN). */
const WRITTEN = 1024;

interface Written<S> {
  revision: number;
  state: S;
}

interface Queue<S> {
  pending: Array<{ change: (s: S) => boolean; resolve: (r: boolean) => void; reject: (e: unknown) => void }>;
  running: boolean;
  codec: Codec<S>;
}

function toB64(bits: Uint8Array): string {
  return Buffer.from(bits).toString('base64');
}

function fromB64(s: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  if (s) out.set(Buffer.from(s, 'base64').subarray(0, size));
  return out;
}
