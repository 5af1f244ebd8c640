// Runs the --on-leader / --on-follower / --on-fault / --on-stop commands and --notify like
// keepalived notify scripts: through /bin/sh -c, with the election state in the environment, one
// at a time, so a quick flap cannot make a late "follower" hook overtake an earlier "leader" one.
// --notify runs after the state's own command, as `CMD STATE`. A failing hook is logged and never
// stops the participant.
// Bounded and coalescing: at most one hook job (a state's commands) runs and at most one waits. A
// state that arrives while one waits replaces it, so when transitions outpace the hooks (a
// flapping network, forged traffic) only the latest state is hooked, and memory stays constant. A
// waiting job whose context (state, leader, term) is the one the last job already saw is skipped:
// hooks run per transition, and the state went back to what that job handled.
// Each hook's shell leads its own process group (spawned detached), so a timeout or the CLI's
// shutdown kills the hook with everything it started, not only the shell.
import type { ChildProcess } from 'node:child_process';
import { describeShellFailure, killGroup, runShell, type ShellResult } from '../shell';
import type { Logger } from '../participant/logger';

export type HookState = 'leader' | 'follower' | 'fault' | 'stopped';

export interface HookContext {
  readonly state: HookState;
  readonly id: string;
  readonly term: string;
  /** Empty when there is no leader (fault, stopped). */
  readonly leaderId: string;
  /** With the NIC as its zone when it is link-local IPv6 (fe80::1%eth0). */
  readonly leaderAddress: string;
  /** The leader's metadata as text (see output.ts's leaderFields); absent: none. */
  readonly leaderMetadata?: string | undefined;
  /** 'utf8' or 'base64': how leaderMetadata is written. */
  readonly leaderMetadataEncoding?: string | undefined;
  /** Why (fault: nic-down, nic-no-address, nic-gone, send-failing, check-failed; stopped: the signal). */
  readonly reason?: string;
  /** This node's effective priority (its base plus its checks' weights). */
  readonly priority?: string | undefined;
}

export interface HookCommands {
  readonly leader?: string | undefined;
  readonly follower?: string | undefined;
  readonly fault?: string | undefined;
  readonly stopped?: string | undefined;
  /** keepalived's `notify`: run as `CMD STATE` on every state above. */
  readonly notify?: string | undefined;
}

/** How a hook ended (lib/shell.ts's result). */
export type HookResult = ShellResult;

export function hookEnvironment(context: HookContext): Record<string, string> {
  return {
    MULTIBULLY_STATE: context.state,
    MULTIBULLY_ID: context.id,
    MULTIBULLY_TERM: context.term,
    MULTIBULLY_LEADER_ID: context.leaderId,
    MULTIBULLY_LEADER_ADDRESS: context.leaderAddress,
    // Always set (empty without metadata), so a hook never sees a value inherited from its parent.
    MULTIBULLY_LEADER_METADATA: context.leaderMetadata ?? '',
    MULTIBULLY_LEADER_METADATA_ENCODING: context.leaderMetadataEncoding ?? '',
    MULTIBULLY_PRIORITY: context.priority ?? '',
    ...(context.reason !== undefined && { MULTIBULLY_REASON: context.reason }),
  };
}

/**
 * Runs one command; resolves (never rejects) with how it ended. `args` become the shell's
 * positional parameters, appended to the command (`CMD "$@"`): --notify's state.
 */
export function runHook(command: string, context: HookContext, timeoutMs: number, onSpawn?: (child: ChildProcess) => void, args: readonly string[] = []): Promise<HookResult> {
  // The CLI's stdout carries JSON lines only: a hook's output goes to stderr.
  return runShell(command, { env: hookEnvironment(context), args, timeoutMs, stdio: ['ignore', 2, 2], ...(onSpawn && { onSpawn }) });
}

/** The hooks' name in log lines: "on-leader hook", "notify hook (leader)". */
function hookName(kind: 'state' | 'notify', state: HookState): string {
  return kind === 'notify' ? `notify hook (${state})` : `on-${state === 'stopped' ? 'stop' : state} hook`;
}

