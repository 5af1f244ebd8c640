// A planned handover runs code a process has never run: the leader's stop, the RESIGN naming a
// successor, the successor taking office and encoding its first COORDINATOR. V8 runs such code
// slowly the first time (about a millisecond on each side, on a small VM: as long as the whole
// handover should take). So at start two throwaway cores rehearse it: they elect, the leader
// resigns, the successor takes over, and a throwaway codec encodes and decodes each message.
// Pure computation on a simulated clock: nothing is sent, nothing is kept, no state is shared
// with the real core or codec (a codec's sequence numbers are its own).
import { Election, seededRandom } from '../core';
import type { Message, NodeIdentity, Ready } from '../core/types';
import type { Codec } from '../wire';
import { createCodec } from './components';
import type { ResolvedOptions } from './options';

/**
 * One rehearsal leaves much of the path in V8's interpreter, still slow on its first real run (the
 * core's stop alone: 0.3 ms after one rehearsal, 0.05 ms after thirty). The rest run after start,
 * one per slice, so that neither start() nor a busy loop waits for them all.
 */
export const WARM_UP_REHEARSALS = 30;
const SLICE_GAP_MS = 5;

/**
 * Runs `count` rehearsals after start, one per unref'd timer slice (a warm-up never keeps the
 * process alive), until done or stopped. A failing rehearsal ends the warm-up: it is only speed.
 */
export class HandoverWarmUp {
  readonly #options: ResolvedOptions;
  readonly #onError: (error: unknown) => void;
  #left: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ResolvedOptions, onError: (error: unknown) => void, count = WARM_UP_REHEARSALS) {
    this.#options = options;
    this.#onError = onError;
    this.#left = options.wire === 'v1' ? count : 0;
  }

  /** Rehearsals still to run. */
  get left(): number {
    return this.#left;
  }

  start(): void {
    if (this.#left > 0 && this.#timer === undefined) this.#schedule();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => this.#slice(), SLICE_GAP_MS).unref();
  }

  #slice(): void {
    this.#timer = undefined;
    try {
      rehearseHandover(this.#options);
      this.#left--;
    } catch (error) {
      this.#left = 0;
      return this.#onError(error);
    }
    if (this.#left > 0) this.#schedule();
  }
}

/** Steps of the simulated LAN: far more than an election of two takes (a few dozen). */
const MAX_STEPS = 10_000;
const DELIVERY_MS = 0.2;

/**
 * Rehearses a handover between two throwaway cores with these options (v1 only: Go mode has no
 * RESIGN). True when the successor took office as named, as a real handover would.
 */
export function rehearseHandover(options: ResolvedOptions): boolean {
  if (options.wire !== 'v1') return false;
  const v6 = options.family === 6;
  const lower = rehearsalNode(1n, v6 ? '::1' : '127.0.0.1');
  const upper = rehearsalNode(2n, v6 ? '::2' : '127.0.0.2');
  const lan = new RehearsalLan(options, [lower, upper]);
  lan.startAll();
  lan.runUntil(() => lan.roleOf(1) === 'leader' && lan.roleOf(0) === 'follower');
  lan.act(1, (election, now) => election.stop(now));
  lan.runUntil(() => lan.roleOf(0) === 'leader');
  return lan.roleOf(0) === 'leader' && lan.tookOfficeAs(0) === 'named-successor';
}

function rehearsalNode(id: bigint, address: string): NodeIdentity {
  return { id, address, nonce: id };
}

/** Two cores and one codec per core on a lossless LAN with a fixed delay, driven by one clock. */
class RehearsalLan {
  readonly #elections: Election[];
  readonly #codecs: Codec[];
  readonly #queue: Array<{ readonly at: number; readonly to: number; readonly packet: Buffer }> = [];
  readonly #officeReasons: Array<string | undefined> = [];
  #now = 0;

  constructor(options: ResolvedOptions, nodes: readonly NodeIdentity[]) {
    this.#elections = nodes.map((self, i) => new Election({ ...options.election, self, random: seededRandom(i + 1) }));
    this.#codecs = nodes.map(() => createCodec(options));
  }

  /** Why core i last took office, if it did. */
  tookOfficeAs(i: number): string | undefined {
    return this.#officeReasons[i];
  }

  roleOf(i: number): string {
    return this.#elections[i]!.role;
  }

  startAll(): void {
    this.#elections.forEach((_, i) => this.act(i, (election, now) => election.start(now)));
  }

  act(i: number, run: (election: Election, now: number) => Ready): void {
    const { messages, events } = run(this.#elections[i]!, this.#now);
    for (const event of events) if (event.type === 'state' && event.to === 'leader') this.#officeReasons[i] = event.reason;
    for (const message of messages) this.#send(i, message);
  }

  /** Delivers packets and fires timers in time order until `done`, or gives up after MAX_STEPS. */
  runUntil(done: () => boolean): void {
    for (let step = 0; step < MAX_STEPS && !done(); step++) {
      const deadlines = this.#elections.map((e) => e.nextDeadline() ?? Infinity);
      const timerAt = Math.min(...deadlines);
      const delivery = this.#queue[0];
      if (delivery && delivery.at <= timerAt) {
        this.#queue.shift();
        this.#now = Math.max(this.#now, delivery.at);
        const decoded = this.#codecs[delivery.to]!.decode(delivery.packet);
        if (decoded.ok) this.act(delivery.to, (election, now) => election.receive(decoded.message, now));
      } else if (timerAt !== Infinity) {
        this.#now = Math.max(this.#now, timerAt);
        const i = deadlines.indexOf(timerAt);
        this.act(i, (election, now) => election.tick(now));
      } else {
        return;
      }
    }
  }

  /** Multicast: every core gets it (its own copy too, as the NIC loops it back). */
  #send(from: number, message: Message): void {
    const packet = this.#codecs[from]!.encode(message);
    this.#elections.forEach((_, to) => this.#queue.push({ at: this.#now + DELIVERY_MS, to, packet }));
  }
}
