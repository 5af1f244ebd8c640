// One health check, keepalived's vrrp_script: a probe run every intervalMs (killed, and a failure,
// after timeoutMs) that turns bad after `fall` failures in a row and good after `rise` successes in
// a row. Its weight says what it does to the node's priority (see health-monitor.ts).
import { EventEmitter } from 'node:events';
import { describeValue, rangeError, typeError } from '../errors';
import { checkOptionsObject } from '../validate';

/** Resolves (or returns) `false` for a failure; throws or rejects for a failure with a reason; anything else is a success. */
export type CheckProbe = (signal: AbortSignal) => unknown;

export interface HealthCheckOptions {
  /** Names the check in logs, fault details, status and metrics. */
  readonly name: string;
  readonly run: CheckProbe;
  /** Between two runs (from the start of one to the start of the next). Default 1000. */
  readonly intervalMs?: number | undefined;
  /** A run that takes longer is aborted and counts as a failure. Default intervalMs. */
  readonly timeoutMs?: number | undefined;
  /** Successes in a row that make a bad check good. Default 1. */
  readonly rise?: number | undefined;
  /** Failures in a row that make a good check bad. Default 1. */
  readonly fall?: number | undefined;
  /**
   * −253..253. 0 (default): while bad, the node is in fault (reason check-failed). Negative:
   * subtracted from the priority while bad. Positive: added while good.
   */
  readonly weight?: number | undefined;
  /** Start bad (keepalived's init_fail) rather than good. Default false. */
  readonly initFail?: boolean | undefined;
}

export type CheckState = 'good' | 'bad';

export interface CheckStatus {
  readonly name: string;
  readonly state: CheckState;
  readonly weight: number;
  /** Runs that succeeded, and that failed (timed out included), since the start. */
  readonly successes: number;
  readonly failures: number;
  /** Why the last failed run failed, if any run failed. */
  readonly lastError: string | undefined;
}

export interface HealthCheckEvents {
  /** The state turned (after rise successes or fall failures in a row). */
  change: [CheckStatus];
}

const KNOWN = new Set(['name', 'run', 'intervalMs', 'timeoutMs', 'rise', 'fall', 'weight', 'initFail']);
export const MAX_CHECK_WEIGHT = 253;

export class HealthCheck extends EventEmitter<HealthCheckEvents> {
  readonly name: string;
  readonly weight: number;
  readonly #run: CheckProbe;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #rise: number;
  readonly #fall: number;
  #state: CheckState;
  #inARow = 0;
  #successes = 0;
  #failures = 0;
  #lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: AbortController | undefined;
  #stopped = true;

  /** `path` names the check's options in errors ("checks[0]"). */
  constructor(options: HealthCheckOptions, path = 'check') {
    super();
    checkOptionsObject(options, { owner: path, known: KNOWN });
    if (typeof options.name !== 'string' || options.name === '') throw typeError('ERR_INVALID_ARG_TYPE', `${path}.name must be a non-empty string, got ${describeValue(options.name)}`);
    if (typeof options.run !== 'function') throw typeError('ERR_INVALID_ARG_TYPE', `${path}.run must be a function (signal) => boolean | Promise, got ${describeValue(options.run)}`);
    this.name = options.name;
    this.#run = options.run;
    this.#intervalMs = integerIn(options.intervalMs ?? 1000, `${path}.intervalMs`, 10, 86_400_000);
    this.#timeoutMs = integerIn(options.timeoutMs ?? this.#intervalMs, `${path}.timeoutMs`, 1, 86_400_000);
    this.#rise = integerIn(options.rise ?? 1, `${path}.rise`, 1, 1000);
    this.#fall = integerIn(options.fall ?? 1, `${path}.fall`, 1, 1000);
    this.weight = integerIn(options.weight ?? 0, `${path}.weight`, -MAX_CHECK_WEIGHT, MAX_CHECK_WEIGHT);
    const initFail = options.initFail ?? false;
    if (typeof initFail !== 'boolean') throw typeError('ERR_INVALID_ARG_TYPE', `${path}.initFail must be a boolean, got ${describeValue(initFail)}`);
    this.#state = initFail ? 'bad' : 'good';
  }

  get state(): CheckState {
    return this.#state;
  }

  get status(): CheckStatus {
    return { name: this.name, state: this.#state, weight: this.weight, successes: this.#successes, failures: this.#failures, lastError: this.#lastError };
  }

  /** Runs the probe now, then every intervalMs, until stop(). Its timers never keep the process alive. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops running; a run under way is aborted and its result ignored. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running?.abort();
    this.#running = undefined;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => void this.#runOnce(), delayMs);
    this.#timer.unref();
  }

  async #runOnce(): Promise<void> {
    const startedAt = performance.now();
    const controller = new AbortController();
    this.#running = controller;
    const failure = await probe(this.#run, controller, this.#timeoutMs);
    if (this.#running !== controller || this.#stopped) return; // stopped meanwhile
    this.#running = undefined;
    this.#record(failure);
    this.#schedule(Math.max(0, this.#intervalMs - (performance.now() - startedAt)));
  }

  #record(failure: string | undefined): void {
    const ok = failure === undefined;
    if (ok) this.#successes++;
    else {
      this.#failures++;
      this.#lastError = failure;
    }
    const towards: CheckState = ok ? 'good' : 'bad';
    if (towards === this.#state) {
      this.#inARow = 0;
      return;
    }
    this.#inARow++;
    if (this.#inARow < (ok ? this.#rise : this.#fall)) return;
    this.#inARow = 0;
    this.#state = towards;
    this.emit('change', this.status);
  }
}

/** One run: undefined for a success, else why it failed. Never throws. */
async function probe(run: CheckProbe, controller: AbortController, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(`timed out after ${timeoutMs} ms`);
    }, timeoutMs);
    timer.unref();
  });
  const outcome = (async (): Promise<string | undefined> => {
    try {
      return (await run(controller.signal)) === false ? 'reported failure' : undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  })();
  try {
    return await Promise.race([outcome, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function integerIn(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError('ERR_INVALID_ARG_TYPE', `${path} must be an integer in ${min}..${max}, got ${describeValue(value)}`);
  if (value < min || value > max) throw rangeError('ERR_OUT_OF_RANGE', `${path} must be an integer in ${min}..${max}, got ${value}`);
  return value;
}
