// The election's timers: one absolute deadline (ms) per name, no clock. The driver asks for the
// earliest deadline and calls Election.tick() then; the core takes the due timers one by one.
export type TimerName =
  | 'send-election' // candidate: skew (or listen, or Go gap) is over, send ELECTION
  | 'ok-wait' // candidate: nobody higher answered, become leader
  | 'coordinator-wait' // waiting: the higher node never announced, restart
  | 'heartbeat' // leader: send COORDINATOR
  | 'leader-timeout' // follower: the leader went silent
  | 'challenger' // follower: a newer-term leader was not out-termed by ours in time
  | 'send-ok' // a coalesced OK is due
  | 'preempt' // follower: it has outranked its leader for preemptDelayMs, take over
  | 'hold-end'; // the hold after resign({ holdMs }) is over: eligible again

/** Upper bound on timer firings per tick (each firing re-arms relative to now). */
const MAX_FIRINGS_PER_TICK = 64;

export class Timers {
  // Map order is the order of arming (re-arming an armed timer keeps its place): of two timers due
  // at the same time, the one armed first fires first.
  readonly #deadlines = new Map<TimerName, number>();

  get(name: TimerName): number | undefined {
    return this.#deadlines.get(name);
  }

  has(name: TimerName): boolean {
    return this.#deadlines.has(name);
  }

  set(name: TimerName, at: number): void {
    this.#deadlines.set(name, at);
  }

  /** Arms `name` at `at` unless it is armed sooner already. */
  setIfEarlier(name: TimerName, at: number): void {
    const current = this.#deadlines.get(name);
    if (current === undefined || at < current) this.#deadlines.set(name, at);
  }

  delete(name: TimerName): void {
    this.#deadlines.delete(name);
  }

  clear(): void {
    this.#deadlines.clear();
  }

  /** A role change: every timer of the old role goes; a coalesced OK still goes out, and a hold still ends. */
  clearRoleTimers(): void {
    for (const name of this.#deadlines.keys()) if (name !== 'send-ok' && name !== 'hold-end') this.#deadlines.delete(name);
  }

  /** The earliest deadline, if any timer is armed. */
  earliest(): number | undefined {
    let earliest: number | undefined;
    for (const at of this.#deadlines.values()) if (earliest === undefined || at < earliest) earliest = at;
    return earliest;
  }

  /**
   * The timers due at or before `now`, earliest first, each removed as it is taken. Lazily: what
   * one firing arms (relative to now) can be due in the same tick, up to MAX_FIRINGS_PER_TICK.
   */
  *takeDue(now: number): Generator<TimerName, void, undefined> {
    for (let i = 0; i < MAX_FIRINGS_PER_TICK; i++) {
      const due = this.#due(now);
      if (!due) return;
      this.#deadlines.delete(due);
      yield due;
    }
  }

  #due(now: number): TimerName | undefined {
    let due: TimerName | undefined;
    let dueAt = Infinity;
    for (const [name, at] of this.#deadlines) {
      if (at <= now && at < dueAt) {
        due = name;
        dueAt = at;
      }
    }
    return due;
  }
}
