/**
 * A run's events for any number of readers. A reader that joins late first gets the recent history
 * (bounded, always including the first event), then events as they happen; iteration ends when the
 * stream ends.
 */
export class EventStream<T> {
  private readonly history: T[] = [];
  private first?: T;
  private dropped = false;
  private ended = false;
  private readonly readers = new Set<{ queue: T[]; wake?: () => void }>();
  private readonly listeners: Array<(e: T) => void> = [];

  constructor(private readonly keep = 10_000) {}

  /** Called synchronously for every event from now on. */
  listen(fn: (e: T) => void): void {
    this.listeners.push(fn);
  }

  push(e: T): void {
    if (this.ended) return;
    if (this.first === undefined) this.first = e;
    else {
      this.history.push(e);
      if (this.history.length > this.keep) {
        this.history.shift();
        this.dropped = true;
      }
    }
    for (const fn of this.listeners) fn(e);
    for (const r of this.readers) {
      r.queue.push(e);
      r.wake?.();
    }
  }

  end(): void {
    this.ended = true;
    for (const r of this.readers) r.wake?.();
  }

  /** True when early events were dropped from the history. */
  get truncated(): boolean {
    return this.dropped;
  }

  async *iterate(): AsyncIterableIterator<T> {
    const reader: { queue: T[]; wake?: () => void } = {
      queue: this.first === undefined ? [] : [this.first, ...this.history],
    };
    this.readers.add(reader);
    try {
      for (;;) {
        if (reader.queue.length > 0) {
          const batch = reader.queue;
          reader.queue = [];
          for (const e of batch) yield e;
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => { reader.wake = resolve; });
        reader.wake = undefined;
      }
    } finally {
      this.readers.delete(reader);
    }
  }
}
