// Runs one command through /bin/sh -c in a process group of its own, so that a timeout (or the
// caller) kills it with everything it started, not only the shell: the CLI's hooks and the
// command health checks.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

export interface ShellResult {
  readonly ok: boolean;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
  readonly timedOut: boolean;
}

export interface ShellOptions {
  /** Added to the process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** The shell's positional parameters, appended to the command as `CMD "$@"`. */
  readonly args?: readonly string[];
  /** Killed with its process group after this long (SIGKILL). */
  readonly timeoutMs: number;
  /** Default: no stdin, output to our stderr (the CLI's stdout carries JSON lines only). */
  readonly stdio?: StdioOptions;
  /** Aborting kills the process group at once (it then ends as not ok). */
  readonly signal?: AbortSignal;
  /** Sees the child as soon as it is spawned (to kill it at shutdown, say). */
  readonly onSpawn?: (child: ChildProcess) => void;
}

/** Signals a command's whole process group (its shell leads it); false when it is already gone. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    // ESRCH: the group is empty. Fall back to the shell alone (never negative: that is the group).
    return child.exitCode === null && child.signalCode === null ? child.kill(signal) : false;
  }
}

/** Runs `command`; resolves (never rejects) with how it ended. */
export function runShell(command: string, { env = {}, args = [], timeoutMs, stdio = ['ignore', 2, 2], signal, onSpawn }: ShellOptions): Promise<ShellResult> {
  return new Promise((resolve) => {
    let timedOut = false;
    let settled = false;
    const script = args.length > 0 ? `${command} "$@"` : command;
    const child = spawn('/bin/sh', ['-c', script, 'multibully', ...args], {
      env: { ...process.env, ...env },
      stdio,
      // Its own process group (and session): killed as a whole, and no terminal's ^C reaches it.
      detached: true,
    });
    const kill = (): void => {
      killGroup(child, 'SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    signal?.addEventListener('abort', kill, { once: true });
    const finish = (result: Omit<ShellResult, 'timedOut'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      resolve({ ...result, timedOut });
    };
    onSpawn?.(child);
    child.once('error', (error) => finish({ ok: false, code: null, signal: null, error }));
    child.once('exit', (code, exitSignal) => finish({ ok: code === 0 && !timedOut && signal?.aborted !== true, code, signal: exitSignal }));
  });
}

/** How a command that did not succeed ended, for a log line or a check's last error. */
export function describeShellFailure(result: ShellResult, timeoutMs: number): string {
  if (result.timedOut) return `timed out after ${timeoutMs} ms (killed with its process group)`;
  if (result.error) return `could not run: ${result.error.message}`;
  if (result.signal) return `killed by ${result.signal}`;
  return `exited with code ${result.code}`;
}
