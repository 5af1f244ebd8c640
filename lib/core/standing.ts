// This node's own standing in the priority order: the priority it has (setPriority: its base plus
// its checks' weights, as the driver computes it), and a hold during which it may not lead
// (resign({ holdMs })). While held it advertises INELIGIBLE_PRIORITY: it then ranks below every
// other node, so it is never named successor, never answers OK and never claims office.
import { INELIGIBLE_PRIORITY } from './types';

export class Standing {
  #priority: number;
  #heldUntil = -Infinity;

  constructor(priority: number) {
    this.#priority = priority;
  }

  get priority(): number {
    return this.#priority;
  }

  set priority(priority: number) {
    this.#priority = priority;
  }

  /** May not lead before `until` (ms, the core's clock). */
  hold(until: number): void {
    this.#heldUntil = until;
  }

  get heldUntil(): number {
    return this.#heldUntil;
  }

  isHeld(now: number): boolean {
    return now < this.#heldUntil;
  }

  /** The priority this node's messages carry at `now`. */
  advertised(now: number): number {
    return this.isHeld(now) ? INELIGIBLE_PRIORITY : this.#priority;
  }
}
