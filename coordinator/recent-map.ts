/**
 * A map that keeps its most recent entries: between `limit / 2` and `limit` of them, in two
 * generations; when the newer one is half full, the older one is dropped whole. Evicting the oldest
 * entry of one Map instead (`map.delete(map.keys().next().value)`) walks over every entry deleted since
 * the table was last compacted: at 50,000 entries that was a tenth of the mesh coordinator's CPU.
 */
export class RecentMap<K, V> {
  private newer = new Map<K, V>();
  private older = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    return this.newer.get(key) ?? this.older.get(key);
  }

  set(key: K, value: V): void {
    this.newer.set(key, value);
    if (this.newer.size >= this.limit / 2) {
      this.older = this.newer;
      this.newer = new Map();
    }
  }

  get size(): number {
    return this.newer.size + this.older.size;
  }
}
