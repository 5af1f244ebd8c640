// createLan(): hosts in their own network namespaces, wired to bridges in a switch namespace.
// Nothing is ever created in the root namespace.
import type { ChildProcess } from 'node:child_process';
import { runChecked, runCommand, type ExecResult } from './exec';
import { partitionScript, type PortCut } from './faults';
import { NamespaceHost, type Host, type HostContext, type HostNic, type HostRoute } from './host';
import { registerLive, removeRecord, sweepLeftovers, unregisterLive, writeRecord } from './cleanup';
import {
  bridgeFor,
  bridgeOfLan,
  hostName,
  hostNetns,
  ipv4For,
  ipv6For,
  lanOf,
  makeTag,
  MAX_HOSTS,
  routerIpv4,
  routerIpv6,
  routerNetns,
  routerPort,
  subnetV4,
  subnetV6,
  switchNetns,
  switchPort,
  type Dev,
  type LanNumber,
} from './names';

export interface LanOptions {
  /** Number of hosts, all on LAN A (eth0). */
  hosts: number;
  /** Indexes of hosts that also get eth1 on LAN B. */
  lanB?: number[];
  /** Also give every NIC an fd77:<lan>::<i+1>/64 address. */
  ipv6?: boolean;
  /**
   * Indexes of hosts whose only NIC, eth0, is on LAN B (10.77.2.<i+1>, bridge br1) instead of
   * LAN A: a second subnet, which LAN A reaches only through `router`. Not together with lanB.
   */
  eth0OnLanB?: number[];
  /**
   * A router namespace `<tag>-rt` joining the two subnets: eth0 = 10.77.1.254 on LAN A, eth1 =
   * 10.77.2.254 on LAN B (+ fd77:<lan>::fe with ipv6), IPv4 (and IPv6) forwarding on, no multicast
   * routing. Every host without a NIC on the other LAN routes that subnet via the router.
   */
  router?: boolean;
}

/** The router of a LAN built with `router: true`. */
export interface Router {
  readonly netns: string;
  readonly eth0: HostNic<'eth0'>;
  readonly eth1: HostNic<'eth1'>;
  /** Runs argv inside the router's namespace; resolves with the exit code (never rejects for non-zero). */
  exec(argv: string[], opts?: { timeoutMs?: number }): Promise<ExecResult>;
}

export interface Lan {
  readonly id: string;
  readonly hosts: Host[];
  /** The router between LAN A and LAN B (only with `router: true`). */
  readonly router: Router | undefined;
  /**
   * Cuts the switch so hosts in a and b cannot hear each other (on LAN A and LAN B). Cumulative
   * until heal(). It cuts host ports only: traffic between the subnets through the router is not cut.
   */
  partition(a: Host[], b: Host[]): Promise<void>;
  /** Removes every partition. */
  heal(): Promise<void>;
  /** Idempotent: kills spawned processes and removes all namespaces (and with them every link). */
  destroy(): Promise<void>;
}

const CHILD_EXIT_WAIT_MS = 5_000;

export async function createLan(opts: LanOptions): Promise<Lan> {
  const { hosts, lanB, ipv6, eth0OnLanB, router } = validateOptions(opts);
  sweepLeftovers();
  const lan = new NamespaceLan(makeTag(), hosts, lanB, ipv6, eth0OnLanB, router);
  try {
    await lan.build();
  } catch (err) {
    await lan.destroy();
    throw err;
  }
  return lan;
}

function validateOptions(opts: LanOptions): { hosts: number; lanB: Set<number>; ipv6: boolean; eth0OnLanB: Set<number>; router: boolean } {
  if (!opts || typeof opts !== 'object') throw new TypeError('createLan: options object required, e.g. { hosts: 3 }');
  const { hosts } = opts;
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_HOSTS) {
    throw new RangeError(`createLan: hosts must be an integer from 1 to ${MAX_HOSTS}, got ${String(hosts)}`);
  }
  const lanB = new Set<number>();
  for (const index of opts.lanB ?? []) {
    if (!Number.isInteger(index) || index < 0 || index >= hosts) {
      throw new RangeError(`createLan: lanB entries must be host indexes 0..${hosts - 1}, got ${String(index)}`);
    }
    lanB.add(index);
  }
  if (opts.ipv6 !== undefined && typeof opts.ipv6 !== 'boolean') throw new TypeError('createLan: ipv6 must be a boolean');
  const eth0OnLanB = new Set<number>();
  for (const index of opts.eth0OnLanB ?? []) {
    if (!Number.isInteger(index) || index < 0 || index >= hosts) {
      throw new RangeError(`createLan: eth0OnLanB entries must be host indexes 0..${hosts - 1}, got ${String(index)}`);
    }
    if (lanB.has(index)) throw new RangeError(`createLan: host ${index} is in both lanB and eth0OnLanB (its eth1 would be on LAN B too)`);
    eth0OnLanB.add(index);
  }
  if (opts.router !== undefined && typeof opts.router !== 'boolean') throw new TypeError('createLan: router must be a boolean');
  return { hosts, lanB, ipv6: opts.ipv6 === true, eth0OnLanB, router: opts.router === true };
}

