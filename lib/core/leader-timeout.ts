// A follower's failure detector: the leader must be heard again within (misses + ½) heartbeats of
// when it was last heard (the 'leader-timeout' timer), or within 1½ once its host refused a probe.
import type { ResolvedElectionOptions } from './options';
import type { Timers } from './timers';

/** A follower whose leader spoke within this many heartbeats leaves a joiner to the leader. */
const FRESH_LEADER_HEARTBEATS = 1.5;
/**
 * A follower gives up after (misses + this) heartbeats: the margin absorbs a leader period that
 * runs slightly long, so misses − 1 lost heartbeats in a row never cause a failover and misses do.
 */
const DETECTION_MARGIN_HEARTBEATS = 0.5;

export class LeaderTimeout {
  readonly #timers: Timers;
  readonly #heartbeatMs: number;
  readonly #misses: number;
  #heardAt = -Infinity;

  constructor(timers: Timers, { heartbeatMs, misses }: Pick<ResolvedElectionOptions, 'heartbeatMs' | 'misses'>) {
    this.#timers = timers;
    this.#heartbeatMs = heartbeatMs;
    this.#misses = misses;
  }

  /** The leader followed was heard at `at`: the full detection bound runs from then. */
  heard(at: number): void {
    this.#heardAt = at;
    this.#timers.set('leader-timeout', at + (this.#misses + DETECTION_MARGIN_HEARTBEATS) * this.#heartbeatMs);
  }

  /** Its host refused a probe: it must be heard within one heartbeat (plus the margin) of when it last was. */
  shorten(): void {
    this.#timers.setIfEarlier('leader-timeout', this.#heardAt + (1 + DETECTION_MARGIN_HEARTBEATS) * this.#heartbeatMs);
  }

  /** The leader was heard recently enough at `now` to answer a joiner itself. */
  isFresh(now: number): boolean {
    return now - this.#heardAt <= FRESH_LEADER_HEARTBEATS * this.#heartbeatMs;
  }
}
