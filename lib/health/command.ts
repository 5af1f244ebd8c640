// A check that runs a shell command (the CLI's --check): exit status 0 is a success. The check's
// timeout aborts the run, which kills the command's whole process group.
import { describeShellFailure, runShell } from '../shell';
import type { CheckProbe } from './check';

/** A generous bound of its own, in case the check's signal never aborts it. */
const COMMAND_CEILING_MS = 86_400_000;

export function commandProbe(command: string): CheckProbe {
  return async (signal) => {
    const result = await runShell(command, { timeoutMs: COMMAND_CEILING_MS, signal, stdio: 'ignore' });
    if (!result.ok) throw new Error(`${JSON.stringify(command)} ${describeShellFailure(result, COMMAND_CEILING_MS)}`);
  };
}
