// A follower's challenger: a leader with a newer term than ours, heard while our leader is fresh
// and outranks it. A live leader hears the newer term and answers above it at once; if ours does
// not within a heartbeat (the 'challenger' timer), it is gone, or its traffic is being replayed,
// and the challenger's term wins.
import { sameInstance } from './priority';
import { termNewer } from './term';
import type { Timers } from './timers';
import type { NodeIdentity } from './types';

export interface Challenge {
  readonly leader: NodeIdentity;
  readonly term: bigint;
  readonly metadata: Uint8Array | undefined;
  readonly heardAt: number;
}

export class PendingChallenger {
  readonly #timers: Timers;
  readonly #heartbeatMs: number;
  #current: Challenge | undefined;

  constructor(timers: Timers, heartbeatMs: number) {
    this.#timers = timers;
    this.#heartbeatMs = heartbeatMs;
  }

  get current(): Challenge | undefined {
    return this.#current;
  }

  /** A newer-term leader heard at `now`. A pending challenger yields to a newer term; its own COORDINATOR refreshes it. */
  note(leader: NodeIdentity, term: bigint, metadata: Uint8Array | undefined, now: number): void {
    const pending = this.#current;
    if (pending && !termNewer(term, pending.term) && !sameInstance(pending.leader, leader)) return;
    this.#current = { leader, term, metadata, heardAt: now };
    // One heartbeat for our leader to answer above the challenger's term (it answers at once).
    if (!pending) this.#timers.set('challenger', now + this.#heartbeatMs);
  }

  /** Our leader answered it, it left, or we follow another leader: no challenger, no timer. */
  drop(): void {
    this.#current = undefined;
    this.#timers.delete('challenger');
  }

  /** The 'challenger' timer fired: the challenger, if any, to adopt now. */
  take(): Challenge | undefined {
    const challenge = this.#current;
    this.#current = undefined;
    return challenge;
  }
}
