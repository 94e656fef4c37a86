/**
 * Reading many records without reading them all at once: at most `limit` reads in flight, results
 * in input order. A step may have 100,000 tasks; a listing must neither wait for all of them nor
 * start all of them.
 */

/** Yields `fn(item)` for each item in order, with at most `limit` calls in flight. */
export async function* mapInOrder<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R, void, undefined> {
  const pending: Array<Promise<R>> = [];
  let next = 0;
  const fill = (): void => {
    while (next < items.length && pending.length < limit) {
      const p = fn(items[next++]!);
      // Marked handled: if an earlier read fails, or the caller stops early, later failures
      // must not surface as unhandled rejections. Awaiting `p` still sees its error.
      p.catch(() => {});
      pending.push(p);
    }
  };
  fill();
  while (pending.length > 0) {
    // The head stays in the window until it settles, so at most `limit` reads are ever in flight.
    const value = await pending[0]!;
    pending.shift();
    fill();
    yield value;
  }
}

/** All of `fn(item)`, in input order, with at most `limit` calls in flight. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for await (const value of mapInOrder(items, limit, fn)) out.push(value);
  return out;
}
