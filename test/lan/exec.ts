// Running `ip`/`nft` commands with a timeout; every command the test LAN issues goes through here.
import { execFile } from 'node:child_process';
import { constants as osConstants } from 'node:os';

export const DEFAULT_EXEC_TIMEOUT_MS = 10_000;

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  /** Written to the command's stdin (e.g. an nft script for `nft -f -`). */
  input?: string;
}

/** Runs argv without a shell. Never rejects for a non-zero exit: the code is returned (124 on timeout, 128+n on signal). */
export function runCommand(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  if (argv.length === 0 || argv.some((a) => typeof a !== 'string')) {
    return Promise.reject(new TypeError(`runCommand: argv must be a non-empty array of strings, got ${JSON.stringify(argv)}`));
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  return new Promise((resolve) => {
    const child = execFile(
      argv[0]!,
      argv.slice(1),
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve({ code: 0, stdout, stderr });
        const e = error as NodeJS.ErrnoException & { code?: number | string; killed?: boolean; signal?: string };
        let code: number;
        if (e.killed) code = 124;
        else if (typeof e.code === 'number') code = e.code;
        else if (e.signal) code = 128 + signalNumber(e.signal);
        else code = 127; // spawn failure, e.g. ENOENT
        const note = e.killed ? `timed out after ${timeoutMs} ms` : typeof e.code === 'string' ? e.message : '';
        resolve({ code, stdout: stdout ?? '', stderr: note ? `${stderr ?? ''}${note}\n` : stderr ?? '' });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Like runCommand but rejects with the command line and its stderr when it fails. */
export async function runChecked(argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const result = await runCommand(argv, opts);
  if (result.code !== 0) {
    const detail = result.stderr.trim() || result.stdout.trim() || '(no output)';
    const err = new Error(`test LAN: \`${argv.join(' ')}\` exited ${result.code}: ${detail}`) as Error & {
      code: string;
      exitCode: number;
    };
    err.code = 'ERR_LAN_COMMAND';
    err.exitCode = result.code;
    throw err;
  }
  return result;
}

function signalNumber(signal: string): number {
  const n = osConstants.signals[signal as NodeJS.Signals];
  return typeof n === 'number' ? n : 0;
}
