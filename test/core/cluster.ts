// A few election cores on a lossless LAN with a fixed delay, driven by one clock: enough to check
// priority rules end to end (who leads, how many rounds, what each node saw) without the full
// simulator, whose invariants order nodes by id only.
import { Election, seededRandom, type ElectionOptions } from '../../lib/core';
import type { CoreEvent, Message, Ready } from '../../lib/core/types';
import { node } from './harness';

export interface Member {
  readonly election: Election;
  alive: boolean;
  readonly events: CoreEvent[];
}

interface Delivery {
  readonly at: number;
  readonly to: number;
  readonly message: Message;
}

export class Cluster {
  readonly members: Member[];
  readonly sent: Message[] = [];
  now = 0;
  readonly #deliveries: Delivery[] = [];
  readonly #delayMs: number;

  /** One member per entry: its id and its options (priority, preempt, …). */
  constructor(specs: ReadonlyArray<{ id: number } & Omit<ElectionOptions, 'self'>>, { delayMs = 0.2 } = {}) {
    this.#delayMs = delayMs;
    this.members = specs.map(({ id, ...options }) => ({
      election: new Election({ random: seededRandom(id), ...options, self: node(id) }),
      alive: true,
      events: [],
    }));
  }

  startAll(): void {
    this.members.forEach((_, i) => this.start(i));
  }

  start(i: number): void {
    this.#apply(i, this.members[i]!.election.start(this.now));
  }

  /** Runs an action on member i at the current time and sends what it produced. */
  act(i: number, run: (election: Election, now: number) => Ready): void {
    this.#apply(i, run(this.members[i]!.election, this.now));
  }

  kill(i: number): void {
    this.members[i]!.alive = false;
  }

  /** Advances the clock to `until`, delivering messages and firing timers in time order. */
  runUntil(until: number): void {
    for (let steps = 0; steps < 100_000; steps++) {
      const nextDelivery = this.#deliveries.reduce<Delivery | undefined>((a, d) => (a === undefined || d.at < a.at ? d : a), undefined);
      let nextTimer: { at: number; i: number } | undefined;
      this.members.forEach((m, i) => {
        const at = m.alive ? m.election.nextDeadline() : undefined;
        if (at !== undefined && (nextTimer === undefined || at < nextTimer.at)) nextTimer = { at, i };
      });
      const at = Math.min(nextDelivery?.at ?? Infinity, nextTimer?.at ?? Infinity);
      if (at > until) break;
      this.now = Math.max(this.now, at);
      if (nextDelivery !== undefined && nextDelivery.at === at) {
        this.#deliveries.splice(this.#deliveries.indexOf(nextDelivery), 1);
        const member = this.members[nextDelivery.to]!;
        if (member.alive) this.#apply(nextDelivery.to, member.election.receive(nextDelivery.message, this.now));
      } else if (nextTimer !== undefined) {
        this.#apply(nextTimer.i, this.members[nextTimer.i]!.election.tick(this.now));
      }
    }
    this.now = Math.max(this.now, until);
  }

  /** The members that lead now, by index. */
  leaders(): number[] {
    return this.members.flatMap((m, i) => (m.alive && m.election.role === 'leader' ? [i] : []));
  }

  /** Everyone alive follows member i (or is it). */
  agreeOn(i: number): boolean {
    const id = this.members[i]!.election.leader?.id;
    return this.members.every((m) => !m.alive || m.election.leader?.id === id) && this.members[i]!.election.role === 'leader';
  }

  /** Messages of a type sent since `since` (an index into `sent`). */
  count(type: Message['type'], since = 0): number {
    return this.sent.slice(since).filter((m) => m.type === type).length;
  }

  #apply(from: number, ready: Ready): void {
    this.members[from]!.events.push(...ready.events);
    for (const message of ready.messages) {
      this.sent.push(message);
      this.members.forEach((_, to) => {
        if (to !== from) this.#deliveries.push({ at: this.now + this.#delayMs, to, message });
      });
    }
  }
}
