// The driver's one wake-up: armed for the core's next deadline after every step. It keeps the
// armed timer when the deadline did not move (most packets leave it as it was: a flood then
// allocates none). Ref'd on purpose: a running participant keeps the process alive. The step
// itself runs in setImmediate, after the loop has read the sockets: a timer that fires late (a
// busy loop, many participants in one process) then acts on what has arrived meanwhile, e.g. a
// higher node's ELECTION during our skew, instead of on a stale view.
import { performance } from 'node:perf_hooks';

export class DeadlineTimer {
  readonly #onDue: () => void;
  #timer: NodeJS.Timeout | undefined;
  /** The deadline the armed timer is for. */
  #deadline: number | undefined;
  /** A due timer's step, waiting for the loop's I/O phase to pass. */
  #step: NodeJS.Immediate | undefined;

  constructor(onDue: () => void) {
    this.#onDue = onDue;
  }

  /** Wakes at `deadline` (performance.now() time); undefined: not at all. */
  arm(deadline: number | undefined): void {
    if (deadline !== undefined && deadline === this.#deadline && this.#timer !== undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#deadline = deadline;
    if (deadline === undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#step ??= setImmediate(() => {
        this.#step = undefined;
        this.#onDue();
      });
    }, Math.ceil(Math.max(0, deadline - performance.now())));
  }

  clear(): void {
    clearTimeout(this.#timer);
    clearImmediate(this.#step);
    this.#timer = this.#step = this.#deadline = undefined;
  }
}
