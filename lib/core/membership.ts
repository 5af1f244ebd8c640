// The nodes this node has heard of, used only to rank itself for the failover skew.
// Followers are silent in steady state, so entries are kept until there is evidence a node
// is gone (it resigned, it was the suspected leader, or it promised COORDINATOR and never sent it).
// A stale entry only makes the skew longer, never the outcome wrong; the rank is capped anyway.
import { comparePriority, nodeKey } from './priority';
import type { NodeIdentity } from './types';

const MAX_MEMBERS = 4096;

export class Membership {
  readonly #members = new Map<string, NodeIdentity>();

  note(node: NodeIdentity): void {
    const key = nodeKey(node);
    this.#members.delete(key); // re-insert: Map order is then least recently heard first
    this.#members.set(key, node);
    if (this.#members.size > MAX_MEMBERS) {
      const oldest = this.#members.keys().next().value;
      if (oldest !== undefined) this.#members.delete(oldest);
    }
  }

  forget(node: NodeIdentity): void {
    this.#members.delete(nodeKey(node));
  }

  /** How many known nodes outrank `self`, capped at `cap`. */
  rankOf(self: NodeIdentity, cap: number): number {
    let rank = 0;
    for (const member of this.#members.values()) {
      if (comparePriority(member, self) > 0 && ++rank >= cap) return cap;
    }
    return rank;
  }

  get size(): number {
    return this.#members.size;
  }
}
