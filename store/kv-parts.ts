/**
 * Task records of foreach partitions, 64 to a KV value. A mesh run of 10,000 partitions would
 * otherwise write 10,000 KV records, each a JetStream publish the server stores and acknowledges: that
 * was almost half the coordinator's CPU and a third of the server's in `npm run bench:mesh`. The
 * coordinator records a result message's partitions in one compare-and-set per part (a message holds
 * whole parts, or partitions of one part: protocol/mesh.ts foreachGroupSize).
 *
 *   meta.<Flow>.<run>.steps.<step>.<task>            one task's record (every task outside a part)
 *   meta.<Flow>.<run>.parts.<step>.<outer>.<k>       { "<task>": record, ... } for the partitions
 *                                                     outer.(64k) ... outer.(64k+63) of the step
 *
 * A task's record is read from its own key first, then from its part (KvBackend.get), so every reader
 * of task records works unchanged; records are only ever added, first writer wins, as with `create`.
 */
import type { KV } from '@nats-io/kv';
import { isWrongSequence, keysOf, readJsonMany, readMany } from './kv.js';

/** Partitions per part: the most a task message sized by its foreach's width alone carries (protocol/mesh.ts FOREACH_BATCH). */
export const PART_SIZE = 64;
/** A part never grows past this; records that would not fit get their own key. */
const PART_MAX_BYTES = 256 * 1024;
/** Parsed parts a reader keeps (at most 64 × 256 KiB). */
const RECENT_PARTS = 64;

const enc = new TextEncoder();
const dec = new TextDecoder();
const RECORD_FIELD = Buffer.from('"schema":"mesh.v1.task"');
const CLONED_FIELD = Buffer.from('"status":"cloned"');

/** Occurrences of a field in JSON text, as a whole value (followed by ',' or '}'). */
function fieldCount(json: Uint8Array, field: Buffer): number {
  const text = Buffer.from(json.buffer, json.byteOffset, json.byteLength);
  let n = 0;
  for (let at = text.indexOf(field); at >= 0; at = text.indexOf(field, at + field.length)) {
    const next = text[at + field.length];
    if (next === 0x2c || next === 0x7d) n++;
  }
  return n;
}

export interface TaskRecordWrite {
  /** The task's own KV key (`meta.<Flow>.<run>.steps.<step>.<task>`). */
  key: string;
  record: unknown;
  /** A foreach partition (recorded in its part); any other task gets its own key. */
  partition: boolean;
}

/** What the store holds for the task after the write: the record given (created) or an earlier one. */
export interface TaskRecordWritten {
  created: boolean;
  record: unknown;
}

interface Queued extends TaskRecordWrite {
  /** The task id, as its part names it. */
  task: string;
  resolve: (w: TaskRecordWritten) => void;
  reject: (e: unknown) => void;
}

interface Pending {
  writes: Queued[];
}

/**
 * The part holding a task's record, from the task's KV key: undefined for a task that is not a
 * foreach partition (its id is not all indices) or a key outside `meta.*.*.steps.*.*`.
 */
export function partKeyOf(kvKey: string): { part: string; task: string } | undefined {
  const p = kvKey.split('.');
  if (p.length < 6 || p[0] !== 'meta' || p[3] !== 'steps') return undefined;
  const idx = p.slice(5);
  if (!idx.every((s) => /^\d+$/.test(s))) return undefined;
  const last = Number(idx[idx.length - 1]);
  return { part: [p[0], p[1], p[2], 'parts', p[4], ...idx.slice(0, -1), String(Math.floor(last / PART_SIZE))].join('.'), task: idx.join('.') };
}

export class TaskParts {
  /** Writes waiting per part within this process: one compare-and-set takes them all. */
  private readonly queued = new Map<string, Pending>();
  private readonly writing = new Set<string>();
  /** Parts read lately, parsed, least recent first. */
  private readonly recent = new Map<string, Record<string, unknown>>();
  /** Parts this process wrote last, with their revision, least recent first. */
  private readonly written = new Map<string, { revision: number; held: Record<string, unknown> }>();

  constructor(private readonly kv: KV) {}

  /**
   * A task's record from its part, as JSON bytes; undefined when the part does not hold it. Parts read
   * lately are kept parsed: an entry never changes once written, so a part that holds the task answers
   * for good (a replay reads its origin's partitions one by one); one that does not is read again.
   */
  async get(kvKey: string): Promise<Uint8Array | undefined> {
    const at = partKeyOf(kvKey);
    if (!at) return undefined;
    let held = this.recent.get(at.part);
    if (!held || !(at.task in held)) {
      const e = await this.kv.get(at.part);
      if (!e || e.operation !== 'PUT') return undefined;
      held = JSON.parse(dec.decode(e.value)) as Record<string, unknown>;
      this.recent.delete(at.part);
      this.recent.set(at.part, held);
      if (this.recent.size > RECENT_PARTS) this.recent.delete(this.recent.keys().next().value!);
    }
    const rec = held[at.task];
    // null: claimed for a record under its own key (read there first).
    return rec === undefined || rec === null ? undefined : enc.encode(JSON.stringify(rec));
  }

  /** Task ids recorded in parts under a step (`meta.<Flow>.<run>.steps.<step>`, KV form); not those with their own keys. */
  async tasks(stepKey: string): Promise<string[]> {
    const out: string[] = [];
    for (const [, recs] of await this.read(`${stepKey.replace('.steps.', '.parts.')}.>`)) {
      for (const [task, rec] of Object.entries(recs)) if (rec !== null) out.push(task);
    }
    return out;
  }

