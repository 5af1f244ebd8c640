// One host of a test LAN: a network namespace with eth0 (LAN A) and maybe eth1 (LAN B).
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { runChecked, runCommand, type ExecResult } from './exec';
import { checkPercent, duplicateScript, lossScript, multicastDropCount, multicastDropScript, NO_MULTICAST_TABLE } from './faults';
import { switchNetns, switchPort, type Dev } from './names';

export interface HostNic<Name extends Dev> {
  readonly name: Name;
  readonly ipv4: string;
  readonly ipv6?: string;
}

export interface Host {
  readonly name: string;
  readonly netns: string;
  readonly index: number;
  readonly eth0: HostNic<'eth0'>;
  readonly eth1?: HostNic<'eth1'>;
  /** Runs argv inside the namespace; resolves with the exit code (never rejects for non-zero). */
  exec(argv: string[], opts?: { timeoutMs?: number }): Promise<ExecResult>;
  /** `ip netns exec <ns> <node> script ...args`; tracked, killed by Lan.destroy(). */
  spawnNode(script: string, args?: string[], opts?: { env?: Record<string, string> }): ChildProcess;
  spawn(cmd: string, args: string[], opts?: { env?: Record<string, string> }): ChildProcess;
  linkDown(dev?: Dev): Promise<void>;
  linkUp(dev?: Dev): Promise<void>;
  /** Drops percent% of UDP sent and received on dev (nft numgen random). 0 removes it. */
  setLoss(percent: number, dev?: Dev): Promise<void>;
  /** Sends an extra copy of percent% of the UDP frames sent on dev (nft netdev egress `dup to`). */
  setDuplicate(percent: number, dev?: Dev): Promise<void>;
  /** Needs tc netem; throws an Error with code 'ERR_LAN_UNSUPPORTED' when the kernel lacks it. */
  setDelay(ms: number, dev?: Dev): Promise<void>;
  /** Removes loss, duplication and delay on dev (default eth0); not the multicast drop. */
  clearFaults(dev?: Dev): Promise<void>;
  /**
   * Drops every IPv4 and IPv6 multicast datagram (ICMPv6 excepted: neighbour discovery) that
   * arrives on dev (nft `table inet mbnomcast`, input hook), its own looped-back sends included;
   * sending still succeeds, as on a network that carries no multicast. false removes it. Unicast is untouched.
   */
  setMulticastDrop(on: boolean, dev?: Dev): Promise<void>;
  /** Datagrams the multicast drop has dropped so far on this host (all its devices). */
  multicastDropped(): Promise<number>;
  /** Removes the NIC's addresses (IPv4, and IPv6 when it has one); the link stays up. */
  addrDel(dev?: Dev): Promise<void>;
  /** Puts the NIC's addresses back (after addrDel) and restores the multicast route. */
  addrAdd(dev?: Dev): Promise<void>;
  /** Deletes the NIC (the veth pair, so its switch port goes too). */
  deleteNic(dev?: Dev): Promise<void>;
  /** After deleteNic: a new veth with the same name and addresses (a new ifindex), wired to the same bridge, up. */
  recreateNic(dev?: Dev): Promise<void>;
  /** The NIC's current ifindex inside the namespace, or undefined when it does not exist. */
  ifindex(dev?: Dev): Promise<number | undefined>;
}

/** A route the host needs besides its connected subnets, restored when the kernel drops it (link down, address removed). */
export interface HostRoute {
  readonly dev: Dev;
  /** Arguments of `ip route replace`, e.g. ['10.77.2.0/24', 'via', '10.77.1.254', 'dev', 'eth0']. */
  readonly args: readonly string[];
}

/** Shared by all hosts of one LAN: where spawned children are tracked and whether it is torn down. */
export interface HostContext {
  readonly lanId: string;
  readonly children: Set<ChildProcess>;
  isDestroyed(): boolean;
}

export function unsupported(message: string): Error & { code: 'ERR_LAN_UNSUPPORTED' } {
  const err = new Error(message) as Error & { code: 'ERR_LAN_UNSUPPORTED' };
  err.code = 'ERR_LAN_UNSUPPORTED';
  return err;
}

export class NamespaceHost implements Host {
  readonly name: string;
  readonly netns: string;
  readonly index: number;
  readonly eth0: HostNic<'eth0'>;
  readonly eth1?: HostNic<'eth1'>;
  private readonly lossByDev = new Map<Dev, number>();
  private readonly delayedDevs = new Set<Dev>();
  private readonly noMulticastDevs = new Set<Dev>();
  /** The switch bridge of each NIC (an `eth0OnLanB` host's eth0 is on br1). */
  readonly bridges: { readonly eth0: 'br0' | 'br1'; readonly eth1?: 'br1' };
  /** Routes beyond the connected subnets: the multicast route, and the other subnet via the router. */
  readonly routes: readonly HostRoute[];

