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
import { LruMap } from '../lru';

export const DEFAULT_REPLAY_WINDOW = 4096;
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
    this.#senders = new LruMap(capacity);
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
    this.#senders.set(senderKey, this.#next(this.#senders.get(senderKey), seq));
  }

  #next(state: SenderState | undefined, seq: bigint): SenderState {
    if (state === undefined || this.#policy === 'strict') return { highest: seq, seen: 1n };
    if (seq > state.highest) {
      const ahead = seq - state.highest;
      return { highest: seq, seen: ahead >= WINDOW ? 1n : ((state.seen << ahead) | 1n) & WINDOW_MASK };
    }
    const behind = state.highest - seq;
    if (behind >= WINDOW) return { highest: seq, seen: 1n };
    return { highest: state.highest, seen: state.seen | (1n << behind) };
  }
}

export function senderKey(id: bigint, address: string, nonce: bigint): string {
  return `${id}|${address}|${nonce}`;
}
