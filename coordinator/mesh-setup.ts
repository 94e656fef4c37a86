/**
 * Creates the mesh's streams, consumers and KV bucket if they are missing (idempotent; every service
 * calls it at start-up). Nothing here needs a server newer than 2.9. Everything is looked up before
 * it is created, so a NATS user that may only read them (a worker or a client under
 * deploy/nats/mesh-roles.conf) can start once a coordinator has created them, and a worker waits for
 * that (`waitIfDenied`).
 */
import { AckPolicy, JetStreamApiError, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { PermissionViolationError, type NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS, META_BUCKET, STREAMS, SUBJECTS } from '../protocol/mesh.js';

export interface MeshSetupOptions {
  /** Stream and bucket replicas: 1 on one server, 3 on a cluster. */
  replicas?: number;
  /** How long run events are kept for `mesh watch`. */
  eventsMaxAgeMs?: number;
  /**
   * When something is missing and this NATS user may not create it (a worker under
   * deploy/nats/mesh-roles.conf), wait until a coordinator has created it instead of failing.
   */
  waitIfDenied?: boolean;
  /** How often to look again while waiting (default 1 s). */
  pollMs?: number;
  log?: (line: string) => void;
}

const NS = 1_000_000;

export interface Mesh {
  jsm: JetStreamManager;
  kv: KV;
}

export async function ensureMesh(nc: NatsConnection, o: MeshSetupOptions = {}): Promise<Mesh> {
  const replicas = o.replicas ?? 1;
  const jsm = await jetstreamManager(nc);
  const want = [
    { name: STREAMS.tasks, subjects: [SUBJECTS.tasksAll], retention: RetentionPolicy.Workqueue, duplicate_window: 10 * 60_000 * NS },
    { name: STREAMS.control, subjects: [SUBJECTS.controlAll], retention: RetentionPolicy.Workqueue, duplicate_window: 10 * 60_000 * NS },
    { name: STREAMS.events, subjects: [SUBJECTS.eventsAll], retention: RetentionPolicy.Limits, max_age: (o.eventsMaxAgeMs ?? 7 * 24 * 3600_000) * NS, max_msgs_per_subject: 1_000_000 },
    { name: STREAMS.dead, subjects: [SUBJECTS.dead], retention: RetentionPolicy.Limits },
  ];
  for (const s of want) {
    await createOrWait(`stream ${s.name}`, async () => {
      try {
        await jsm.streams.info(s.name);
      } catch {
        try {
          await jsm.streams.add({ ...s, storage: StorageType.File, num_replicas: replicas });
        } catch (err) {
          // Another service created it meanwhile.
          await jsm.streams.info(s.name).catch(() => { throw err; });
        }
      }
    }, () => jsm.streams.info(s.name), o);
  }
  await createOrWait(`consumer ${CONSUMERS.coordinator} on ${STREAMS.control}`,
    () => ensureConsumer(jsm, STREAMS.control, CONSUMERS.coordinator, undefined, defaultAckWaitMs()),
    () => jsm.consumers.info(STREAMS.control, CONSUMERS.coordinator), o);
  // Kvm.create looks the bucket up before creating it: once the bucket exists it creates nothing.
  // Replicated, reads go to the leader: a follower answering a direct get may be behind (on 2.9 one
  // catching up after a restart answers with what it has), and `mesh watch --wait` or a join must
  // not act on a run record that is no longer current.
  const open = () => new Kvm(nc).create(META_BUCKET, { replicas, history: 1, allow_direct: replicas === 1 });
  let kv: KV | undefined;
  await createOrWait(`KV bucket ${META_BUCKET}`, async () => { kv = await open(); }, async () => {
    await jsm.streams.info(`KV_${META_BUCKET}`);
    kv = await open();
  }, o);
  return { jsm, kv: kv! };
}

/**
 * How long a message may go unacknowledged before it is redelivered, when a consumer is created:
 * MESH_ACK_WAIT_MS, else 30 s. Workers heartbeat at a third of it.
 */
export function defaultAckWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.MESH_ACK_WAIT_MS);
  return Number.isFinite(v) && v >= 1000 ? v : 30_000;
}

/** How often a coordinator looks for runs that cannot move (MESH_STALL_MS, else 30 s; 0 never). */
export function stallCheckMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MESH_STALL_MS;
  if (raw === undefined || raw === '') return 30_000;
  const v = Number(raw);
  return Number.isFinite(v) && v >= 0 ? v : 30_000;
}

/**
 * How many times a message is delivered before the server gives up on it (MESH_MAX_DELIVER, else 100):
 * a task that kills every worker taking it ends in the dead-letter stream after that many.
 */
export function defaultMaxDeliver(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.MESH_MAX_DELIVER);
  return Number.isInteger(v) && v >= 2 ? v : 100;
}

/** One durable pull consumer, shared by every process that reads it. */
export async function ensureConsumer(jsm: JetStreamManager, stream: string, durable: string, filter: string | undefined, ackWaitMs: number, maxDeliver = defaultMaxDeliver()): Promise<void> {
  try {
    await jsm.consumers.info(stream, durable);
    return;
  } catch {
    // missing: create below
  }
  try {
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ackWaitMs * NS,
      max_deliver: maxDeliver,
      max_ack_pending: 10_000,
      ...(filter ? { filter_subject: filter } : {}),
    });
  } catch (err) {
    await jsm.consumers.info(stream, durable).catch(() => { throw err; });
  }
}

/**
 * A pool's consumer, `pool_<pool>` on MESH_TASKS filtered on `mesh.tasks.<pool>`. Coordinators ensure
 * it before publishing a pool's first task; a worker ensures it at start-up, and one whose NATS user
 * may not create consumers waits (with `waitIfDenied`) until a coordinator has created it.
 */
export async function ensurePoolConsumer(jsm: JetStreamManager, pool: string, ackWaitMs: number, o: MeshSetupOptions = {}): Promise<void> {
  const durable = CONSUMERS.pool(pool);
  await createOrWait(`consumer ${durable} on ${STREAMS.tasks}`,
    () => ensureConsumer(jsm, STREAMS.tasks, durable, SUBJECTS.task(pool), ackWaitMs),
    () => jsm.consumers.info(STREAMS.tasks, durable), o);
}

/** JetStream API error codes for a stream or consumer that does not exist. */
const NOT_FOUND = new Set([10059, 10014]);

/**
 * Runs `create` (which looks before it creates); if the user may not create and `waitIfDenied`,
 * polls `probe` until it succeeds. Only "not found" means "not yet": any other failure of the probe
 * (no permission to look either, no JetStream) would not go away by waiting.
 */
async function createOrWait(what: string, create: () => Promise<unknown>, probe: () => Promise<unknown>, o: MeshSetupOptions): Promise<void> {
  try {
    await create();
    return;
  } catch (err) {
    if (!o.waitIfDenied || !isPermissionDenied(err)) throw err;
  }
  o.log?.(`${what} does not exist and this NATS user may not create it: waiting for a coordinator to create it`);
  for (;;) {
    await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
    try {
      await probe();
      o.log?.(`${what} exists now`);
      return;
    } catch (err) {
      if (!(err instanceof JetStreamApiError && NOT_FOUND.has(err.code))) throw err;
    }
  }
}

/** The server refused a subject to this user (the client wraps the violation in a RequestError). */
export function isPermissionDenied(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof PermissionViolationError) return true;
  return false;
}
