// Signal handling of `multibully run`. The termination handlers stay installed for the process's
// life: with one-shot handlers a second signal during the resignation would fall back to the
// default action and kill the process before it printed `stopped` and exited 0.
// SIGHUP (the terminal or the session went away, or a supervisor's "reload") resigns and exits
// like SIGTERM: there is no configuration to reload, and dying with status 129 would leave the
// leadership (and a floating address) to time out instead of being handed over.
// SIGUSR1 prints a status line. Node would otherwise start its inspector on SIGUSR1 (a debugger
// port on a process that may hold CAP_NET_ADMIN); a listener replaces that.

export type TerminationSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';
const TERMINATION_SIGNALS: readonly TerminationSignal[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
}

/** Calls `shutdown` once, on the first signal; `onRepeat` hears every later one. */
export function onTerminationSignals(
  shutdown: (signal: TerminationSignal) => void,
  onRepeat: (signal: TerminationSignal) => void = () => {},
  source: SignalSource = process,
): void {
  let signalled = false;
  for (const signal of TERMINATION_SIGNALS) {
    source.on(signal, () => {
      if (signalled) return onRepeat(signal);
      signalled = true;
      shutdown(signal);
    });
  }
}

/** Calls `report` on every SIGUSR1. */
export function onStatusSignal(report: () => void, source: SignalSource = process): void {
  source.on('SIGUSR1', report);
}
