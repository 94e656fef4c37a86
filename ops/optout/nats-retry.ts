/**
 * NATS failures that pass on their own: a request timing out or finding no responder while a
 * JetStream leader is being elected, a stream "offline" or "temporarily unavailable" during a node's
 * restart. The registry waits those out (for a bounded time) instead of failing the task that reads
 * it; anything else fails at once.
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import { NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';

const PASSING = /timeout|timed out|no responders|offline|temporarily unavailable|no suitable peers|leader|not current/i;

/** Whether trying again later can help. */
export function isPassingNatsError(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 4) return false;
  if (err instanceof TimeoutError || err instanceof NoRespondersError) return true;
  if (err instanceof RequestError && err.isNoResponders()) return true;
  if (err instanceof JetStreamApiError) return err.status === 503 || err.code === 10008 || PASSING.test(err.message);
  if (err.cause !== undefined) return isPassingNatsError(err.cause, depth + 1);
  return err.name === 'TimeoutError' || PASSING.test(err.message) && !/permission/i.test(err.message);
}


export interface NatsRetryOptions {
  /** Give up this long after the first failure (ms); default MESH_OPTOUT_RETRY_MS, then 60 s. */
  budgetMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (err: Error, attempt: number, delayMs: number) => void;
}

/** Runs `fn`, again after 250 ms, 500 ms, ... (at most 4 s apart) while it fails with a passing error. */
export async function withNatsRetry<T>(fn: () => Promise<T>, o: NatsRetryOptions = {}): Promise<T> {
  const env = Number(process.env.MESH_OPTOUT_RETRY_MS);
  const budget = o.budgetMs ?? (Number.isFinite(env) && env >= 0 && process.env.MESH_OPTOUT_RETRY_MS !== '' ? env : 60_000);
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const start = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const delay = Math.min(4000, 250 * 2 ** (attempt - 1));
      if (!isPassingNatsError(err) || Date.now() - start + delay > budget) throw err;
      o.onRetry?.(err as Error, attempt, delay);
      await sleep(delay);
    }
  }
}
