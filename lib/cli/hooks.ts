// Runs the --on-leader / --on-follower commands like keepalived notify scripts: through
// /bin/sh -c, with the election state in the environment, one at a time, so a quick flap cannot
// make a late "follower" hook overtake an earlier "leader" one. A failing hook is logged and
// never stops the participant.
// Bounded and coalescing: at most one hook runs and at most one waits. A state that arrives
// while one waits replaces it, so when transitions outpace the hooks (a flapping network, forged
// traffic) only the latest state is hooked, and memory stays constant. A waiting hook whose
// context (state, leader, term) is the one the last hook already saw is skipped: hooks run per
// transition, and the state went back to what that hook handled.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../participant/logger';

export interface HookContext {
  readonly state: 'leader' | 'follower';
  readonly id: string;
  readonly term: string;
  readonly leaderId: string;
  readonly leaderAddress: string;
}

export interface HookResult {
  readonly ok: boolean;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
  readonly timedOut: boolean;
}

export function hookEnvironment(context: HookContext): Record<string, string> {
  return {
    MULTIBULLY_STATE: context.state,
    MULTIBULLY_ID: context.id,
    MULTIBULLY_TERM: context.term,
    MULTIBULLY_LEADER_ID: context.leaderId,
    MULTIBULLY_LEADER_ADDRESS: context.leaderAddress,
  };
}

/** Runs one command; resolves (never rejects) with how it ended. */
export function runHook(command: string, context: HookContext, timeoutMs: number, onSpawn?: (child: ChildProcess) => void): Promise<HookResult> {
  return new Promise((resolve) => {
    let timedOut = false;
    let settled = false;
    const finish = (result: Omit<HookResult, 'timedOut'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, timedOut });
    };
    const child = spawn('/bin/sh', ['-c', command], {
      env: { ...process.env, ...hookEnvironment(context) },
      // The CLI's stdout carries JSON lines only: a hook's output goes to stderr.
      stdio: ['ignore', 2, 2],
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    onSpawn?.(child);
    child.once('error', (error) => finish({ ok: false, code: null, signal: null, error }));
    child.once('exit', (code, signal) => finish({ ok: code === 0 && !timedOut, code, signal }));
  });
}

/** Runs at most one hook at a time and keeps at most one waiting: see the file comment. */
export class HookRunner {
  readonly #running = new Set<ChildProcess>();
  /** The context of the hook running now (or last run), for skipping repeats. */
  #lastStarted: HookContext | undefined;
  #busy = false;
  /** The latest state not yet hooked; a newer notification replaces it. */
  #pending: HookContext | undefined;
  /** Notifications replaced while waiting since the last hook started, for the debug log. */
  #coalesced = 0;
  #closed = false;
  #idleWaiters: Array<() => void> = [];

  constructor(
    private readonly commands: { readonly leader?: string; readonly follower?: string },
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Hooks this state: at once when no hook is running, else after the running one, unless a newer
   * state replaces it first. Resolves when the runner is idle again (this hook, or the one that
   * replaced it, has finished). Never rejects.
   */
  notify(context: HookContext): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!this.#busy) {
      // Nothing queued: a state without a hook has nothing to do, and supersedes nothing.
      if (this.commands[context.state] !== undefined) this.#start(context);
    } else {
      // A newer state makes the waiting one stale, even when the newer one has no hook: only
      // the latest state is worth a hook once the running one is done.
      if (this.#pending !== undefined) this.#coalesced += 1;
      this.#pending = context;
    }
    return this.idle();
  }

  /**
   * The participant entered a state without hooks (candidate, waiting, fault, …): a hook still
   * waiting is for a state it has left, and is dropped. A running hook is left to finish.
   */
  supersede(state: string): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    this.logger.debug({ hook: pending.state, term: pending.term, leaderId: pending.leaderId, coalesced: this.#coalesced, now: state }, `waiting on-${pending.state} hook dropped: the state is now ${state}`);
    this.#coalesced = 0;
  }

  /** Resolves once no hook is running or waiting. */
  idle(): Promise<void> {
    if (!this.#busy) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Kills hooks still running and drops the waiting one; later notifications are ignored (at shutdown). */
  killAll(): void {
    this.#closed = true;
    if (this.#pending !== undefined) this.logger.debug({ hook: this.#pending.state, term: this.#pending.term }, 'stopping: a waiting hook is not run');
    this.#pending = undefined;
    for (const child of this.#running) child.kill('SIGTERM');
  }

  #start(context: HookContext): void {
    const command = this.commands[context.state]!;
    this.#busy = true;
    this.#lastStarted = context;
    void runHook(command, context, this.timeoutMs, (child) => {
      this.#running.add(child);
      child.once('exit', () => this.#running.delete(child));
    }).then((result) => {
      if (!result.ok) this.logger.error({ hook: context.state, command }, `on-${context.state} hook ${describeFailure(result, this.timeoutMs)}`);
      this.#next();
    });
  }

  /** After a hook: start the waiting one if it is still worth running, else go idle. */
  #next(): void {
    const pending = this.#pending;
    const coalesced = this.#coalesced;
    this.#pending = undefined;
    this.#coalesced = 0;
    if (pending !== undefined && !this.#closed) {
      const summary = { hook: pending.state, term: pending.term, leaderId: pending.leaderId, coalesced };
      if (this.commands[pending.state] === undefined) {
        this.logger.debug(summary, `no on-${pending.state} hook for the latest state; ${coalesced} older waiting hook(s) dropped`);
      } else if (this.#lastStarted !== undefined && sameContext(pending, this.#lastStarted)) {
        // Per transition: the state is back to what the last hook saw (same state, leader, term).
        this.logger.debug(summary, `skipped on-${pending.state} hook: same state, leader and term as the last hook run; ${coalesced} older waiting hook(s) dropped`);
      } else {
        if (coalesced > 0) this.logger.debug(summary, `running on-${pending.state} hook for the latest state; ${coalesced} older waiting hook(s) dropped`);
        this.#start(pending);
        return;
      }
    }
    this.#busy = false;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

function sameContext(a: HookContext, b: HookContext): boolean {
  return a.state === b.state && a.term === b.term && a.leaderId === b.leaderId && a.leaderAddress === b.leaderAddress && a.id === b.id;
}

function describeFailure(result: HookResult, timeoutMs: number): string {
  if (result.timedOut) return `timed out after ${timeoutMs} ms`;
  if (result.error) return `could not run: ${result.error.message}`;
  if (result.signal) return `killed by ${result.signal}`;
  return `exited with code ${result.code}`;
}
