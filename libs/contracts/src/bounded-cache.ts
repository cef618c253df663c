/**
 * A map of at most `capacity` entries that keeps those used lately, in O(1) per call: two generations of up to half
 * the capacity each. A hit in the older generation moves the entry to the newer one; when the newer one is full, it
 * becomes the older one and the older one is dropped whole. So the `capacity / 2` entries used last are always kept,
 * never more than `capacity` in all.
 *
 * Not a Map whose first key is deleted when it is full: V8 leaves a deleted entry's slot in place until the table is
 * rebuilt, and finding the first key walks every slot freed before it. With 50,000 match candidates cached, each
 * insertion then cost ~20 µs, and every cache of that kind got slower the longer the process ran.
 */
export class BoundedCache<K, V> {
  private newer = new Map<K, V>();
  private older = new Map<K, V>();
  private readonly half: number;

  constructor(readonly capacity: number) {
    this.half = Math.max(1, Math.ceil(capacity / 2));
  }

  get size(): number {
    return this.newer.size + this.older.size;
  }

  get(key: K): V | undefined {
    const value = this.newer.get(key);
    if (value !== undefined) return value;
    const old = this.older.get(key);
    if (old === undefined) return undefined;
    this.older.delete(key);
    this.store(key, old);
    return old;
  }

  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    this.older.delete(key);
    this.store(key, value);
  }

  delete(key: K): void {
    this.newer.delete(key);
    this.older.delete(key);
  }

  private store(key: K, value: V): void {
    this.newer.set(key, value);
    if (this.newer.size >= this.half) {
      this.older = this.newer;
      this.newer = new Map();
    }
  }
}
