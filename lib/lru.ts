// A map of bounded size: the tables that remote nodes fill (the core's waiting set and conflicts,
// the wire's replay filter) must not grow without bound. Only set() counts as a use: get() and
// has() leave the order as it is, so a lookup of a packet that is then dropped refreshes nothing.
// When full, a new key either evicts the least recently used entry ('evict-oldest') or is not
// stored ('refuse'). 'refuse' suits a table whose entries are only an optimisation: under a flood
// of made-up keys it stops changing, so it neither forgets the live entries nor keeps every
// flooded key alive long enough to be promoted to V8's old space (which is what grows the heap).
export type WhenFull = 'evict-oldest' | 'refuse';

export class LruMap<K, V> implements Iterable<[K, V]> {
  // Map iteration order is insertion order: re-inserting on every set keeps the oldest first.
  readonly #entries = new Map<K, V>();
  readonly #capacity: number;
  readonly #whenFull: WhenFull;

  constructor(capacity: number, whenFull: WhenFull = 'evict-oldest') {
    this.#capacity = capacity;
    this.#whenFull = whenFull;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /**
   * Stores `value` as the most recently used entry; past capacity the least recently used goes
   * ('evict-oldest'), or a new key is not stored ('refuse': returns false).
   */
  set(key: K, value: V): boolean {
    const known = this.#entries.delete(key);
    if (!known && this.#whenFull === 'refuse' && this.#entries.size >= this.#capacity) return false;
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    return true;
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Least recently used first. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.#entries.entries();
  }
}
