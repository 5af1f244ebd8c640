// The nodes this node has heard of, used only to rank itself: for the failover skew, the OK delay,
// and whether it is next in line below the leader. Followers are silent in steady state, so
// entries are kept until there is evidence a node is gone (it resigned, it was the suspected
// leader, it was our leader and a lower node took office after it, or it promised COORDINATOR and
// never sent it). A stale entry only makes the skew longer, never the outcome wrong; the rank is
// capped anyway.
import { LruMap } from '../lru';
import type { ResolvedElectionOptions } from './options';
import { comparePriority, nodeKey, type RankedNode } from './priority';
import { INELIGIBLE_PRIORITY, type NodeIdentity } from './types';

const MAX_KNOWN_NODES = 4096;
/**
 * The follower next in line (no known node above it but the leader) probes the leader and tells
 * joiners so. One, not two: joiners then learn exactly one node above them from its OK, and a node
 * that knows one stays quiet. A stale entry (a follower above that died silently) stops the
 * probing until the next leader change: failover then waits out the leader timeout, as without it.
 */
const PROBING_RANKS = 1;

type RankOptions = Pick<ResolvedElectionOptions, 'skewStepMs' | 'maxSkewRank' | 'random'>;

export class KnownNodes {
  #self: RankedNode;
  readonly #options: RankOptions;
  /** With the priority each was last heard with; least recently heard first, the one heard longest ago goes when the table is full. */
  readonly #nodes = new LruMap<string, RankedNode>(MAX_KNOWN_NODES);

  constructor(self: RankedNode, options: RankOptions) {
    this.#self = self;
    this.#options = options;
  }

  /** This node as it ranks now (its priority changed). */
  set self(self: RankedNode) {
    this.#self = self;
  }

  note(node: RankedNode): void {
    this.#nodes.set(nodeKey(node), node);
  }

  /**
   * The highest known node that may lead (not ineligible), other than this one: whom a resigning
   * leader names its successor. `aboveSelf`: only one that outranks this node.
   */
  highest({ aboveSelf = false } = {}): RankedNode | undefined {
    let best: RankedNode | undefined;
    for (const [, node] of this.#nodes) {
      if ((node.priority ?? 1) === INELIGIBLE_PRIORITY || nodeKey(node) === nodeKey(this.#self)) continue;
      if (aboveSelf && comparePriority(node, this.#self) <= 0) continue;
      if (best === undefined || comparePriority(node, best) > 0) best = node;
    }
    return best;
  }

  forget(node: NodeIdentity): void {
    this.#nodes.delete(nodeKey(node));
  }

  /** How many known nodes outrank this one, capped at maxSkewRank. */
  rank(): number {
    return this.#rankOf(this.#options.maxSkewRank);
  }

  /**
   * The failover skew: rank × skewStepMs plus a jitter below skewStepMs / 2, so ranks never swap
   * order. Rank 0 gets none: two nodes that both think they are top (one missed the other) settle
   * it by ELECTION/OK anyway.
   */
  skewMs(): number {
    const { skewStepMs, random } = this.#options;
    const rank = this.rank();
    if (rank === 0) return 0;
    return rank * skewStepMs + random() * (skewStepMs / 2);
  }

  /** No known node between this one and `leader`. */
  nextInLineBelow(leader: NodeIdentity): boolean {
    return this.#rankOf(PROBING_RANKS, leader) < PROBING_RANKS;
  }

  /** How many known nodes (other than `except`) outrank this one, capped at `cap`. */
  #rankOf(cap: number, except?: NodeIdentity): number {
    const skip = except === undefined ? undefined : nodeKey(except);
    let rank = 0;
    for (const [key, node] of this.#nodes) {
      if (key !== skip && comparePriority(node, this.#self) > 0 && ++rank >= cap) return cap;
    }
    return rank;
  }
}