class NamespaceLan implements Lan {
  readonly hosts: NamespaceHost[] = [];
  readonly router: Router | undefined;
  private readonly children = new Set<ChildProcess>();
  private readonly switchNs: string;
  private readonly routerNs: string | undefined;
  private readonly cuts: PortCut[] = [];
  private destroyed = false;
  private destroying: Promise<void> | undefined;
  /** Namespaces actually created, so destroy() after a half-built LAN removes exactly those. */
  private readonly createdNetns: string[] = [];

  constructor(
    readonly id: string,
    hostCount: number,
    private readonly lanB: ReadonlySet<number>,
    private readonly ipv6: boolean,
    private readonly eth0OnLanB: ReadonlySet<number> = new Set(),
    withRouter = false,
  ) {
    this.switchNs = switchNetns(id);
    const context: HostContext = { lanId: id, children: this.children, isDestroyed: () => this.destroyed };
    const nicOn = <D extends Dev>(dev: D, ipv4: string, ipv6Address: string): HostNic<D> =>
      ipv6 ? { name: dev, ipv4, ipv6: ipv6Address } : { name: dev, ipv4 };
    for (let index = 0; index < hostCount; index++) {
      const eth0Lan: LanNumber = eth0OnLanB.has(index) ? 2 : 1;
      const nic = <D extends Dev>(dev: D, lan: LanNumber): HostNic<D> => nicOn(dev, ipv4For(index, dev, lan), ipv6For(index, dev, lan));
      const routes: HostRoute[] = [{ dev: 'eth0', args: ['224.0.0.0/4', 'dev', 'eth0'] }];
      // A host with a NIC on only one LAN reaches the other through the router.
      if (withRouter && !lanB.has(index)) {
        const other: LanNumber = eth0Lan === 1 ? 2 : 1;
        routes.push({ dev: 'eth0', args: [subnetV4(other), 'via', routerIpv4(eth0Lan), 'dev', 'eth0'] });
        if (ipv6) routes.push({ dev: 'eth0', args: [subnetV6(other), 'via', routerIpv6(eth0Lan), 'dev', 'eth0'] });
      }
      this.hosts.push(
        new NamespaceHost(context, {
          name: hostName(index),
          netns: hostNetns(id, index),
          index,
          eth0: nic('eth0', eth0Lan),
          ...(lanB.has(index) ? { eth1: nic('eth1', 2) } : {}),
          bridges: { eth0: bridgeOfLan(eth0Lan), ...(lanB.has(index) ? { eth1: 'br1' as const } : {}) },
          routes,
        }),
      );
    }
    if (withRouter) {
      const routerNs = routerNetns(id);
      this.routerNs = routerNs;
      this.router = {
        netns: routerNs,
        eth0: nicOn('eth0', routerIpv4(1), routerIpv6(1)),
        eth1: nicOn('eth1', routerIpv4(2), routerIpv6(2)),
        exec: (argv, opts = {}) => {
          this.assertUsable('router.exec');
          if (!Array.isArray(argv) || argv.length === 0) throw new TypeError('router.exec: argv must be a non-empty array');
          return runCommand(['ip', 'netns', 'exec', routerNs, ...argv], opts);
        },
      };
    }
  }

