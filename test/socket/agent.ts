// Drives test/fixtures/socket-agent.cjs running inside a namespace host.
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Host } from '../lan';
import type { NetworkInterfaceInfo } from '../../lib/socket';
import { sleep, waitUntil } from './helpers';

export interface AgentDatagram {
  socket: string;
  data: string;
  address: string;
  port: number;
  interfaceIndex: number;
  destination: string;
  hopLimit: number;
}

interface Reply {
  seq?: number;
  ok?: boolean;
  result?: unknown;
  error?: { code?: string; errno?: number; syscall?: string; message: string };
  event?: string;
}

const AGENT = path.join(__dirname, '..', 'fixtures', 'socket-agent.cjs');

export class Agent {
  readonly received: AgentDatagram[] = [];
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (reply: Reply) => void>();
  #seq = 0;
  #ready = false;
  #stderr = '';

  constructor(readonly host: Host) {
    this.#child = host.spawnNode(AGENT);
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-2_000);
    });
    readline.createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      const reply = JSON.parse(line) as Reply & AgentDatagram;
      if (reply.event === 'ready') this.#ready = true;
      else if (reply.event === 'message') this.received.push(reply);
      else if (reply.seq !== undefined) this.#pending.get(reply.seq)?.(reply);
    });
  }

  async start(): Promise<this> {
    await waitUntil(() => this.#ready, 10_000, `agent on ${this.host.name} (${this.#stderr})`);
    return this;
  }

  /** Runs one op; rejects with the agent's error (code kept) on failure. */
  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const seq = ++this.#seq;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(seq);
        reject(new Error(`agent ${this.host.name}: ${op} timed out (${this.#stderr})`));
      }, 10_000);
      this.#pending.set(seq, (reply) => {
        clearTimeout(timer);
        this.#pending.delete(seq);
        if (reply.ok) resolve(reply.result as T);
        else reject(Object.assign(new Error(reply.error?.message ?? 'agent error'), reply.error));
      });
      this.#child.stdin!.write(JSON.stringify({ seq, op, ...args }) + '\n');
    });
  }

  async interfaceIndex(name: string): Promise<number> {
    const interfaces = await this.call<NetworkInterfaceInfo[]>('interfaces');
    const found = interfaces.find((i) => i.name === name);
    if (!found) throw new Error(`${this.host.name} has no ${name}`);
    return found.index;
  }

  /** Opens socket `id` bound to port and joined to group on each of `ifaces`. */
  async listen(id: string, family: 4 | 6, group: string, port: number, ifaces: string[]): Promise<void> {
    await this.call('open', { id, family, port });
    for (const iface of ifaces) await this.call('join', { id, group, iface });
  }

  /** Opens socket `id` sending out of `iface` (bound to an ephemeral port). */
  async sender(id: string, family: 4 | 6, iface: string): Promise<void> {
    await this.call('open', { id, family, port: 0 });
    await this.call('multicastInterface', { id, iface });
  }

  of(socket: string): AgentDatagram[] {
    return this.received.filter((d) => d.socket === socket);
  }

  async waitFor(socket: string, predicate: (d: AgentDatagram) => boolean, what: string): Promise<AgentDatagram> {
    await waitUntil(() => this.of(socket).some(predicate), 5_000, `${what} on ${this.host.name}/${socket}`);
    return this.of(socket).find(predicate)!;
  }
}

/** Time to let stray datagrams arrive before asserting that none did. */
export async function settle(): Promise<void> {
  await sleep(250);
}
