// The higher nodes electing: those that told this node to wait in the round under way (forgotten
// if they never announce), and when one was last heard electing, so that a follower whose leader
// times out waits for a higher node's COORDINATOR instead of speaking.
import { instanceKey, type RankedNode } from './priority';
import type { NodeIdentity } from './types';

export class HigherNodes {
  readonly #waitingOn = new Map<string, RankedNode>();
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
  waitedFor(): IterableIterator<RankedNode> {
    return this.#waitingOn.values();
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
