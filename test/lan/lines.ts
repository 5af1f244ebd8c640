// Line-by-line view of a spawned process's stdout, for tests that wait on fixture output.
import type { ChildProcess } from 'node:child_process';

export interface LineCollector {
  /** Every complete stdout line so far. */
  readonly lines: string[];
  /** Recent stderr text, for error messages. */
  stderr(): string;
  /** Resolves with the first line (past or future) matching; rejects on timeout or process exit. */
  waitFor(match: RegExp | string | ((line: string) => boolean), timeoutMs?: number): Promise<string>;
}

const STDERR_KEEP_CHARS = 4_000;

export function collectLines(child: ChildProcess): LineCollector {
  if (!child.stdout) throw new TypeError('collectLines: child has no stdout pipe');
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  let stderrText = '';
  let exited = false;
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    notify();
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrText = (stderrText + chunk).slice(-STDERR_KEEP_CHARS);
  });
  child.once('close', () => {
    exited = true;
    notify();
  });

  return {
    lines,
    stderr: () => stderrText,
    waitFor(match, timeoutMs = 10_000) {
      const test =
        typeof match === 'function' ? match : typeof match === 'string' ? (l: string) => l.includes(match) : (l: string) => match.test(l);
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find(test);
          if (found !== undefined) return finish(() => resolve(found));
          if (exited) finish(() => reject(new Error(`process exited before printing a line matching ${String(match)}; stderr: ${stderrText.trim()}`)));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`no line matching ${String(match)} within ${timeoutMs} ms; stderr: ${stderrText.trim()}`))),
          timeoutMs,
        );
        const finish = (settle: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
  };
}
