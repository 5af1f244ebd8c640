// The core's notion of now: whatever the caller passes with each input, checked, and never going
// backwards (an earlier reading counts as the last one). The core reads no clock of its own.
import { rangeError, typeError } from '../errors';

export class CoreClock {
  #now = -Infinity;

  get now(): number {
    return this.#now;
  }

  /** Validates a caller's `now` (milliseconds) and moves the clock to it if it is later. */
  advance(now: number): void {
    if (typeof now !== 'number') throw typeError('ERR_INVALID_ARG_TYPE', `now must be a number of milliseconds, got ${typeof now}`);
    if (!Number.isFinite(now)) throw rangeError('ERR_OUT_OF_RANGE', `now must be finite, got ${now}`);
    if (now > this.#now) this.#now = now;
  }
}
