// The node's health, keepalived's track_script and track_file: its checks and an optional priority
// file decide its effective priority, base + the weights of its checks (a negative weight while the
// check is bad, a positive one while it is good) + the file's number, clamped to 1..254; and a bad
// check of weight 0 (or a priority file that cannot be read) puts the node in fault.
import { EventEmitter } from 'node:events';
import { MAX_PRIORITY, MIN_PRIORITY } from '../core/types';
import type { CheckStatus, HealthCheck } from './check';

/** Something that moves the priority or faults the node: a check or the priority file. */
export interface HealthInput {
  readonly name: string;
  readonly status: CheckStatus;
  /** What it adds to the priority now. */
  contribution(): number;
  /** Whether it puts the node in fault now, and why. */
  fault(): string | undefined;
  start(): void;
  stop(): void;
  on(event: 'change', listener: () => void): unknown;
}

export interface HealthMonitorEvents {
  /** A check or the priority file changed what it does (read priority and fault again). */
  change: [];
}

/** A check as a HealthInput: its weight while bad (negative) or good (positive); weight 0 faults while bad. */
export function checkInput(check: HealthCheck): HealthInput {
  return {
    name: check.name,
    get status() {
      return check.status;
    },
    contribution: () => (check.weight < 0 && check.state === 'bad') || (check.weight > 0 && check.state === 'good') ? check.weight : 0,
    fault: () => (check.weight === 0 && check.state === 'bad' ? `check ${check.name} failed (${check.status.lastError ?? 'initFail'})` : undefined),
    start: () => check.start(),
    stop: () => check.stop(),
    on: (event, listener) => check.on(event, listener),
  };
}

export class HealthMonitor extends EventEmitter<HealthMonitorEvents> {
  readonly #inputs: readonly HealthInput[];
  #base: number;

  constructor(base: number, inputs: readonly HealthInput[]) {
    super();
    this.#base = base;
    this.#inputs = inputs;
    for (const input of inputs) input.on('change', () => this.emit('change'));
  }

  get base(): number {
    return this.#base;
  }

  set base(priority: number) {
    this.#base = priority;
  }

  /** Base + contributions, clamped to MIN_PRIORITY..MAX_PRIORITY. */
  get effectivePriority(): number {
    const sum = this.#inputs.reduce((total, input) => total + input.contribution(), this.#base);
    return Math.min(MAX_PRIORITY, Math.max(MIN_PRIORITY, sum));
  }

  /** Why the node must be in fault now (the first input that says so), or undefined. */
  get fault(): string | undefined {
    for (const input of this.#inputs) {
      const why = input.fault();
      if (why !== undefined) return why;
    }
    return undefined;
  }

  get statuses(): CheckStatus[] {
    return this.#inputs.map((input) => input.status);
  }

  start(): void {
    for (const input of this.#inputs) input.start();
  }

  stop(): void {
    for (const input of this.#inputs) input.stop();
  }
}
