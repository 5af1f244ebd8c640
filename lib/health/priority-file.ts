// keepalived's track_file: a file holding one integer (say -50, or 20) that is added to the
// priority, re-read whenever it changes (fs.watch on its directory, so that a file replaced by a
// rename is seen too, and a slow poll where watching does not work). A file that is missing,
// unreadable or not an integer is a bad input that puts the node in fault, with the reason, until
// it is right again: never a crash.
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { EventEmitter } from 'node:events';
import { basename, dirname } from 'node:path';
import type { CheckStatus } from './check';
import type { HealthInput } from './monitor';

const POLL_MS = 1_000;
/** What the file may add or take away: as much as a check's weight. */
const MAX_VALUE = 253;

export class PriorityFile extends EventEmitter<{ change: [] }> implements HealthInput {
  readonly name = 'priority-file';
  readonly path: string;
  #value: number | undefined;
  #problem: string | undefined = 'not read yet';
  #reads = 0;
  #badReads = 0;
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #pending: NodeJS.Immediate | undefined;

  constructor(path: string) {
    super();
    this.path = path;
    this.#read();
  }

  get status(): CheckStatus {
    return {
      name: this.name,
      state: this.#problem === undefined ? 'good' : 'bad',
      weight: this.#value ?? 0,
      successes: this.#reads,
      failures: this.#badReads,
      lastError: this.#problem,
    };
  }

  contribution(): number {
    return this.#problem === undefined ? this.#value ?? 0 : 0;
  }

  fault(): string | undefined {
    return this.#problem === undefined ? undefined : `priority file ${this.path}: ${this.#problem}`;
  }

  start(): void {
    if (this.#poll) return;
    this.#poll = setInterval(() => this.#schedule(), POLL_MS).unref();
    try {
      this.#watcher = watch(dirname(this.path), { persistent: false }, (_event, file) => {
        if (file === null || file === basename(this.path)) this.#schedule();
      });
      this.#watcher.on('error', () => this.#watcher?.close());
    } catch {
      // The directory cannot be watched (it does not exist yet, say): the poll still reads the file.
    }
    this.#schedule();
  }

  stop(): void {
    clearInterval(this.#poll);
    clearImmediate(this.#pending);
    this.#poll = this.#pending = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  /** Several notifications before the immediate runs collapse into one read. */
  #schedule(): void {
    this.#pending ??= setImmediate(() => {
      this.#pending = undefined;
      const before = `${this.#value}|${this.#problem}`;
      this.#read();
      if (`${this.#value}|${this.#problem}` !== before) this.emit('change');
    });
  }

  #read(): void {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      return this.#bad(`cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    const trimmed = text.trim();
    if (!/^[+-]?[0-9]+$/.test(trimmed) || Math.abs(Number(trimmed)) > MAX_VALUE) {
      return this.#bad(`${JSON.stringify(trimmed.slice(0, 40))} is not an integer in -${MAX_VALUE}..${MAX_VALUE}`);
    }
    this.#reads++;
    this.#value = Number(trimmed);
    this.#problem = undefined;
  }

  #bad(problem: string): void {
    this.#badReads++;
    this.#value = undefined;
    this.#problem = problem;
  }
}
