// SIGTERM/SIGINT handling of `multibully run`. The handlers stay installed for the process's
// life: with one-shot handlers a second signal during the resignation would fall back to the
// default action and kill the process before it printed `stopped` and exited 0.

export type TerminationSignal = 'SIGTERM' | 'SIGINT';
export const TERMINATION_SIGNALS: readonly TerminationSignal[] = ['SIGTERM', 'SIGINT'];

interface SignalSource {
  on(signal: TerminationSignal, listener: () => void): unknown;
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
