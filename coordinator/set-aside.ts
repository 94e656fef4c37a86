/**
 * Messages a process cannot use — it cannot decode them, or they name a run it cannot find, or they
 * fail in a way no retry fixes — are never dropped on one process's word. Each is handed back with a
 * growing delay (setAsideDelayMs): the next delivery may reach a process that can use it (a worker or
 * coordinator of another version during an upgrade, a run record readable a moment later). After
 * UNUSABLE_DELIVERIES (or the consumer's max_deliver, if fewer) the process that has it copies it to
 * MESH_DEAD, saying why and where it was, and removes it from its work queue.
 *
 *   const giveUpAt = await giveUpAfter(consumer);
 *   ...
 *   catch (err) { await setAside(js, m, STREAMS.tasks, 'task message', err.message, giveUpAt, log); }
 */
import type { Consumer, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { DEAD_HEADERS, msgIds, setAsideDelayMs, SUBJECTS, UNUSABLE_DELIVERIES } from '../protocol/mesh.js';

/** The delivery at which a message no process could use is dead-lettered, for a consumer. */
export async function giveUpAfter(consumer: Consumer): Promise<number> {
  // Past the consumer's max_deliver the server would stop delivering it: given up on before that.
  const maxDeliver = (await consumer.info(true)).config.max_deliver ?? -1;
  return maxDeliver > 0 ? Math.min(UNUSABLE_DELIVERIES, maxDeliver) : UNUSABLE_DELIVERIES;
}

/** A copy of a message given up on, in MESH_DEAD, with why and where it was (one copy per message: its id). */
export async function deadLetter(js: JetStreamClient, data: Uint8Array, stream: string, seq: number, reason: string): Promise<void> {
  const h = headers();
  h.set(DEAD_HEADERS.reason, reason.replace(/[\r\n]+/g, ' ').slice(0, 1024));
  h.set(DEAD_HEADERS.stream, stream);
  h.set(DEAD_HEADERS.seq, String(seq));
  await js.publish(SUBJECTS.dead, data, { msgID: msgIds.dead(stream, seq), headers: h, retries: 30, timeout: 5000 });
}

/**
 * Hands `m` back for a later delivery, or, at delivery `giveUpAt`, dead-letters it and removes it.
 * `what` names the message in the log (`task message`, `control message`).
 */
export async function setAside(js: JetStreamClient, m: JsMsg, stream: string, what: string, reason: string, giveUpAt: number, log: (line: string) => void): Promise<void> {
  const n = m.info.deliveryCount;
  if (n < giveUpAt) {
    const delay = setAsideDelayMs(n);
    log(`cannot use ${what} ${m.seq} (delivery ${n}): ${reason}; handed back for ${delay} ms`);
    m.nak(delay);
    return;
  }
  try {
    await deadLetter(js, m.data, stream, m.seq, reason);
  } catch (err) {
    log(`${what} ${m.seq} not dead-lettered, handed back: ${(err as Error).message}`);
    m.nak(setAsideDelayMs(n));
    return;
  }
  m.term();
  log(`dead-lettered ${what} ${m.seq} (delivery ${n}): ${reason}`);
}
