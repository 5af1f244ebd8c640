// No ghosts: `npx multibully …` runs the CLI under `npm exec` → `sh -c` → node. SIGTERM to npx
// reaches npx and its shell, never the CLI, which used to stay behind as a leader nobody
// supervises (the same with systemd's ExecStart=npx). The CLI therefore watches its parent: when
// the parent process exits, the CLI is re-parented (to init or a subreaper), its parent pid
// changes, and the CLI resigns and exits as on SIGTERM.
//
// Why polling process.ppid (every 500 ms, on an unref'd timer) rather than
// prctl(PR_SET_PDEATHSIG): the death signal fires when the parent *thread* that forked us
// exits, so a supervisor that spawns from a worker thread (a Python thread, a Go goroutine's
// thread) kills the CLI while it is still running; it needs an addon function and exists only on
// Linux (the package also runs on macOS and FreeBSD); and a parent that dies before the prctl
// call goes unnoticed. Polling is portable, needs no native code, catches every re-parenting,
// and costs one getppid() every 500 ms. The price is up to 500 ms of latency, well inside the
// 900 ms a resignation takes anyway.

export interface ParentWatchOptions {
  readonly intervalMs?: number;
  /** The current parent pid (default: process.ppid, read afresh each time). */
  readonly ppid?: () => number;
}

export interface ParentWatch {
  /** The parent pid being watched. */
  readonly parent: number;
  stop(): void;
}

/** Calls `onExit` once, when the parent pid changes (the parent exited). The timer never keeps the process alive. */
export function watchParent(onExit: (parent: number, now: number) => void, options: ParentWatchOptions = {}): ParentWatch {
  const ppid = options.ppid ?? (() => process.ppid);
  const parent = ppid();
  const timer = setInterval(() => {
    const now = ppid();
    if (now === parent) return;
    clearInterval(timer);
    onExit(parent, now);
  }, options.intervalMs ?? 500);
  timer.unref();
  return { parent, stop: () => clearInterval(timer) };
}
