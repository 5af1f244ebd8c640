// A map of bounded size that forgets its least recently used entry: the tables that remote nodes
// fill (the core's known nodes and duplicate identities, the wire's replay filter) must not grow
// without bound. Only set() counts as a use: get() and has() leave the order as it is, so a
// lookup of a packet that is then dropped refreshes nothing.
export class LruMap<K, V> implements Iterable<[K, V]> {
  // Map iteration order is insertion order: re-inserting on every set keeps the oldest first.
  readonly #entries = new Map<K, V>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
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

  /** Stores `value` as the most recently used entry; past capacity the least recently used goes. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
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
