// Replay and duplicate filter per sender instance (id, address, nonce), in an LRU of bounded
// size. No clocks involved. Two policies:
// - 'strict' (a node with keys): a packet must carry a sequence number above the highest one
//   accepted from that instance. Only packets whose tag verified reach the table, so an outsider
//   cannot move it, and a captured genuine packet can never be replayed to this receiver.
// - 'duplicates' (no keys): anyone can forge anything, so the filter only removes duplicated
//   datagrams, and must never make this node deaf to a live peer. It remembers the last
//   DUPLICATE_WINDOW sequence numbers below the highest; a packet older than that window is
//   accepted and resynchronises the window on it. A forged sequence far ahead therefore costs the
//   real sender nothing: its next packet is older than the window and is accepted.
// The table is bounded (the capacity is the replayWindow option). In 'strict' mode the sender
// heard longest ago goes when it is full: only verified senders get in. In 'duplicates' mode anyone
// can make up senders, and a full table takes no new ones: a flood then changes nothing in it (the
// live senders stay), and a sender left out only loses duplicate suppression. A sender's state is
// updated in place, so a stream of packets from known senders allocates nothing that lives on.
import { LruMap } from '../lru';

/** Sender instances: four times the largest cluster the simulations run. Filled by a flood, 4096 cost ~8 MiB of RSS, 1024 ~1 (bench:flood). */
export const DEFAULT_REPLAY_WINDOW = 1024;
export const MAX_REPLAY_WINDOW = 1_048_576;
/** Sequence numbers remembered below the highest, in 'duplicates' mode. */
export const DUPLICATE_WINDOW = 64;

export type ReplayPolicy = 'strict' | 'duplicates';

interface SenderState {
  highest: bigint;
  /** Bit i set: highest − i was accepted ('duplicates' mode only). */
  seen: bigint;
}

const WINDOW = BigInt(DUPLICATE_WINDOW);
const WINDOW_MASK = (1n << WINDOW) - 1n;

export class ReplayWindow {
  /** Only accept() refreshes a sender: a packet the filter drops does not keep its sender tracked. */
  readonly #senders: LruMap<string, SenderState>;
  readonly #policy: ReplayPolicy;

  constructor(capacity: number, policy: ReplayPolicy = 'strict') {
    this.#senders = new LruMap(capacity, policy === 'strict' ? 'evict-oldest' : 'refuse');
    this.#policy = policy;
  }

  get size(): number {
    return this.#senders.size;
  }

  get policy(): ReplayPolicy {
    return this.#policy;
  }

  /** True when the packet must be dropped: not newer ('strict'), or a duplicate ('duplicates'). */
  isReplay(senderKey: string, seq: bigint): boolean {
    const state = this.#senders.get(senderKey);
    if (state === undefined || seq > state.highest) return false;
    if (this.#policy === 'strict') return true;
    const behind = state.highest - seq;
    if (behind >= WINDOW) return false; // older than the window: resynchronise (see accept)
    return ((state.seen >> behind) & 1n) === 1n;
  }

  /** Records an accepted packet. Call only after the packet was fully verified. */
  accept(senderKey: string, seq: bigint): void {
    const state = this.#senders.get(senderKey);
    if (state === undefined) {
      this.#senders.set(senderKey, { highest: seq, seen: 1n });
      return;
    }
    this.#advance(state, seq);
    // 'strict' evicts the sender heard longest ago: refresh its place. ('duplicates' never evicts,
    // and re-inserting would make the Map rebuild its table every few thousand packets.)
    if (this.#policy === 'strict') this.#senders.set(senderKey, state);
  }

  #advance(state: SenderState, seq: bigint): void {
    if (this.#policy === 'strict') {
      state.highest = seq;
      state.seen = 1n;
    } else if (seq > state.highest) {
      const ahead = seq - state.highest;
      state.seen = ahead >= WINDOW ? 1n : ((state.seen << ahead) | 1n) & WINDOW_MASK;
      state.highest = seq;
    } else if (state.highest - seq >= WINDOW) {
      state.highest = seq;
      state.seen = 1n;
    } else {
      state.seen |= 1n << (state.highest - seq);
    }
  }
}

export function senderKey(id: bigint, address: string, nonce: bigint): string {
  return `${id}|${address}|${nonce}`;
}