  constructor(
    private readonly context: HostContext,
    init: {
      name: string;
      netns: string;
      index: number;
      eth0: HostNic<'eth0'>;
      eth1?: HostNic<'eth1'>;
      bridges?: { eth0: 'br0' | 'br1'; eth1?: 'br1' };
      routes?: readonly HostRoute[];
    },
  ) {
    this.name = init.name;
    this.netns = init.netns;
    this.index = init.index;
    this.eth0 = init.eth0;
    if (init.eth1) this.eth1 = init.eth1;
    this.bridges = init.bridges ?? { eth0: 'br0', ...(init.eth1 ? { eth1: 'br1' as const } : {}) };
    this.routes = init.routes ?? [{ dev: 'eth0', args: ['224.0.0.0/4', 'dev', 'eth0'] }];
  }

  exec(argv: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    this.assertUsable('exec');
    if (!Array.isArray(argv) || argv.length === 0) throw new TypeError(`${this.name}.exec: argv must be a non-empty array`);
    return runCommand(['ip', 'netns', 'exec', this.netns, ...argv], opts);
  }

  spawnNode(script: string, args: string[] = [], opts: { env?: Record<string, string> } = {}): ChildProcess {
    if (typeof script !== 'string' || script === '') throw new TypeError(`${this.name}.spawnNode: script path required`);
    return this.spawn(process.execPath, [script, ...args], opts);
  }

  spawn(cmd: string, args: string[], opts: { env?: Record<string, string> } = {}): ChildProcess {
    this.assertUsable('spawn');
    if (typeof cmd !== 'string' || cmd === '') throw new TypeError(`${this.name}.spawn: command required`);
    // `ip netns exec` execs the command, so child.pid is the command itself.
    const child = spawnChild('ip', ['netns', 'exec', this.netns, cmd, ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.context.children.add(child);
    child.once('exit', () => this.context.children.delete(child));
    child.once('error', () => this.context.children.delete(child));
    return child;
  }

  async linkDown(dev: Dev = 'eth0'): Promise<void> {
    this.nic(dev, 'linkDown');
    await this.ip(['link', 'set', dev, 'down']);
  }

  async linkUp(dev: Dev = 'eth0'): Promise<void> {
    this.nic(dev, 'linkUp');
    await this.ip(['link', 'set', dev, 'up']);
    // The kernel drops IPv4 routes of a downed link; restore the multicast route (and the router's).
    await this.restoreRoutes(dev);
  }

  async setLoss(percent: number, dev: Dev = 'eth0'): Promise<void> {
    this.nic(dev, 'setLoss');
    checkPercent(percent, `${this.name}.setLoss`);
    const next = new Map(this.lossByDev).set(dev, percent);
    await this.nft(lossScript(next));
    this.lossByDev.clear();
    for (const [d, p] of next) if (p > 0) this.lossByDev.set(d, p);
  }

  async setDuplicate(percent: number, dev: Dev = 'eth0'): Promise<void> {
    this.nic(dev, 'setDuplicate');
    checkPercent(percent, `${this.name}.setDuplicate`);
    try {
      await this.nft(duplicateScript(dev, percent));
    } catch (err) {
      throw unsupported(
        `${this.name}.setDuplicate: nft netdev egress \`dup to\` is not available here (needs Linux >= 5.16 and nft >= 1.0.1): ${(err as Error).message}`,
      );
    }
  }

  async setDelay(ms: number, dev: Dev = 'eth0'): Promise<void> {
    this.nic(dev, 'setDelay');
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`${this.name}.setDelay: ms must be a non-negative number, got ${String(ms)}`);
    }
    if (ms === 0) return this.clearDelay(dev);
    const result = await this.exec(['tc', 'qdisc', 'replace', 'dev', dev, 'root', 'netem', 'delay', `${Math.round(ms)}ms`]);
    if (result.code !== 0) {
      const why = result.code === 127 ? '`tc` is not installed' : result.stderr.trim() || `tc exited ${result.code}`;
      throw unsupported(`${this.name}.setDelay: needs the tc netem qdisc, which this system lacks (${why})`);
    }
    this.delayedDevs.add(dev);
  }

  async clearFaults(dev: Dev = 'eth0'): Promise<void> {
    this.nic(dev, 'clearFaults');
    if (this.lossByDev.has(dev)) await this.setLoss(0, dev);
    // Unconditional: cheap, and also clears duplication that was set before a failed call.
    await this.nft(duplicateScript(dev, 0)).catch(() => undefined);
    await this.clearDelay(dev);
  }

  async addrDel(dev: Dev = 'eth0'): Promise<void> {
    const nic = this.nicOf(dev, 'addrDel');
    await this.ip(['address', 'del', `${nic.ipv4}/24`, 'dev', dev]);
    if (nic.ipv6) await this.ip(['address', 'del', `${nic.ipv6}/64`, 'dev', dev]);
  }

