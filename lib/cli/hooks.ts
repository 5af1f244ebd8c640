// Runs the --on-leader / --on-follower commands like keepalived notify scripts: through
// /bin/sh -c, with the election state in the environment, one at a time and in order, so a
// quick flap cannot make a late "follower" hook overtake an earlier "leader" one. A failing
// hook is logged and never stops the participant.
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

/** Serialises hook runs and logs failures. */
export class HookRunner {
  #queue: Promise<void> = Promise.resolve();
  readonly #running = new Set<ChildProcess>();

  constructor(
    private readonly commands: { readonly leader?: string; readonly follower?: string },
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Queues the hook for this state, if one is configured. Returns when it has finished. */
  notify(context: HookContext): Promise<void> {
    const command = this.commands[context.state];
    if (command === undefined) return Promise.resolve();
    this.#queue = this.#queue.then(async () => {
      const result = await runHook(command, context, this.timeoutMs, (child) => {
        this.#running.add(child);
        child.once('exit', () => this.#running.delete(child));
      });
      if (!result.ok) {
        const why = result.timedOut
          ? `timed out after ${this.timeoutMs} ms`
          : result.error
            ? `could not run: ${result.error.message}`
            : result.signal
              ? `killed by ${result.signal}`
              : `exited with code ${result.code}`;
        this.logger.error({ hook: context.state, command }, `on-${context.state} hook ${why}`);
      }
    });
    return this.#queue;
  }

  /** Kills hooks still running (at shutdown). */
  killAll(): void {
    for (const child of this.#running) child.kill('SIGTERM');
  }
}