  async build(): Promise<void> {
    writeRecord(this.id);
    registerLive({ tag: this.id, children: this.children });
    const allNetns = [this.switchNs, ...this.hosts.map((h) => h.netns), ...(this.routerNs ? [this.routerNs] : [])];
    for (const netns of allNetns) {
      await runChecked(['ip', 'netns', 'add', netns]);
      this.createdNetns.push(netns);
    }
    await Promise.all([
      this.sysctl(this.switchNs, ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'], false),
      ...this.hosts.map((h) =>
        this.sysctl(
          h.netns,
          [
            // Before any link exists, so addresses (incl. link-local) are usable at once.
            'net.ipv6.conf.all.accept_dad=0',
            'net.ipv6.conf.default.accept_dad=0',
            // Keep IPv6 addresses across linkDown()/linkUp().
            'net.ipv6.conf.all.keep_addr_on_down=1',
            'net.ipv6.conf.default.keep_addr_on_down=1',
          ],
          this.ipv6,
        ),
      ),
      ...(this.routerNs
        ? [
            this.sysctl(this.routerNs, ['net.ipv4.ip_forward=1'], true),
            this.sysctl(
              this.routerNs,
              ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.forwarding=1'],
              this.ipv6,
            ),
          ]
        : []),
    ]);
    await this.ipBatch(this.switchNs, this.switchCommands());
    await Promise.all(this.hosts.map((h) => this.ipBatch(h.netns, this.hostCommands(h))));
    if (this.routerNs && this.router) await this.ipBatch(this.routerNs, this.routerCommands(this.router));
  }

  /** Switch namespace: bridges with snooping off (groups flood without an IGMP querier), one veth per host NIC. */
  private switchCommands(): string[] {
    const needsLanB = this.lanB.size > 0 || this.eth0OnLanB.size > 0 || this.router !== undefined;
    const devs: Dev[] = needsLanB ? ['eth0', 'eth1'] : ['eth0'];
    const lines = devs.map((dev) => `link add name ${bridgeFor(dev)} type bridge mcast_snooping 0`);
    for (const host of this.hosts) {
      for (const dev of this.devsOf(host)) {
        const port = switchPort(host.index, dev);
        lines.push(`link add name ${port} type veth peer name ${dev} netns ${host.netns}`);
        lines.push(`link set ${port} master ${dev === 'eth0' ? host.bridges.eth0 : host.bridges.eth1!}`);
        lines.push(`link set ${port} up`);
      }
    }
    if (this.routerNs) {
      for (const dev of ['eth0', 'eth1'] as const) {
        const port = routerPort(dev);
        lines.push(`link add name ${port} type veth peer name ${dev} netns ${this.routerNs}`);
        lines.push(`link set ${port} master ${bridgeOfLan(lanOf(dev))}`);
        lines.push(`link set ${port} up`);
      }
    }
    lines.push(...devs.map((dev) => `link set ${bridgeFor(dev)} up`));
    return lines;
  }

  private routerCommands(router: Router): string[] {
    const lines = ['link set lo up'];
    for (const nic of [router.eth0, router.eth1]) {
      lines.push(`address add ${nic.ipv4}/24 dev ${nic.name}`);
      if (nic.ipv6) lines.push(`address add ${nic.ipv6}/64 dev ${nic.name} nodad`);
      lines.push(`link set ${nic.name} up`);
    }
    return lines;
  }

  private hostCommands(host: NamespaceHost): string[] {
    const lines = ['link set lo up'];
    for (const nic of [host.eth0, host.eth1]) {
      if (!nic) continue;
      lines.push(`address add ${nic.ipv4}/24 dev ${nic.name}`);
      if (nic.ipv6) lines.push(`address add ${nic.ipv6}/64 dev ${nic.name} nodad`);
      lines.push(`link set ${nic.name} up`);
    }
    for (const route of host.routes) lines.push(`route add ${route.args.join(' ')}`);
    return lines;
  }

  private devsOf(host: NamespaceHost): Dev[] {
    return host.eth1 ? ['eth0', 'eth1'] : ['eth0'];
  }

  private async ipBatch(netns: string, lines: string[]): Promise<void> {
    await runChecked(['ip', '-n', netns, '-batch', '-'], { input: lines.join('\n') + '\n' });
  }

  private async sysctl(netns: string, settings: string[], required: boolean): Promise<void> {
    const result = await runCommand(['ip', 'netns', 'exec', netns, 'sysctl', '-q', '-w', ...settings]);
    if (result.code !== 0 && required) {
      throw new Error(`createLan: sysctl in ${netns} failed (IPv6 disabled in this kernel?): ${result.stderr.trim()}`);
    }
  }

  async partition(a: Host[], b: Host[]): Promise<void> {
    this.assertUsable('partition');
    const ports = (side: Host[], label: string): string[] => {
      if (!Array.isArray(side) || side.length === 0) throw new TypeError(`partition: ${label} must be a non-empty array of hosts`);
      return side.flatMap((host) => {
        const own = this.hosts.find((h) => h === host);
        if (!own) throw new Error(`partition: ${label} contains a host that is not part of LAN ${this.id}`);
        return this.devsOf(own).map((dev) => switchPort(own.index, dev));
      });
    };
    const cut = { a: ports(a, 'a'), b: ports(b, 'b') };
    if (a.some((h) => b.includes(h))) throw new Error('partition: a host cannot be on both sides');
    await this.nftSwitch(partitionScript([...this.cuts, cut]));
    this.cuts.push(cut);
  }

  async heal(): Promise<void> {
    this.assertUsable('heal');
    await this.nftSwitch(partitionScript([]));
    this.cuts.length = 0;
  }

  private async nftSwitch(script: string): Promise<void> {
    await runChecked(['ip', 'netns', 'exec', this.switchNs, 'nft', '-f', '-'], { input: script });
  }

  private assertUsable(what: string): void {
    if (this.destroyed) throw new Error(`${what}: LAN ${this.id} was destroyed`);
  }

  destroy(): Promise<void> {
    this.destroying ??= this.teardown();
    return this.destroying;
  }

  private async teardown(): Promise<void> {
    this.destroyed = true;
    await Promise.all([...this.children].map(killAndWait));
    for (const netns of this.createdNetns) {
      // Anything still inside (e.g. grandchildren of spawned processes) would keep the namespace alive.
      const pids = await runCommand(['ip', 'netns', 'pids', netns]);
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // exited meanwhile
        }
      }
      await runCommand(['ip', 'netns', 'del', netns]);
    }
    unregisterLive(this.id);
    removeRecord(this.id);
  }
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, CHILD_EXIT_WAIT_MS); // bounded: the netns sweep below kills it anyway
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGKILL');
  });
}
