// The higher nodes electing: those that told this node to wait in the round under way (forgotten
// if they never announce), and when one was last heard electing, so that a follower whose leader
// times out waits for a higher node's COORDINATOR instead of speaking. Packets can make up any
// number of higher instances, so the set is bounded: past MAX_WAITING_ON the one heard longest ago
// goes. Losing one only means it is not forgotten among the known nodes when the wait times out.
import { LruMap } from '../lru';
import { instanceKey, type RankedNode } from './priority';
import type { NodeIdentity } from './types';

/** Higher instances one round waits on, at most (a real cluster has a handful electing at once). */
export const MAX_WAITING_ON = 64;

export class HigherNodes {
  readonly #waitingOn = new LruMap<string, RankedNode>(MAX_WAITING_ON);
  #lastHeardAt = -Infinity;

  /** `node` is alive and electing at `now`: the round waits for its COORDINATOR. */
  heard(node: RankedNode, now: number): void {
    this.#lastHeardAt = now;
    this.expect(node);
  }

  /** The round waits for `node`'s COORDINATOR (a successor we named). */
  expect(node: RankedNode): void {
    this.#waitingOn.set(instanceKey(node), node);
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
