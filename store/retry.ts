/**
 * Transient store failures — a refused or reset connection, a timeout, throttling, a 5xx — are tried
 * again with exponential backoff and jitter, for a bounded time; anything else fails at once. A store
 * that is away for a minute then costs the tasks using it a wait, not a failure.
 *
 *   const retry = resolveRetryOptions({ budgetMs: 30_000 });
 *   const bytes = await withRetry(() => backend.get(key), retry);
 */
import { StoreError } from './errors.js';

export interface RetryOptions {
  /** Give up this long after the first failure (ms); 0 turns retries off. Default MESH_STORE_RETRY_MS, then 60 s. */
  budgetMs?: number;
  /** The first wait (ms); each next one doubles, up to `maxDelayMs`. Default 100. */
  firstDelayMs?: number;
  /** Default 5,000. */
  maxDelayMs?: number;
  /** Called before each wait, e.g. to log that the store is being waited for. */
  onRetry?: (err: StoreError, attempt: number, delayMs: number) => void;
}

export interface ResolvedRetryOptions {
  budgetMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
  onRetry: ((err: StoreError, attempt: number, delayMs: number) => void) | undefined;
}

export const DEFAULT_RETRY_BUDGET_MS = 60_000;

function nonNegative(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a non-negative number of milliseconds, got ${v}`);
  return v;
}

export function resolveRetryOptions(o: RetryOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedRetryOptions {
  const fromEnv = env.MESH_STORE_RETRY_MS;
  let budget = o.budgetMs;
  if (budget === undefined && fromEnv !== undefined && fromEnv !== '') {
    budget = Number(fromEnv);
    if (!Number.isFinite(budget) || budget < 0) throw new RangeError(`MESH_STORE_RETRY_MS must be a non-negative number of milliseconds, got '${fromEnv}'`);
  }
  const firstDelayMs = nonNegative('firstDelayMs', o.firstDelayMs, 100);
  const maxDelayMs = nonNegative('maxDelayMs', o.maxDelayMs, 5_000);
  if (maxDelayMs < firstDelayMs) throw new RangeError(`maxDelayMs (${maxDelayMs}) must be at least firstDelayMs (${firstDelayMs})`);
  return { budgetMs: nonNegative('budgetMs', budget, DEFAULT_RETRY_BUDGET_MS), firstDelayMs, maxDelayMs, onRetry: o.onRetry };
}

/** Whether trying again can help: store errors that say so (network trouble, throttling, 5xx). */
export function isTransient(err: unknown): err is StoreError {
  return err instanceof StoreError && err.retryable;
}

export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

const realClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Runs `op` until it succeeds, fails with an error that is not transient, or the budget is spent (the
 * last error is thrown). Waits are `firstDelayMs * 2^n`, capped at `maxDelayMs`, with half of each
 * jittered so that many clients do not come back at the same instant, and never past the budget.
 */
export async function withRetry<T>(op: () => Promise<T>, o: ResolvedRetryOptions, clock: RetryClock = realClock): Promise<T> {
  let deadline: number | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!isTransient(err) || o.budgetMs === 0) throw err;
      deadline ??= clock.now() + o.budgetMs;
      const left = deadline - clock.now();
      if (left <= 0) throw err;
      const base = Math.min(o.maxDelayMs, o.firstDelayMs * 2 ** Math.min(attempt - 1, 30));
      const delay = Math.min(left, Math.round(base / 2 + (clock.random() * base) / 2));
      o.onRetry?.(err, attempt, delay);
      await clock.sleep(delay);
    }
  }
}
