// The Participant's health: its checks and priority file (lib/health) decide the effective
// priority the core gets (setPriority) and whether a failed check of weight 0 puts it in fault.
// Both are told only when they change, so a check that keeps its state costs nothing.
import { checkInput, HealthCheck, HealthMonitor, PriorityFile, type CheckStatus, type HealthCheckOptions, type HealthInput } from '../health';
import type { Logger } from './logger';

export interface HealthOptions {
  readonly priority: number;
  readonly checks: readonly HealthCheck[];
  readonly priorityFile: string | undefined;
  readonly log: Logger;
  /** The effective priority changed. */
  readonly onPriority: (priority: number) => void;
  /** A check of weight 0 (or the priority file) fails now, saying why; undefined: none does. */
  readonly onFault: (detail: string | undefined) => void;
  /** Something changed: a check turned, or the priority (called after onPriority and onFault). */
  readonly onChange: () => void;
}

/** Checks made from the options, validated with their option paths ("checks[1].weight"). */
export function createChecks(checks: readonly HealthCheckOptions[] | undefined): HealthCheck[] {
  return (checks ?? []).map((options, i) => new HealthCheck(options, `checks[${i}]`));
}

export class ParticipantHealth {
  readonly #monitor: HealthMonitor;
  readonly #options: HealthOptions;
  #priority: number;
  #fault: string | undefined;

  constructor(options: HealthOptions) {
    this.#options = options;
    const inputs: HealthInput[] = options.checks.map(checkInput);
    if (options.priorityFile !== undefined) inputs.push(new PriorityFile(options.priorityFile));
    this.#monitor = new HealthMonitor(options.priority, inputs);
    this.#priority = this.#monitor.effectivePriority;
    this.#fault = this.#monitor.fault;
    this.#monitor.on('change', () => this.#changed());
  }

  /** Base + weights, clamped to 1..254: what the core ranks this node by. */
  get effectivePriority(): number {
    return this.#priority;
  }

  /** Why the node must be in fault now (a failed weight-0 check, or the priority file), if it must. */
  get fault(): string | undefined {
    return this.#fault;
  }

  get checks(): CheckStatus[] {
    return this.#monitor.statuses;
  }

  /** A new base priority (setPriority); the checks' weights still apply. */
  set base(priority: number) {
    this.#monitor.base = priority;
    this.#changed();
  }

  start(): void {
    this.#monitor.start();
  }

  stop(): void {
    this.#monitor.stop();
  }

  #changed(): void {
    const priority = this.#monitor.effectivePriority;
    const fault = this.#monitor.fault;
    if (priority !== this.#priority) {
      this.#options.log.info({ from: this.#priority, to: priority }, 'effective priority changed');
      this.#priority = priority;
      this.#options.onPriority(priority);
    }
    if (fault !== this.#fault) {
      this.#fault = fault;
      this.#options.onFault(fault);
    }
    this.#options.onChange();
  }
}

