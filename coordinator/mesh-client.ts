/**
 * What a client does with the mesh: submit a run (validated and stored before anything is published)
 * and follow a run's events from its first, whenever it is started.
 *
 *   const record = await submitRun({ nc, blobs, file: 'flow.ts', params: { n: 5 } });
 *   const final = await followRun({ nc, flow: record.flow, run: record.run, onEvent: console.log });
 */
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { runKey } from '../protocol/keys.js';
import { META_BUCKET, STREAMS, SUBJECTS, decodeEvents, encodeMessage, msgIds, type MeshEvent } from '../protocol/mesh.js';
import type { RunRecord } from '../protocol/records.js';
import { ContentStore, MetadataStore, type StorageBackend } from '../store/index.js';
import { KvBackend, MeshBackend } from '../store/kv.js';
import { TaskPool } from '../worker/pool.js';
import { ensureMesh } from './mesh-setup.js';
import { prepareRun } from './prepare.js';
import type { ReplayRequest } from './replay.js';

export interface SubmitOptions {
  nc: NatsConnection;
  blobs: StorageBackend;
  file: string;
  cwd?: string;
  params?: Record<string, unknown>;
  replay?: ReplayRequest;
  replicas?: number;
}

/** Metadata of mesh runs (KV) with embedded runs' (the store) behind it, and blobs from the store. */
export async function meshMetadata(nc: NatsConnection, blobs: StorageBackend, replicas?: number): Promise<MetadataStore> {
  const { kv } = await ensureMesh(nc, { replicas });
  return new MetadataStore(new MeshBackend(new KvBackend(kv, META_BUCKET), blobs));
}

export async function submitRun(o: SubmitOptions): Promise<RunRecord> {
  const meta = await meshMetadata(o.nc, o.blobs, o.replicas);
  const cas = new ContentStore(o.blobs);
  const pool = new TaskPool({
    threads: 1,
    handler: async (req) => {
      if (req.op === 'blobs') return Promise.all(req.digests.map((d) => cas.getStored(d)));
      throw new Error('a flow reads no task records while it loads');
    },
  });
  try {
    const { record } = await prepareRun({
      file: o.file, cwd: o.cwd ?? process.cwd(), params: o.params, replay: o.replay, runtime: 'mesh', cas, meta, pool,
    });
    await meta.putJson(runKey(record.flow, record.run), record, { ifAbsent: true });
    await jetstream(o.nc).publish(SUBJECTS.submit, encodeMessage({ schema: 'mesh.v1.submit', flow: record.flow, run: record.run }), {
      msgID: msgIds.submit(record.run), retries: 30, timeout: 5000,
    });
    return record;
  } finally {
    await pool.close();
  }
}

export interface FollowOptions {
  nc: NatsConnection;
  flow: string;
  run: string;
  onEvent: (e: MeshEvent) => void;
  /**
   * An event that does not decode (a newer event type, a stray message on the run's subject): it is
   * passed over, and told here; the run is still followed to its end.
   */
  onUndecodable?: (seq: number, err: Error) => void;
  /** Stop following (resolves with the record as it is). */
  signal?: AbortSignal;
}

/**
 * Replays the run's events from the first, then follows them live, until `run.finished`. A run that
 * finished before its events expired still ends with the record's status.
 */
export async function followRun(o: FollowOptions): Promise<RunRecord | undefined> {
  const meta = await meshMetadata(o.nc, emptyBlobs);
  const js = jetstream(o.nc);
  const consumer = await js.consumers.get(STREAMS.events, { filter_subjects: SUBJECTS.events(o.run), deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume();
  o.signal?.addEventListener('abort', () => { void messages.close(); });
  let sawEnd = false;
  // If the run is already over and its events have expired, nothing would ever arrive: check KV too.
  const check = setInterval(() => {
    void meta.getJson<RunRecord>(runKey(o.flow, o.run)).then((r) => {
      if (r && r.status !== 'running' && !sawEnd) {
        setTimeout(() => { if (!sawEnd) void messages.close(); }, 2000);
      }
    }).catch(() => {});
  }, 2000);
  try {
    for await (const m of messages) {
      let events: MeshEvent[];
      try {
        events = decodeEvents(m.data);
      } catch (err) {
        o.onUndecodable?.(m.seq, err as Error);
        continue;
      }
      for (const e of events) {
        o.onEvent(e);
        if (e.type === 'run.finished') sawEnd = true;
      }
      if (sawEnd) break;
    }
  } finally {
    clearInterval(check);
    await messages.close();
  }
  return meta.getJson<RunRecord>(runKey(o.flow, o.run));
}

/** For reading metadata only: no blobs. */
const emptyBlobs: StorageBackend = {
  url: 'none',
  get: async () => undefined,
  put: async () => { throw new Error('no blob store'); },
  has: async () => false,
  list: async () => [],
  delete: async () => {},
  close: async () => {},
};
