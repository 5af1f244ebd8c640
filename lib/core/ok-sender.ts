// OK answers: one multicast OK answers every lower candidate, so OKs are coalesced to one per
// answer window (a later one is deferred to the window's end). In v1 an OK also waits
// rank × okWaitMs / (4 × maxSkewRank), the higher a node knows itself to be the sooner, at most a
// quarter of okWait so a lower candidate always hears it in time; and it is dropped if a higher
// node speaks meanwhile: that multicast already told every lower candidate to stand down. So a
// cold start of N nodes costs about one OK per ELECTION burst, not one per node above each sender.
import type { ResolvedElectionOptions } from './options';
import { sameInstance } from './priority';
import type { Timers } from './timers';
import type { NodeIdentity } from './types';

export interface OkSenderParts {
  readonly options: ResolvedElectionOptions;
  readonly answerWindowMs: number;
  readonly timers: Timers;
  /** How many known nodes outrank this one, capped at maxSkewRank. */
  readonly rank: () => number;
  /** Puts one OK out now. */
  readonly send: () => void;
}

export class OkSender {
  readonly #parts: OkSenderParts;
  readonly #go: boolean;
  #lastSentAt = -Infinity;
  /** The pending OK tells a joiner who is next in line: the leader's answer does not cancel it. */
  #nextInLine = false;

  constructor(parts: OkSenderParts) {
    this.#parts = parts;
    this.#go = parts.options.mode === 'go';
  }

  /**
   * Sends an OK now, or arms 'send-ok' for when it is due. `nextInLine`: a prober tells a joiner
   * it is next in line; not rank-delayed, and not suppressed by the leader's answer.
   */
  send(now: number, { nextInLine = false, delayMs = 0 }: { readonly nextInLine?: boolean; readonly delayMs?: number } = {}): void {
    const { timers, answerWindowMs } = this.#parts;
    if (nextInLine) this.#nextInLine = true;
    let earliest = Math.max(this.#lastSentAt + answerWindowMs, now + delayMs);
    if (!this.#go && !nextInLine) earliest = Math.max(earliest, now + this.#rankDelayMs());
    if (timers.has('send-ok')) {
      // Only a next-in-line OK brings a pending (rank-delayed) one forward.
      timers.setIfEarlier('send-ok', earliest);
      return;
    }
    if (now >= earliest) {
      this.fire(now);
    } else {
      timers.set('send-ok', earliest);
    }
  }

  /**
   * After a failover the followers only know the new leader and whoever they heard on the way:
   * many may think themselves next in line. Each says so once, at a random moment of the next
   * heartbeat; a higher one's OK cancels a lower one's, so about ln N are sent.
   */
  sayNextInLine(now: number): void {
    const { random, heartbeatMs } = this.#parts.options;
    this.send(now, { nextInLine: true, delayMs: random() * heartbeatMs });
  }

  /** The pending OK is due ('send-ok' fired). */
  fire(now: number): void {
    this.#lastSentAt = now;
    this.#nextInLine = false;
    this.#parts.send();
  }

  /**
   * A higher node `from` spoke after a lower ELECTION: every lower candidate heard it, a pending
   * OK adds nothing. True when one was dropped.
   */
  suppress(from: NodeIdentity, leader: NodeIdentity | undefined): boolean {
    if (this.#go || !this.#parts.timers.has('send-ok')) return false;
    // The leader's answer does not say who is next in line; a higher follower's OK already did.
    if (this.#nextInLine && leader && sameInstance(leader, from)) return false;
    this.cancel();
    return true;
  }

  /** Drops a pending OK. */
  cancel(): void {
    this.#nextInLine = false;
    this.#parts.timers.delete('send-ok');
  }

  #rankDelayMs(): number {
    const { okWaitMs, maxSkewRank } = this.#parts.options;
    return this.#parts.rank() * (okWaitMs / (4 * maxSkewRank));
  }
}