  async addrAdd(dev: Dev = 'eth0'): Promise<void> {
    const nic = this.nicOf(dev, 'addrAdd');
    await this.ip(['address', 'replace', `${nic.ipv4}/24`, 'dev', dev]);
    if (nic.ipv6) await this.ip(['address', 'replace', `${nic.ipv6}/64`, 'dev', dev, 'nodad']);
    // The kernel flushes a device's IPv4 routes with its last address; restore the multicast route (and the router's).
    await this.restoreRoutes(dev);
  }

  async deleteNic(dev: Dev = 'eth0'): Promise<void> {
    this.nicOf(dev, 'deleteNic');
    await this.ip(['link', 'del', dev]);
  }

  async recreateNic(dev: Dev = 'eth0'): Promise<void> {
    const nic = this.nicOf(dev, 'recreateNic');
    const switchNs = switchNetns(this.context.lanId);
    const port = switchPort(this.index, dev);
    // As createLan builds a port: the veth is made in the switch namespace, its peer moved here.
    await runChecked(['ip', '-n', switchNs, 'link', 'add', 'name', port, 'type', 'veth', 'peer', 'name', dev, 'netns', this.netns]);
    await runChecked(['ip', '-n', switchNs, 'link', 'set', port, 'master', dev === 'eth0' ? this.bridges.eth0 : this.bridges.eth1!]);
    await runChecked(['ip', '-n', switchNs, 'link', 'set', port, 'up']);
    await this.ip(['address', 'add', `${nic.ipv4}/24`, 'dev', dev]);
    if (nic.ipv6) await this.ip(['address', 'add', `${nic.ipv6}/64`, 'dev', dev, 'nodad']);
    await this.ip(['link', 'set', dev, 'up']);
    await this.restoreRoutes(dev);
  }

  async setMulticastDrop(on: boolean, dev: Dev = 'eth0'): Promise<void> {
    this.nic(dev, 'setMulticastDrop');
    if (typeof on !== 'boolean') throw new TypeError(`${this.name}.setMulticastDrop: on must be a boolean, got ${String(on)}`);
    const next = new Set(this.noMulticastDevs);
    if (on) next.add(dev);
    else next.delete(dev);
    await this.nft(multicastDropScript(next));
    this.noMulticastDevs.clear();
    for (const d of next) this.noMulticastDevs.add(d);
  }

  async multicastDropped(): Promise<number> {
    this.assertUsable('multicastDropped');
    if (this.noMulticastDevs.size === 0) return 0;
    const listed = await runChecked(['ip', 'netns', 'exec', this.netns, 'nft', '-j', 'list', 'table', 'inet', NO_MULTICAST_TABLE]);
    return multicastDropCount(listed.stdout);
  }

  private async restoreRoutes(dev: Dev): Promise<void> {
    for (const route of this.routes) if (route.dev === dev) await this.ip(['route', 'replace', ...route.args]);
  }

  async ifindex(dev: Dev = 'eth0'): Promise<number | undefined> {
    this.nicOf(dev, 'ifindex');
    const result = await runCommand(['ip', '-n', this.netns, '-o', 'link', 'show', 'dev', dev]);
    if (result.code !== 0) return undefined;
    const match = /^(\d+):/.exec(result.stdout);
    return match ? Number(match[1]) : undefined;
  }

  private nicOf(dev: Dev, what: string): HostNic<Dev> {
    this.nic(dev, what);
    return dev === 'eth0' ? this.eth0 : this.eth1!;
  }

  private async clearDelay(dev: Dev): Promise<void> {
    if (!this.delayedDevs.has(dev)) return;
    await this.exec(['tc', 'qdisc', 'del', 'dev', dev, 'root']);
    this.delayedDevs.delete(dev);
  }

  private nic(dev: Dev, what: string): void {
    this.assertUsable(what);
    if (dev !== 'eth0' && dev !== 'eth1') throw new TypeError(`${this.name}.${what}: dev must be 'eth0' or 'eth1', got ${String(dev)}`);
    if (dev === 'eth1' && !this.eth1) throw new Error(`${this.name}.${what}: host ${this.name} has no eth1 (not listed in lanB)`);
  }

  private assertUsable(what: string): void {
    if (this.context.isDestroyed()) throw new Error(`${this.name}.${what}: LAN ${this.context.lanId} was destroyed`);
  }

  private async ip(args: string[]): Promise<void> {
    await runChecked(['ip', '-n', this.netns, ...args]);
  }

  private async nft(script: string): Promise<void> {
    await runChecked(['ip', 'netns', 'exec', this.netns, 'nft', '-f', '-'], { input: script });
  }
}
