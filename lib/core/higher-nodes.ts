// The higher nodes electing: those that told this node to wait in the round under way (forgotten
// if they never announce), and when one was last heard electing, so that a follower whose leader
// times out waits for a higher node's COORDINATOR instead of speaking. Packets can make up any
// number of higher instances, so the set is bounded: past MAX_WAITING_ON a new one is not recorded
// (the round still waits, on lastHeardAt). Leaving one out only means it is not forgotten among the
// known nodes when the wait times out; and a full set stops changing, so a flood keeps nothing alive.
import { LruMap } from '../lru';
import { instanceKey, storedNode, type RankedNode } from './priority';
import type { NodeIdentity } from './types';

/** Higher instances one round waits on, at most (a real cluster has a handful electing at once). */
export const MAX_WAITING_ON = 64;

export class HigherNodes {
  readonly #waitingOn = new LruMap<string, RankedNode>(MAX_WAITING_ON, 'refuse');
  #lastHeardAt = -Infinity;

  /** `node` is alive and electing at `now`: the round waits for its COORDINATOR. */
  heard(node: RankedNode, now: number): void {
    this.#lastHeardAt = now;
    this.expect(node);
  }

  /** The round waits for `node`'s COORDINATOR (a successor we named). */
  expect(node: RankedNode): void {
    if (this.#waitingOn.size >= MAX_WAITING_ON) return; // full (see the file comment)
    const key = instanceKey(node);
    if (!this.#waitingOn.has(key)) this.#waitingOn.set(key, storedNode(node));
  }

  /** `node` resigned: true when we waited for it and now wait for nobody. */
  resigned(node: NodeIdentity): boolean {
    return this.#waitingOn.delete(instanceKey(node)) && this.#waitingOn.size === 0;
  }

  /** The nodes the round waited for. */
  waitedFor(): RankedNode[] {
    return [...this.#waitingOn].map(([, node]) => node);
  }

  /** A new round: nobody told us to wait yet. */
  clearRound(): void {
    this.#waitingOn.clear();
  }

  /** The round is settled: earlier activity must not make a later failure wait for it. */
  forgetActivity(): void {
    this.#lastHeardAt = -Infinity;
  }

  get lastHeardAt(): number {
    return this.#lastHeardAt;
  }
}
