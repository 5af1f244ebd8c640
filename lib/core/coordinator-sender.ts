// A leader's COORDINATORs: the heartbeat, every heartbeatMs, and the answers to ELECTIONs and to
// rival leaders, at once but at most one per answer window: a later answer brings the next
// heartbeat forward to the window's end, so one multicast answers all.
import type { Timers } from './timers';

export interface CoordinatorSenderParts {
  readonly timers: Timers;
  readonly heartbeatMs: number;
  readonly answerWindowMs: number;
  /** Puts one COORDINATOR out now. */
  readonly send: () => void;
}

export class CoordinatorSender {
  readonly #parts: CoordinatorSenderParts;
  #lastSentAt = -Infinity;

  constructor(parts: CoordinatorSenderParts) {
    this.#parts = parts;
  }

  /** Sends a COORDINATOR now; the next heartbeat is due a period later. */
  send(now: number): void {
    this.#lastSentAt = now;
    this.#parts.send();
    this.#parts.timers.set('heartbeat', now + this.#parts.heartbeatMs);
  }

  /** Answers now, or with the first COORDINATOR the answer window allows. */
  answer(now: number): void {
    const earliest = this.#lastSentAt + this.#parts.answerWindowMs;
    if (now >= earliest) {
      this.send(now);
    } else {
      this.#parts.timers.setIfEarlier('heartbeat', earliest);
    }
  }
}
