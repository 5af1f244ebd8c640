// The nodes this node has heard of, used only to rank itself: for the failover skew, the OK delay,
// and whether it is next in line below the leader. Followers are silent in steady state, so
// entries are kept until there is evidence a node is gone (it resigned, it was the suspected
// leader, it was our leader and a lower node took office after it, or it promised COORDINATOR and
// never sent it). A stale entry only makes the skew longer, never the outcome wrong; the rank is
// capped anyway.
//
// The table is bounded (MAX_KNOWN_NODES), since packets can make up any number of nodes. The leader
// in office and the PROTECTED_BELOW_LEADER highest nodes below it (its successors, and the nodes a
// follower ranks itself against) are protected: a newcomer displaces one of them only by
// outranking it. A full table takes a newcomer only if it ranks among those, and then the oldest
// entry (first heard, or last changed, longest ago) that is not protected goes; any other newcomer
// is not remembered. So a flood
// of made-up nodes evicts none of the nodes that matter, and once the table is full it stops
// changing (nothing a flood sends lives on in the heap). A node heard again with the same
// instance and priority changes nothing.
import type { ResolvedElectionOptions } from './options';
import { comparePriority, nodeKey, storedNode, type RankedNode } from './priority';
import { INELIGIBLE_PRIORITY, type NodeIdentity } from './types';

/** Four times the largest cluster the simulations run (250); a full table costs about 0.3 MiB. */
export const MAX_KNOWN_NODES = 1024;
/** More than the skew counts (maxSkewRank) and the one next in line: rank and successor stay right. */
export const PROTECTED_BELOW_LEADER = 12;
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
  readonly #capacity: number;
  /** With the priority each was last heard with; oldest first (Map order: when first heard, or last changed). */
  readonly #nodes = new Map<string, RankedNode>();
  /** The leader in office as this node sees it (itself while it leads); undefined during a round. */
  #leaderKey: string | undefined;
  #leader: RankedNode | undefined;
  /** The highest known nodes below the leader (all of them without one), highest first: never evicted. */
  #protected: Array<{ readonly key: string; readonly node: RankedNode }> = [];

  constructor(self: RankedNode, options: RankOptions, capacity = MAX_KNOWN_NODES) {
    this.#self = self;
    this.#options = options;
    this.#capacity = capacity;
  }

  /** This node as it ranks now (its priority changed). */
  set self(self: RankedNode) {
    this.#self = self;
  }

  /** The leader in office (this node itself while it leads), or undefined: what protection is measured from. */
  set leader(leader: RankedNode | undefined) {
    const key = leader === undefined ? undefined : nodeKey(leader);
    if (key === this.#leaderKey && (leader === undefined || comparePriority(leader, this.#leader!) === 0)) return;
    this.#leaderKey = key;
    this.#leader = leader;
    this.#rebuildProtected();
    // A leader first heard while the table was full was not taken in (see note): it is now.
    if (leader !== undefined && key !== nodeKey(this.#self) && !this.#nodes.has(key!)) {
      this.#nodes.set(key!, storedNode(leader));
      if (this.#nodes.size > this.#capacity) this.#evictOne();
    }
  }

  get size(): number {
    return this.#nodes.size;
  }

  /** Whether a flood of newcomers can evict `node` (see the file comment). */
  isProtected(node: NodeIdentity): boolean {
    const key = nodeKey(node);
    return key === this.#leaderKey || this.#protected.some((entry) => entry.key === key);
  }

  note(node: RankedNode): void {
    const key = nodeKey(node);
    const stored = this.#nodes.get(key);
    if (stored === undefined && this.#nodes.size >= this.#capacity && !this.#wouldProtect(node)) return;
    // Heard again as it was: nothing to do. (Re-inserting it to keep a recency order would make the
    // Map rebuild its table every few thousand packets, and a flood of them grow the heap.)
    if (stored !== undefined && stored.nonce === node.nonce && comparePriority(stored, node) === 0) return;
    this.#nodes.delete(key);
    const entry = storedNode(node);
    this.#nodes.set(key, entry); // changed or new: the newest entry
    this.#reconsider(key, entry);
    if (stored === undefined && this.#nodes.size > this.#capacity) this.#evictOne();
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
    const key = nodeKey(node);
    this.#nodes.delete(key);
    if (this.#protected.some((entry) => entry.key === key)) this.#rebuildProtected();
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

  /** The oldest node that is not protected goes (there is always one: capacity > protected). */
  #evictOne(): void {
    for (const key of this.#nodes.keys()) {
      if (key === this.#leaderKey || this.#protected.some((entry) => entry.key === key)) continue;
      this.#nodes.delete(key);
      return;
    }
  }

  /** Whether `node`, not yet known, would rank among the protected nodes. */
  #wouldProtect(node: RankedNode): boolean {
    if (!this.#belowLeader(node)) return false;
    const last = this.#protected.at(-1);
    return this.#protected.length < PROTECTED_BELOW_LEADER || last === undefined || comparePriority(node, last.node) > 0;
  }

  /** A node below the leader (any node, without one). */
  #belowLeader(node: RankedNode): boolean {
    return this.#leader === undefined || comparePriority(node, this.#leader) < 0;
  }

  /** `node` was heard (maybe with a new priority): keep the protected list right, in O(PROTECTED_BELOW_LEADER). */
  #reconsider(key: string, node: RankedNode): void {
    const at = this.#protected.findIndex((entry) => entry.key === key);
    if (at >= 0) this.#protected.splice(at, 1);
    const inserted = key !== this.#leaderKey && this.#belowLeader(node) && this.#insertProtected(key, node);
    // It left the list (it now ranks above the leader): another known node may take its place.
    if (at >= 0 && !inserted) this.#rebuildProtected();
  }

  #insertProtected(key: string, node: RankedNode): boolean {
    const list = this.#protected;
    if (list.length >= PROTECTED_BELOW_LEADER && comparePriority(node, list.at(-1)!.node) <= 0) return false;
    let i = list.length;
    while (i > 0 && comparePriority(node, list[i - 1]!.node) > 0) i--;
    list.splice(i, 0, { key, node });
    if (list.length > PROTECTED_BELOW_LEADER) list.pop();
    return true;
  }

  /** O(n): when the leader changes, or a protected node is forgotten. */
  #rebuildProtected(): void {
    this.#protected = [];
    for (const [key, node] of this.#nodes) {
      if (key !== this.#leaderKey && this.#belowLeader(node)) this.#insertProtected(key, node);
    }
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
