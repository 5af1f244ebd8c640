// The nodes this node has heard of, used only to rank itself for the failover skew.
// Followers are silent in steady state, so entries are kept until there is evidence a node
// is gone (it resigned, it was the suspected leader, it was our leader and a lower node took office
// after it, or it promised COORDINATOR and never sent it).
// A stale entry only makes the skew longer, never the outcome wrong; the rank is capped anyway.
import { comparePriority, nodeKey } from './priority';
import type { NodeIdentity } from './types';

const MAX_KNOWN_NODES = 4096;

export class KnownNodes {
  readonly #nodes = new Map<string, NodeIdentity>();

  note(node: NodeIdentity): void {
    const key = nodeKey(node);
    this.#nodes.delete(key); // re-insert: Map order is then least recently heard first
    this.#nodes.set(key, node);
    if (this.#nodes.size > MAX_KNOWN_NODES) {
      const oldest = this.#nodes.keys().next().value;
      if (oldest !== undefined) this.#nodes.delete(oldest);
    }
  }

  forget(node: NodeIdentity): void {
    this.#nodes.delete(nodeKey(node));
  }

  /** How many known nodes (other than `except`) outrank `self`, capped at `cap`. */
  rankOf(self: NodeIdentity, cap: number, except?: NodeIdentity): number {
    const skip = except === undefined ? undefined : nodeKey(except);
    let rank = 0;
    for (const [key, node] of this.#nodes) {
      if (key !== skip && comparePriority(node, self) > 0 && ++rank >= cap) return cap;
    }
    return rank;
  }
}