interface RunningHook {
  readonly child: ChildProcess;
  readonly name: string;
}

/** Runs at most one hook job at a time and keeps at most one waiting: see the file comment. */
export class HookRunner {
  readonly #running = new Set<RunningHook>();
  /** The context of the job running now (or last run), for skipping repeats. */
  #lastStarted: HookContext | undefined;
  #busy = false;
  /** The latest state not yet hooked; a newer notification replaces it. */
  #pending: HookContext | undefined;
  /** Notifications replaced while waiting since the last job started, for the debug log. */
  #coalesced = 0;
  #closed = false;
  /** One promise for every idle() caller of a busy period: O(1) whatever the notification rate. */
  #idle: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;

  constructor(
    private readonly commands: HookCommands,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Whether this state has anything to run (its own command or --notify). */
  hooks(state: HookState): boolean {
    return this.commands[state] !== undefined || this.commands.notify !== undefined;
  }

  /**
   * Hooks this state: at once when no job is running, else after the running one, unless a newer
   * state replaces it first. Resolves when the runner is idle again (this job, or the one that
   * replaced it, has finished). Never rejects.
   */
  notify(context: HookContext): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!this.#busy) {
      // Nothing queued: a state without a hook has nothing to do, and supersedes nothing.
      if (this.hooks(context.state)) this.#start(context);
    } else {
      // A newer state makes the waiting one stale, even when the newer one has no hook: only
      // the latest state is worth a hook once the running one is done.
      if (this.#pending !== undefined) this.#coalesced += 1;
      this.#pending = context;
    }
    return this.idle();
  }

