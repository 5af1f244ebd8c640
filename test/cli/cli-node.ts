// Test helper: a `multibully` CLI process (inside a namespace host or on this host) whose
// JSON lines are parsed as they arrive.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Host } from '../lan';

export const CLI_PATH = resolve(__dirname, '../../dist/cli/main.js');

export interface CliEvent {
  readonly time: number;
  readonly event: string;
  readonly id: string;
  /** Decimal text, like the ids. */
  readonly term: string;
  readonly leader: { readonly id: string; readonly address: string; readonly metadata?: string; readonly metadataEncoding?: string } | null;
}

type Predicate = (event: CliEvent) => boolean;

export class CliNode {
  readonly events: CliEvent[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stderr = '';
  #partial = '';
  #exitedFlag = false;
  readonly #waiters = new Set<() => void>();

  constructor(readonly name: string, readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) this.events.push(JSON.parse(line) as CliEvent);
      this.#notify();
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-8_000);
    });
    this.exited = new Promise((done) => {
      child.once('exit', (code, signal) => {
        this.#exitedFlag = true;
        this.#notify();
        done({ code, signal });
      });
    });
  }

  static onHost(host: Host, args: string[], name = host.name): CliNode {
    assertBuilt();
    return new CliNode(name, host.spawnNode(CLI_PATH, args));
  }

  static local(args: string[], name = 'local', env: Record<string, string> = {}): CliNode {
    assertBuilt();
    return new CliNode(name, spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The leader this node currently reports (own id when leading), or undefined. */
  get leaderId(): string | undefined {
    const last = this.lastTransition();
    if (!last) return undefined;
    if (last.event === 'leader') return last.id;
    if (last.event === 'follower') return last.leader?.id;
    return undefined;
  }

  lastTransition(): CliEvent | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.event !== 'conflict') return e;
    }
    return undefined;
  }

  /** Resolves with the first event (past or future) that matches. */
  waitFor(match: Predicate, timeoutMs: number, what = 'a matching event'): Promise<CliEvent> {
    return new Promise((resolvePromise, reject) => {
      const check = (): void => {
        const found = this.events.find(match);
        if (found) return finish(() => resolvePromise(found));
        if (this.#exitedFlag) finish(() => reject(new Error(`${this.name} exited before ${what}; stderr: ${this.#stderr.trim()}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms; events: ${JSON.stringify(this.events.slice(-5))}; stderr: ${this.#stderr.trim()}`))), timeoutMs);
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      this.#waiters.add(check);
      check();
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (!this.#exitedFlag) this.child.kill(signal);
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

function assertBuilt(): void {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run \`npm run build:ts\` first (npm test does it)`);
}

/** Polls until every node reports `leaderId` as its leader; resolves with the wall time it happened. */
export async function waitForAgreement(nodes: readonly CliNode[], leaderId: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (nodes.every((node) => node.leaderId === leaderId)) {
      // The moment of agreement: the latest of the transitions that produced it.
      return Math.max(...nodes.map((node) => node.lastTransition()!.time));
    }
    await sleep(10);
  }
  const seen = nodes.map((node) => `${node.name}→${node.leaderId ?? node.lastTransition()?.event ?? 'nothing'}`).join(', ');
  throw new Error(`no agreement on leader ${leaderId} within ${timeoutMs} ms (${seen}); stderr: ${nodes.map((n) => n.stderr.trim()).filter(Boolean).join(' | ')}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** A port per test, so processes of one test never hear those of another. */
export function testPort(): number {
  return 20_000 + Math.floor(Math.random() * 40_000);
}