  /** Steps with parts in a run (`meta.<Flow>.<run>`, KV form). */
  async steps(runKey: string): Promise<string[]> {
    const names = new Set<string>();
    for await (const k of await this.kv.keys(`${runKey}.parts.>`)) names.add(k.split('.')[4]!);
    return [...names];
  }

  /**
   * How many records the run's parts hold, and how many of those were cloned, without parsing them
   * (reading every record of a 10,000-partition run was most of the coordinator's work at its end). A
   * part is JSON.stringify output: no whitespace, and a quote inside a string is escaped, so the
   * field `"schema":"mesh.v1.task"` appears once per record and `"status":"cloned"` once per cloned one.
   */
  async count(runKey: string): Promise<{ records: number; cloned: number }> {
    let records = 0;
    let cloned = 0;
    for (const [, value] of await readMany(this.kv, await keysOf(this.kv, `${runKey}.parts.>`))) {
      records += fieldCount(value, RECORD_FIELD);
      cloned += fieldCount(value, CLONED_FIELD);
    }
    return { records, cloned };
  }

  /** Every record in the run's parts, by the task's own KV key (not those under their own keys). */
  async records(runKey: string): Promise<Array<[string, unknown]>> {
    const out: Array<[string, unknown]> = [];
    for (const [k, recs] of await this.read(`${runKey}.parts.>`)) {
      const step = k.split('.')[4]!;
      for (const [task, rec] of Object.entries(recs)) if (rec !== null) out.push([`${runKey}.steps.${step}.${task}`, rec]);
    }
    return out;
  }

  /**
   * Records tasks unless recorded already: partitions into their parts (one compare-and-set per part),
   * any other task under its own key with `create`.
   */
  create(writes: TaskRecordWrite[]): Promise<TaskRecordWritten[]> {
    return Promise.all(writes.map((w) => {
      const at = w.partition ? partKeyOf(w.key) : undefined;
      if (!at) return this.createOwn(w);
      return new Promise<TaskRecordWritten>((resolve, reject) => {
        let q = this.queued.get(at.part);
        if (!q) {
          this.queued.set(at.part, (q = { writes: [] }));
          // A write in progress takes the new queue when it ends (drain); otherwise start one.
          if (!this.writing.has(at.part)) queueMicrotask(() => void this.drain(at.part));
        }
        q.writes.push({ key: w.key, record: w.record, partition: true, task: at.task, resolve, reject });
      });
    }));
  }

  private async createOwn(w: TaskRecordWrite): Promise<TaskRecordWritten> {
    try {
      await this.kv.create(w.key, enc.encode(JSON.stringify(w.record)));
      return { created: true, record: w.record };
    } catch (err) {
      if (!isWrongSequence(err)) throw err;
      const e = await this.kv.get(w.key);
      return { created: false, record: JSON.parse(dec.decode(e!.value)) };
    }
  }

  private async drain(part: string): Promise<void> {
    if (this.writing.has(part)) return;
    this.writing.add(part);
    try {
      for (let q = this.queued.get(part); q; q = this.queued.get(part)) {
        this.queued.delete(part);
        try {
          const out = await this.merge(part, q.writes);
          q.writes.forEach((w, i) => w.resolve(out[i]!));
        } catch (err) {
          q.writes.forEach((w) => w.reject(err));
        }
      }
    } finally {
      this.writing.delete(part);
    }
  }

  /**
   * One compare-and-set adding every write the part does not hold yet (again if another process wrote
   * first). A record too large to share the part is claimed in it (`null`) before it gets its own key,
   * so that no other writer records the task again in the part.
   */
  private async merge(part: string, writes: Queued[]): Promise<TaskRecordWritten[]> {
    let read = false;
    for (;;) {
      // A part this process wrote last is most likely unchanged since, and one it has not seen most
      // likely does not exist yet (a part is one task message's results): write without reading
      // first. A compare-and-set that fails says otherwise; then read.
      let known = this.written.get(part);
      this.written.delete(part);
      if (!known) {
        const e = read ? await this.kv.get(part) : null;
        known = e?.operation === 'PUT' ? { revision: e.revision, held: JSON.parse(dec.decode(e.value)) as Record<string, unknown> } : { revision: 0, held: {} };
      }
      const { held } = known;
      const out: Array<TaskRecordWritten | undefined> = [];
      const added: number[] = [];
      let own: number[] = [];
      writes.forEach((w, i) => {
        const task = w.task;
        if (!(task in held)) {
          held[task] = w.record;
          out.push({ created: true, record: w.record });
          added.push(i);
        } else if (held[task] === null) {
          out.push(undefined);
          own.push(i);
        } else out.push({ created: false, record: held[task] });
      });
      if (added.length > 0) {
        let body = enc.encode(JSON.stringify(held));
        if (body.length > PART_MAX_BYTES) {
          for (const i of added) held[writes[i]!.task] = null;
          own = [...own, ...added];
          body = enc.encode(JSON.stringify(held));
        }
        try {
          const revision = known.revision > 0 ? await this.kv.update(part, body, known.revision) : await this.kv.create(part, body);
          this.written.set(part, { revision, held });
          if (this.written.size > RECENT_PARTS) this.written.delete(this.written.keys().next().value!);
        } catch (err) {
          if (!isWrongSequence(err)) throw err;
          read = true;
          continue;
        }
      } else this.written.set(part, known);
      const owned = await Promise.all(own.map((i) => this.createOwn(writes[i]!)));
      own.forEach((i, j) => (out[i] = owned[j]));
      return out as TaskRecordWritten[];
    }
  }

  private async read(filter: string): Promise<Array<[string, Record<string, unknown>]>> {
    return readJsonMany(this.kv, await keysOf(this.kv, filter)) as Promise<Array<[string, Record<string, unknown>]>>;
  }
}