  /**
   * The participant entered a state without hooks (candidate, waiting, stopped): a job still
   * waiting is for a state it has left, and is dropped. A running job is left to finish.
   */
  supersede(state: string): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    this.logger.debug({ hook: pending.state, term: pending.term, leaderId: pending.leaderId, coalesced: this.#coalesced, now: state }, `waiting ${hookName('state', pending.state)} dropped: the state is now ${state}`);
    this.#coalesced = 0;
  }

  /** Resolves once no job is running or waiting. */
  idle(): Promise<void> {
    if (!this.#busy) return Promise.resolve();
    if (this.#idle === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.#idle = { promise, resolve };
    }
    return this.#idle.promise;
  }

  /** Kills hooks still running (with their process groups) and drops the waiting one; later notifications are ignored. */
  killAll(): void {
    this.#close();
    for (const hook of this.#running) this.#kill(hook, 'SIGTERM', 'the CLI is stopping');
  }

  /**
   * At shutdown: drops the waiting job and ignores later notifications; a running hook gets
   * `graceMs` to finish, then its process group gets SIGTERM (with a log line), and SIGKILL
   * `killWaitMs` later if it is still there. Resolves once nothing runs (never rejects).
   */
  async shutdown(graceMs: number, killWaitMs = 200): Promise<void> {
    this.#close();
    if (!this.#busy) return;
    if (await this.#idleWithin(graceMs)) return;
    for (const hook of this.#running) this.#kill(hook, 'SIGTERM', `still running ${graceMs} ms after the stop signal`);
    if (await this.#idleWithin(killWaitMs)) return;
    for (const hook of this.#running) this.#kill(hook, 'SIGKILL', 'it ignored SIGTERM');
    await this.#idleWithin(killWaitMs);
  }

  /**
   * After shutdown(): runs the 'stopped' commands (--on-stop, then --notify stopped) once,
   * outside the queue, each bounded by the hook timeout and all by `deadlineMs`; a hook still
   * running at the deadline is killed with its process group. Resolves when they are done.
   */
  async runFinal(context: HookContext, deadlineMs: number): Promise<void> {
    const end = Date.now() + deadlineMs;
    for (const [kind, command] of this.#jobCommands(context.state)) {
      const left = end - Date.now();
      const name = hookName(kind, context.state);
      if (left <= 0) {
        this.logger.warn({ hook: context.state, command }, `${name} not run: the shutdown deadline has passed`);
        continue;
      }
      const budget = Math.min(this.timeoutMs, left);
      const result = await runHook(command, context, budget, (child) => this.#track(child, name), kind === 'notify' ? [context.state] : []);
      if (!result.ok) {
        const why = result.timedOut && budget < this.timeoutMs ? `was killed with its process group at the shutdown deadline (${deadlineMs} ms)` : describeShellFailure(result, budget);
        this.logger.error({ hook: context.state, command }, `${name} ${why}`);
      }
    }
  }

  #close(): void {
    this.#closed = true;
    if (this.#pending !== undefined) this.logger.debug({ hook: this.#pending.state, term: this.#pending.term }, 'stopping: a waiting hook is not run');
    this.#pending = undefined;
  }

  #kill(hook: RunningHook, signal: NodeJS.Signals, why: string): void {
    if (killGroup(hook.child, signal)) this.logger.warn({ pid: hook.child.pid, signal }, `killing the ${hook.name} and its process group with ${signal}: ${why}`);
  }

  #idleWithin(ms: number): Promise<boolean> {
    if (!this.#busy) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.idle().then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  #track(child: ChildProcess, name: string): void {
    const hook = { child, name };
    this.#running.add(hook);
    child.once('exit', () => this.#running.delete(hook));
    child.once('error', () => this.#running.delete(hook));
  }

  /** The commands of a state, in order: its own, then --notify. */
  #jobCommands(state: HookState): Array<['state' | 'notify', string]> {
    const jobs: Array<['state' | 'notify', string]> = [];
    const own = this.commands[state];
    if (own !== undefined) jobs.push(['state', own]);
    if (this.commands.notify !== undefined) jobs.push(['notify', this.commands.notify]);
    return jobs;
  }

  #start(context: HookContext): void {
    this.#busy = true;
    this.#lastStarted = context;
    void this.#runJob(context).then(() => this.#next());
  }

  async #runJob(context: HookContext): Promise<void> {
    for (const [kind, command] of this.#jobCommands(context.state)) {
      // Stopping: the rest of a job is not started (the stop hooks run on their own).
      if (this.#closed) break;
      const name = hookName(kind, context.state);
      const result = await runHook(command, context, this.timeoutMs, (child) => this.#track(child, name), kind === 'notify' ? [context.state] : []);
      if (!result.ok) this.logger.error({ hook: context.state, command }, `${name} ${describeShellFailure(result, this.timeoutMs)}`);
    }
  }

  /** After a job: start the waiting one if it is still worth running, else go idle. */
  #next(): void {
    const pending = this.#pending;
    const coalesced = this.#coalesced;
    this.#pending = undefined;
    this.#coalesced = 0;
    if (pending !== undefined && !this.#closed) {
      const summary = { hook: pending.state, term: pending.term, leaderId: pending.leaderId, coalesced };
      const name = hookName('state', pending.state);
      if (!this.hooks(pending.state)) {
        this.logger.debug(summary, `no ${name} for the latest state; ${coalesced} older waiting hook(s) dropped`);
      } else if (this.#lastStarted !== undefined && sameContext(pending, this.#lastStarted)) {
        // Per transition: the state is back to what the last job saw (same state, leader, term).
        this.logger.debug(summary, `skipped ${name}: same state, leader and term as the last hook run; ${coalesced} older waiting hook(s) dropped`);
      } else {
        if (coalesced > 0) this.logger.debug(summary, `running ${name} for the latest state; ${coalesced} older waiting hook(s) dropped`);
        this.#start(pending);
        return;
      }
    }
    this.#busy = false;
    const idle = this.#idle;
    this.#idle = undefined;
    idle?.resolve();
  }
}

function sameContext(a: HookContext, b: HookContext): boolean {
  return a.state === b.state && a.term === b.term && a.leaderId === b.leaderId && a.leaderAddress === b.leaderAddress && a.id === b.id && a.reason === b.reason &&
    a.leaderMetadata === b.leaderMetadata && a.leaderMetadataEncoding === b.leaderMetadataEncoding;
}

