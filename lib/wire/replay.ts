// Replay and duplicate filter: the highest sequence number seen per sender instance
// (id, address, nonce), in an LRU of bounded size. No clocks involved.

export const DEFAULT_REPLAY_WINDOW = 4096;
export const MAX_REPLAY_WINDOW = 1_048_576;

export class ReplayWindow {
  // Map iteration order is insertion order: re-inserting on every accept makes it an LRU.
  readonly #highest = new Map<string, bigint>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#highest.size;
  }

  /** True when seq is not newer than what this sender instance already delivered. */
  isReplay(senderKey: string, seq: bigint): boolean {
    const highest = this.#highest.get(senderKey);
    return highest !== undefined && seq <= highest;
  }

  /** Record an accepted packet. Call only after the packet was fully verified. */
  accept(senderKey: string, seq: bigint): void {
    this.#highest.delete(senderKey);
    this.#highest.set(senderKey, seq);
    if (this.#highest.size > this.#capacity) {
      const oldest = this.#highest.keys().next().value as string;
      this.#highest.delete(oldest);
    }
  }
}

export function senderKey(id: bigint, address: string, nonce: bigint): string {
  return `${id}|${address}|${nonce}`;
}
