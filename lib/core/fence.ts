// Fencing (see "Why terms" in election.ts): the leader with the newest term this node accepted
// (followed, held, or outranked and preempted), and that term. A leader's COORDINATOR needs a
// newer term, or this term from this very instance. Go mode has no terms: nothing is stale and
// every leader is admitted.
import type { ElectionCounters } from './counters';
import { sameInstance } from './priority';
import { termNewer } from './term';
import type { NodeIdentity } from './types';

export class Fence {
  readonly #go: boolean;
  readonly #counters: ElectionCounters;
  #fenced: { readonly leader: NodeIdentity; readonly term: bigint } | undefined;

  /** `counters`: where the messages the fence makes the core ignore are counted. */
  constructor(go: boolean, counters: ElectionCounters) {
    this.#go = go;
    this.#counters = counters;
  }

  /** The fenced term; undefined until a leader was accepted. */
  get term(): bigint | undefined {
    return this.#fenced?.term;
  }

  /** `leader` holds office at `term`: we follow it, or lead ourselves. */
  set(leader: NodeIdentity, term: bigint): void {
    this.#fenced = { leader, term };
  }

  /** A leader we outrank and preempt: a newer term is fenced, so its later heartbeats cannot pull us back. */
  raise(leader: NodeIdentity, term: bigint): void {
    if (this.#go) return;
    if (!this.#fenced || termNewer(term, this.#fenced.term)) this.#fenced = { leader, term };
  }

  /** A term older than the fenced leader's: from before the current leader (or a replay of it). */
  isStale(term: bigint): boolean {
    return !this.#go && this.#fenced !== undefined && termNewer(this.#fenced.term, term);
  }

  /** A COORDINATOR from `from` at `term` that the fence refuses (counted as staleIgnored). */
  refuses(from: NodeIdentity, term: bigint): boolean {
    return this.#count('staleIgnored', !this.admits(from, term));
  }

  /** Our own leader's COORDINATOR with a term older than fenced: a replay (counted as staleIgnored). */
  refusesOwnLeader(term: bigint): boolean {
    return this.#count('staleIgnored', this.isStale(term));
  }

  /** ELECTION/OK of a higher node that has not heard our leader: it must not hold up a round (counted). */
  isStaleHigher(term: bigint): boolean {
    return this.#count('staleHigherIgnored', this.isStale(term));
  }

  /** A leader needs a term newer than the fenced one, or the fenced term from the fenced instance. */
  admits(from: NodeIdentity, term: bigint): boolean {
    if (this.#go || !this.#fenced) return true;
    if (sameInstance(this.#fenced.leader, from)) return !termNewer(this.#fenced.term, term);
    return termNewer(term, this.#fenced.term);
  }

  #count(counter: 'staleIgnored' | 'staleHigherIgnored', refused: boolean): boolean {
    if (refused) this.#counters[counter]++;
    return refused;
  }
}
