// Preemption (preempt on): a node that outranks the sitting leader takes office from it in one
// round. With preemptDelayMs (keepalived's preempt_delay) it first follows the leader and takes
// over once it has outranked it that long (the 'preempt' timer); falling back below the leader
// before then cancels it, so a flapping priority never moves the office.
import type { ResolvedElectionOptions } from './options';
import type { Timers } from './timers';

export class Preemption {
  readonly #timers: Timers;
  readonly #preempt: boolean;
  /** Priorities change only in v1 (the Go format has none): only there can a follower come to outrank its leader. */
  readonly #reconsiders: boolean;
  readonly #delayMs: number;
  /** The round under way is the takeover the delay led to: the lower leader no longer holds it up. */
  #takingOver = false;

  constructor(timers: Timers, { preempt, preemptDelayMs, mode }: Pick<ResolvedElectionOptions, 'preempt' | 'preemptDelayMs' | 'mode'>) {
    this.#timers = timers;
    this.#preempt = preempt;
    this.#reconsiders = preempt && mode === 'v1';
    this.#delayMs = preemptDelayMs;
  }

  /** A lower leader heard (joining, or during a round): preempt it now rather than follow it first. */
  get now(): boolean {
    return this.#preempt && (this.#delayMs === 0 || this.#takingOver);
  }

  /**
   * Where we stand against the leader we follow changed (or, `due`, the delay ran out): true when
   * we must take over now.
   */
  reconsider(now: number, outranksLeader: boolean, due = false): boolean {
    if (!this.#reconsiders || !outranksLeader) {
      this.#timers.delete('preempt');
      return false;
    }
    if (due || this.#delayMs === 0) return true;
    if (this.#timers.has('preempt')) return false;
    this.#timers.set('preempt', now + this.#delayMs);
    return false;
  }

  /** A round begins; `takeover`: the one a preemption starts. */
  roundBegins(takeover: boolean): void {
    this.#takingOver = takeover;
  }
}
