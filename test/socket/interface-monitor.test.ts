// InterfaceMonitor: the pure status computation, lifetime on lo (read-only), and real link and
// address changes inside a namespace LAN (down/up, address loss, address moving, NIC replaced).
import { execFile, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  InterfaceMonitor,
  listInterfaces,
  interfaceStatus as nicStatus,
  type InterfaceAddress,
  type NetworkInterfaceInfo,
  type InterfaceStatus as NicStatus,
} from '../../lib/socket';
import { collectLines, describeOnLan, type Host, type LineCollector } from '../lan';
import { sleep, waitUntil } from './helpers';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
/** Child processes and workers cannot load TypeScript: they use the built module. */
const DIST_MONITOR = path.join(ROOT, 'dist', 'socket', 'interface-monitor.js');
const SOURCE_MONITOR = path.join(ROOT, 'lib', 'socket', 'interface-monitor.ts');
const fdCount = (): number => fs.readdirSync('/proc/self/fd').length;

function assertDistFresh(): void {
  if (!fs.existsSync(DIST_MONITOR)) {
    throw new Error('dist/socket/interface-monitor.js is missing: run `npm run build:ts` (npm test does it) before these tests');
  }
  if (fs.statSync(DIST_MONITOR).mtimeMs < fs.statSync(SOURCE_MONITOR).mtimeMs) {
    throw new Error('dist/socket/interface-monitor.js is older than lib/socket/interface-monitor.ts: run `npm run build:ts`');
  }
}

// ---------------------------------------------------------------------------------------------
// Pure: nicStatus on crafted interface tables.

function addr(address: string, scopeId = 0): InterfaceAddress {
  const family = address.includes(':') ? 6 : 4;
  return { family, address, netmask: family === 4 ? '255.255.255.0' : 'ffff:ffff:ffff:ffff::', prefixLength: family === 4 ? 24 : 64, scopeId };
}

function nic(
  name: string,
  index: number,
  addresses: InterfaceAddress[],
  flags: Partial<{ up: boolean; running: boolean; loopback: boolean }> = {},
): NetworkInterfaceInfo {
  return {
    name,
    index,
    flags: { up: flags.up ?? true, running: flags.running ?? true, multicast: true, loopback: flags.loopback ?? false },
    addresses,
  };
}

const ABSENT: NicStatus = { present: false, name: '', index: 0, up: false, address: undefined, scopeId: 0 };

const table: NetworkInterfaceInfo[] = [
  nic('lo', 1, [addr('127.0.0.1'), addr('::1')], { loopback: true }),
  nic('eth0', 2, [addr('169.254.7.7'), addr('10.0.0.2'), addr('10.0.0.9'), addr('fe80::2', 2), addr('fd00::2')]),
  nic('eth1', 3, [addr('10.1.0.2'), addr('fe80::3', 3)]),
  nic('17', 4, [addr('10.4.0.1')]),
];

describe('nicStatus (pure)', () => {
  it('by name: present, up, the preferred (non-link-local) address, scope 0 for IPv4', () => {
    expect(nicStatus('eth0', 4, table)).toEqual({ present: true, name: 'eth0', index: 2, up: true, address: '10.0.0.2', scopeId: 0 });
  });

  it('by index (number or decimal string); a NIC named like a number wins over the index', () => {
    expect(nicStatus(3, 4, table)).toMatchObject({ present: true, name: 'eth1', index: 3, address: '10.1.0.2' });
    expect(nicStatus('3', 4, table)).toMatchObject({ present: true, name: 'eth1', index: 3 });
    expect(nicStatus('17', 4, table)).toMatchObject({ name: '17', index: 4 });
    expect(nicStatus(17, 4, table)).toEqual(ABSENT);
  });

  it('IPv6: prefers a global/ULA address over link-local; scopeId is the interface index', () => {
    expect(nicStatus('eth0', 6, table)).toEqual({ present: true, name: 'eth0', index: 2, up: true, address: 'fd00::2', scopeId: 2 });
    expect(nicStatus('eth1', 6, table)).toMatchObject({ address: 'fe80::3', scopeId: 3 });
  });

  it('by address: the NIC carrying it, advertising that very address', () => {
    expect(nicStatus('10.0.0.9', 4, table)).toEqual({ present: true, name: 'eth0', index: 2, up: true, address: '10.0.0.9', scopeId: 0 });
    // Non-canonical IPv6 text and a %zone still match; the advertised address is canonical.
    expect(nicStatus('FD00:0:0::0002%eth0', 6, table)).toMatchObject({ name: 'eth0', address: 'fd00::2' });
    // An address of the other family designates the NIC; the address is then chosen by the rule.
    expect(nicStatus('10.0.0.9', 6, table)).toMatchObject({ name: 'eth0', address: 'fd00::2', scopeId: 2 });
  });

  it('by address: when the address moves to another NIC, the status follows it', () => {
    const moved = [
      nic('lo', 1, [addr('127.0.0.1')], { loopback: true }),
      nic('eth0', 2, [addr('10.0.0.2')]),
      nic('eth1', 3, [addr('10.1.0.2'), addr('10.0.0.9')]),
    ];
    expect(nicStatus('10.0.0.9', 4, table)).toMatchObject({ name: 'eth0', index: 2 });
    expect(nicStatus('10.0.0.9', 4, moved)).toEqual({ present: true, name: 'eth1', index: 3, up: true, address: '10.0.0.9', scopeId: 0 });
  });

  it('up means IFF_UP and IFF_RUNNING', () => {
    const down = [nic('eth0', 2, [addr('10.0.0.2')], { up: false, running: false })];
    const noCarrier = [nic('eth0', 2, [addr('10.0.0.2')], { up: true, running: false })];
    expect(nicStatus('eth0', 4, down)).toEqual({ present: true, name: 'eth0', index: 2, up: false, address: '10.0.0.2', scopeId: 0 });
    expect(nicStatus('eth0', 4, noCarrier).up).toBe(false);
  });

  it('no address of the family: present, address undefined (a 169.254 one is used when it is all there is)', () => {
    const v4only = [nic('eth0', 2, [addr('10.0.0.2')])];
    expect(nicStatus('eth0', 6, v4only)).toEqual({ present: true, name: 'eth0', index: 2, up: true, address: undefined, scopeId: 2 });
    expect(nicStatus('eth0', 4, [nic('eth0', 2, [])])).toMatchObject({ present: true, address: undefined });
    expect(nicStatus('eth0', 4, [nic('eth0', 2, [addr('169.254.1.1')])]).address).toBe('169.254.1.1');
  });

  it('absent: unknown name, index or address, or an empty table', () => {
    expect(nicStatus('eth9', 4, table)).toEqual(ABSENT);
    expect(nicStatus(99, 6, table)).toEqual(ABSENT);
    expect(nicStatus('10.9.9.9', 4, table)).toEqual(ABSENT);
    expect(nicStatus('eth0', 4, [])).toEqual(ABSENT);
  });

  it('rejects bad arguments with coded errors', () => {
    const code = (f: () => unknown): unknown => {
      try {
        f();
      } catch (error) {
        return (error as { code?: unknown }).code;
      }
      return 'no error';
    };
    expect(code(() => nicStatus('', 4, table))).toBe('ERR_MULTIBULLY_INVALID_ARGUMENT');
    expect(code(() => nicStatus(0, 4, table))).toBe('ERR_MULTIBULLY_INVALID_ARGUMENT');
    expect(code(() => nicStatus(1.5, 4, table))).toBe('ERR_MULTIBULLY_INVALID_ARGUMENT');
    expect(code(() => nicStatus(null as unknown as string, 4, table))).toBe('ERR_MULTIBULLY_INVALID_ARGUMENT');
    expect(code(() => nicStatus('eth0', 5 as 4, table))).toBe('ERR_MULTIBULLY_INVALID_FAMILY');
    expect(code(() => nicStatus('eth0', 4, 'x' as unknown as NetworkInterfaceInfo[]))).toBe('ERR_MULTIBULLY_INVALID_ARGUMENT');
  });
});

// ---------------------------------------------------------------------------------------------
// In this process, on lo (read-only: nothing here changes any interface).

describe('InterfaceMonitor on lo', () => {
  beforeAll(assertDistFresh);

  it('validates its options with coded errors', () => {
    const code = (options: unknown): unknown => {
      try {
        new InterfaceMonitor(options as ConstructorParameters<typeof InterfaceMonitor>[0]).close();
      } catch (error) {
        return (error as { code?: unknown }).code;
      }
      return 'no error';
    };
    expect(code(null)).toBe('ERR_MULTIBULLY_INVALID_ARGUMENT');
    expect(code({ spec: '', family: 4 })).toBe('ERR_MULTIBULLY_INVALID_ARGUMENT');
    expect(code({ spec: -1, family: 4 })).toBe('ERR_MULTIBULLY_INVALID_ARGUMENT');
    expect(code({ spec: 'lo', family: '4' })).toBe('ERR_MULTIBULLY_INVALID_FAMILY');
    expect(code({ spec: 'lo', family: 4, pollIntervalMs: 0 })).toBe('ERR_MULTIBULLY_INVALID_ARGUMENT');
    expect(code({ spec: 'lo', family: 4, pollIntervalMs: 2.5 })).toBe('ERR_MULTIBULLY_INVALID_ARGUMENT');
    expect(code({ spec: 'lo', family: 4, pollIntervalMs: '100' })).toBe('ERR_MULTIBULLY_INVALID_ARGUMENT');
    expect(code({ spec: 'lo', family: 4, mode: 'inotify' })).toBe('ERR_MULTIBULLY_INVALID_ARGUMENT');
    expect(code({ spec: 'lo', family: 4 })).toBe('no error');
  });

  it('status of lo by name, index and address: present and up, advertising 127.0.0.1', () => {
    const lo = listInterfaces().find((i) => i.name === 'lo')!;
    expect(lo).toBeDefined();
    for (const spec of ['lo', lo.index, String(lo.index), '127.0.0.1']) {
      const monitor = new InterfaceMonitor({ spec, family: 4 });
      try {
        expect(monitor.status()).toEqual({ present: true, name: 'lo', index: lo.index, up: true, address: '127.0.0.1', scopeId: 0 });
      } finally {
        monitor.close();
      }
    }
    const absent = new InterfaceMonitor({ spec: 'mb-no-such-nic', family: 4 });
    expect(absent.status()).toEqual(ABSENT);
    absent.close();
  });

  it('uses netlink on Linux and polling when asked', () => {
    const auto = new InterfaceMonitor({ spec: 'lo', family: 4 });
    const polled = new InterfaceMonitor({ spec: 'lo', family: 4, mode: 'poll', pollIntervalMs: 50 });
    try {
      expect(auto.mode).toBe(process.platform === 'linux' ? 'netlink' : 'poll');
      expect(polled.mode).toBe('poll');
      expect(polled.status()).toEqual(auto.status());
    } finally {
      auto.close();
      polled.close();
    }
  });

  it('close() is idempotent', () => {
    const monitor = new InterfaceMonitor({ spec: 'lo', family: 4 });
    expect(monitor.closed).toBe(false);
    monitor.close();
    monitor.close();
    expect(monitor.closed).toBe(true);
  });

  it('does not keep the process alive (netlink and polling)', async () => {
    assertDistFresh();
    const script = `const { InterfaceMonitor } = require(${JSON.stringify(DIST_MONITOR)});
      const a = new InterfaceMonitor({ spec: 'lo', family: 4 });
      a.on('change', () => {});
      const b = new InterfaceMonitor({ spec: 'lo', family: 6, mode: 'poll', pollIntervalMs: 20 });
      b.on('change', () => {});
      console.log(a.mode, b.mode);`;
    const started = Date.now();
    const { stdout, stderr } = await run(process.execPath, ['-e', script], { timeout: 15_000 });
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe(`${process.platform === 'linux' ? 'netlink' : 'poll'} poll`);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('1000 monitors opened and closed leave the fd count unchanged', () => {
    const before = fdCount();
    for (let i = 0; i < 1000; i++) {
      const monitor = new InterfaceMonitor({ spec: 'lo', family: i % 2 === 0 ? 4 : 6 });
      if (i === 0) expect(fdCount()).toBe(before + (monitor.mode === 'netlink' ? 1 : 0));
      monitor.close();
    }
    expect(fdCount()).toBe(before);
  });

  it('monitors left open in a worker are closed at its teardown (no fd left behind)', async () => {
    assertDistFresh();
    const before = fdCount();
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const { InterfaceMonitor } = require(${JSON.stringify(DIST_MONITOR)});
       const monitors = [];
       for (let i = 0; i < 20; i++) monitors.push(new InterfaceMonitor({ spec: 'lo', family: 4 }));
       parentPort.postMessage(monitors.map((m) => m.mode));
       setInterval(() => {}, 1000);`,
      { eval: true },
    );
    const modes = await new Promise<string[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(modes).toHaveLength(20);
    if (process.platform === 'linux') expect(fdCount()).toBeGreaterThanOrEqual(before + 20);
    await worker.terminate();
    await waitUntil(() => fdCount() <= before, 5_000, 'worker fds to be released');
    expect(fdCount()).toBeLessThanOrEqual(before);
  });
});

/** A monitor whose table read is scripted by the test (poll mode drives the re-reads). */
class ScriptedMonitor extends InterfaceMonitor {
  next: NicStatus | undefined;
  reads = 0;
  override status(): NicStatus {
    this.reads++;
    return this.next ?? super.status();
  }
}

describe('InterfaceMonitor diffing (scripted table, polling)', () => {
  const A: NicStatus = { present: true, name: 'eth0', index: 2, up: true, address: '10.0.0.2', scopeId: 0 };
  const B: NicStatus = { ...A, up: false };

  it("emits 'change' (previous, current) only when the status differs", async () => {
    const monitor = new ScriptedMonitor({ spec: 'lo', family: 4, mode: 'poll', pollIntervalMs: 10 });
    const changes: Array<[NicStatus, NicStatus]> = [];
    monitor.on('change', (previous, current) => changes.push([previous, current]));
    try {
      const initial = monitor.status();
      monitor.next = A;
      await waitUntil(() => changes.length === 1, 5_000, 'first change');
      const readsAfterFirst = monitor.reads;
      await waitUntil(() => monitor.reads >= readsAfterFirst + 5, 5_000, 'five more reads');
      expect(changes).toHaveLength(1);
      monitor.next = { ...A }; // equal content, new object: still no change
      await waitUntil(() => monitor.reads >= readsAfterFirst + 10, 5_000, 'five more reads');
      expect(changes).toHaveLength(1);
      monitor.next = B;
      await waitUntil(() => changes.length === 2, 5_000, 'second change');
      expect(changes).toEqual([
        [initial, A],
        [A, B],
      ]);
    } finally {
      monitor.close();
    }
  });

  it("close() inside a 'change' listener: no further events, no error", async () => {
    const monitor = new ScriptedMonitor({ spec: 'lo', family: 4, mode: 'poll', pollIntervalMs: 10 });
    let changes = 0;
    monitor.on('change', () => {
      changes++;
      monitor.close();
      monitor.close();
    });
    const errors: Error[] = [];
    monitor.on('error', (e) => errors.push(e));
    monitor.next = A;
    await waitUntil(() => changes === 1, 5_000, 'the change');
    const reads = monitor.reads;
    monitor.next = B;
    await sleep(200);
    expect(monitor.closed).toBe(true);
    expect(changes).toBe(1);
    expect(monitor.reads).toBe(reads);
    expect(errors).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// In a namespace LAN: real link and address changes, watched by child processes.

/**
 * Runs inside the host namespace. argv: spec family mode. Prints one JSON line per event, each
 * with a unique seq; reads stdin commands: burst <n> (adds n /32 addresses to eth0 and then
 * sets eth0 down in ONE blocking `ip -batch`, so the notifications queue up while the loop is
 * blocked), close-on-change, ping.
 */
const CHILD = `
const { execFileSync } = require('node:child_process');
const readline = require('node:readline');
const { InterfaceMonitor } = require(process.env.MB_MONITOR);
const [spec, family, mode] = process.argv.slice(1);
let seq = 0;
const print = (o) => process.stdout.write(JSON.stringify({ seq: ++seq, ...o }) + '\\n');
let reads = 0;
class Counting extends InterfaceMonitor { status() { reads++; return super.status(); } }
const m = new Counting({ spec: /^[0-9]+$/.test(spec) ? Number(spec) : spec, family: Number(family), mode, pollIntervalMs: 50 });
m.on('change', (prev, cur) => print({ event: 'change', prev, cur }));
m.on('error', (e) => print({ event: 'error', message: e.message, code: e.code }));
print({ event: 'ready', mode: m.mode, status: m.status() });
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, arg] = line.split(' ');
  if (cmd === 'burst') {
    const lines = [];
    for (let i = 0; i < Number(arg); i++) lines.push('addr add 10.77.' + (200 + (i >> 8)) + '.' + (i & 255) + '/32 dev eth0');
    lines.push('link set eth0 down');
    const before = reads;
    execFileSync('ip', ['-batch', '-'], { input: lines.join('\\n') + '\\n' });
    setTimeout(() => print({ event: 'burst', reads: reads - before }), 500);
  } else if (cmd === 'close-on-change') {
    m.once('change', () => { m.close(); m.close(); print({ event: 'closed-in-listener', closed: m.closed, reads }); });
    print({ event: 'armed' });
  } else if (cmd === 'ping') {
    print({ event: 'pong', reads });
  }
});
`;

interface ChildLine {
  seq: number;
  event: string;
  mode?: string;
  status?: NicStatus;
  prev?: NicStatus;
  cur?: NicStatus;
  reads?: number;
  closed?: boolean;
  message?: string;
}

/** One monitor child; wait() only considers lines after the previous wait's match. */
class MonitorChild {
  readonly out: LineCollector;
  #seen = 0;

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    this.out = collectLines(child);
  }

  static start(host: Host, label: string, spec: string, family: 4 | 6, mode: 'auto' | 'poll'): MonitorChild {
    const child = host.spawn(process.execPath, ['-e', CHILD, spec, String(family), mode], { env: { MB_MONITOR: DIST_MONITOR } });
    return new MonitorChild(label, child);
  }

  send(command: string): void {
    this.child.stdin!.write(`${command}\n`);
  }

  /** The next line (after the last one matched) satisfying predicate. */
  async wait(what: string, predicate: (line: ChildLine) => boolean, timeoutMs = 5_000): Promise<ChildLine> {
    const after = this.#seen;
    const line = await this.out
      .waitFor((text) => {
        const parsed = parse(text);
        return parsed !== undefined && parsed.seq > after && predicate(parsed);
      }, timeoutMs)
      .catch((error: Error) => {
        throw new Error(`${this.label}: ${what}: ${error.message}; lines: ${this.out.lines.slice(-8).join(' | ')}`);
      });
    const parsed = parse(line)!;
    this.#seen = parsed.seq;
    return parsed;
  }

  /** Waits for a 'change' whose current status satisfies predicate. */
  change(what: string, predicate: (cur: NicStatus) => boolean): Promise<ChildLine> {
    return this.wait(what, (l) => l.event === 'change' && predicate(l.cur!));
  }

  /** The last status it reported (the initial one until a change). */
  latest(): NicStatus {
    const last = this.lines().filter((l) => l.event === 'ready' || l.event === 'change').pop();
    if (!last) throw new Error(`${this.label}: not ready`);
    return (last.event === 'ready' ? last.status : last.cur)!;
  }

  lines(): ChildLine[] {
    return this.out.lines.map(parse).filter((l): l is ChildLine => l !== undefined);
  }
}

function parse(text: string): ChildLine | undefined {
  try {
    const value = JSON.parse(text) as ChildLine;
    return typeof value.seq === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

describeOnLan('InterfaceMonitor in a namespace LAN', { hosts: 1, skipping: 'interface monitor namespace tests' }, (lan) => {
  let host: Host;

  beforeAll(() => {
    assertDistFresh();
    host = lan.hosts[0]!;
  });

  const ip = async (...args: string[]): Promise<void> => {
    const result = await host.exec(['ip', ...args]);
    if (result.code !== 0) throw new Error(`ip ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  };

  it('follows eth0 through down/up, address loss, an address moving, and the NIC being replaced', async () => {
    const address = host.eth0.ipv4;
    const byName = MonitorChild.start(host, 'netlink eth0', 'eth0', 4, 'auto');
    const polled = MonitorChild.start(host, 'polled eth0', 'eth0', 4, 'poll');
    const byAddress = MonitorChild.start(host, `netlink ${address}`, address, 4, 'auto');
    const named = [byName, polled];
    const all = [byName, polled, byAddress];

    const ready = await Promise.all(all.map((c) => c.wait('ready', (l) => l.event === 'ready', 15_000)));
    expect(ready.map((l) => l.mode)).toEqual(['netlink', 'poll', 'netlink']);
    const first = ready[0]!.status!;
    expect(first).toMatchObject({ present: true, name: 'eth0', up: true, address, scopeId: 0 });
    expect(first.index).toBeGreaterThan(0);
    for (const line of ready) expect(line.status).toEqual(first);

    // Link down and up (IFF_UP; the veth peer stays up so RUNNING follows).
    await ip('link', 'set', 'eth0', 'down');
    for (const c of all) await c.change('eth0 down', (s) => s.present && !s.up && s.index === first.index);
    await ip('link', 'set', 'eth0', 'up');
    for (const c of all) await c.change('eth0 up', (s) => s.present && s.up && s.address === address);

    // The address goes and comes back: the name monitors keep the NIC without an address,
    // the address monitor loses the NIC altogether.
    await ip('addr', 'del', `${address}/24`, 'dev', 'eth0');
    for (const c of named) await c.change('address removed', (s) => s.present && s.up && s.address === undefined);
    await byAddress.change('address gone', (s) => !s.present);
    await ip('addr', 'add', `${address}/24`, 'dev', 'eth0');
    for (const c of all) await c.change('address back', (s) => s.present && s.name === 'eth0' && s.address === address);

    // The address moves to another NIC (this namespace's lo): the address monitor follows it.
    const lo = (await host.exec(['ip', '-j', 'link', 'show', 'lo'])).stdout;
    const loIndex = (JSON.parse(lo) as Array<{ ifindex: number }>)[0]!.ifindex;
    await ip('addr', 'del', `${address}/24`, 'dev', 'eth0');
    await ip('addr', 'add', `${address}/32`, 'dev', 'lo');
    await byAddress.change('address moved to lo', (s) => s.present && s.name === 'lo' && s.index === loIndex && s.address === address);
    await ip('addr', 'del', `${address}/32`, 'dev', 'lo');
    await ip('addr', 'add', `${address}/24`, 'dev', 'eth0');
    await byAddress.change('address moved back', (s) => s.present && s.name === 'eth0' && s.index === first.index);
    // The name monitors may or may not have seen eth0 without its address meanwhile (polling
    // can miss it): only where they end up is certain.
    for (const c of named) {
      await waitUntil(() => c.latest().address === address && c.latest().index === first.index, 5_000, `${c.label}: address back on eth0`);
    }

    // The NIC is deleted, then a new eth0 (new ifindex) appears: a veth pair inside the host.
    await ip('link', 'del', 'eth0');
    for (const c of named) await c.change('eth0 gone', (s) => !s.present && s.index === 0 && s.name === '');
    await byAddress.change('address gone with eth0', (s) => !s.present);
    await ip('link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p');
    await ip('link', 'set', 'eth0p', 'up');
    await ip('link', 'set', 'eth0', 'up');
    await ip('addr', 'add', `${address}/24`, 'dev', 'eth0');
    for (const c of all) {
      const line = await c.change('new eth0', (s) => s.present && s.up && s.name === 'eth0' && s.address === address);
      expect(line.cur!.index).not.toBe(first.index);
    }

    // Every event is a real difference, and each reports the previous status it replaced.
    for (const c of all) {
      const changes = c.lines().filter((l) => l.event === 'change');
      expect(c.lines().filter((l) => l.event === 'error')).toEqual([]);
      let previous = ready[all.indexOf(c)]!.status!;
      for (const change of changes) {
        expect(change.prev).toEqual(previous);
        expect(change.cur).not.toEqual(change.prev);
        previous = change.cur!;
      }
    }
  });

  it('a burst of notifications (overrunning the netlink queue) is drained and read once or so, and the final state is seen', async () => {
    const watcher = MonitorChild.start(host, 'burst', 'eth0', 4, 'auto');
    const ready = await watcher.wait('ready', (l) => l.event === 'ready', 15_000);
    expect(ready.status).toMatchObject({ present: true, up: true });
    // Let link/address notifications from earlier steps settle before counting reads.
    await sleep(1_500);
    try {
      watcher.send('burst 1000');
      // 1001 notifications (more than the default receive queue holds: ENOBUFS) arrive while
      // the child's loop is blocked; the last one, eth0 going down, may be among those dropped.
      const down = await watcher.change('eth0 down after the burst', (s) => s.present && !s.up);
      expect(down.cur).toMatchObject({ name: 'eth0', address: host.eth0.ipv4 });
      const burst = await watcher.wait('burst result', (l) => l.event === 'burst', 30_000);
      expect(burst.reads).toBeGreaterThanOrEqual(1);
      expect(burst.reads).toBeLessThanOrEqual(3);
      expect(watcher.lines().filter((l) => l.event === 'error')).toEqual([]);
      await ip('link', 'set', 'eth0', 'up');
      await watcher.change('eth0 up', (s) => s.up);
    } finally {
      await host.exec(['ip', 'link', 'set', 'eth0', 'up']);
      await host.exec(['ip', 'addr', 'flush', 'dev', 'eth0', 'to', '10.77.192.0/18']);
    }
  });

  it("close() inside a 'change' listener of the netlink monitor: nothing more is emitted, the process lives on", async () => {
    await ip('link', 'set', 'eth0', 'up');
    const watcher = MonitorChild.start(host, 'close-in-listener', 'eth0', 4, 'auto');
    const ready = await watcher.wait('ready', (l) => l.event === 'ready' && l.mode === 'netlink', 15_000);
    if (!ready.status!.up) await watcher.change('eth0 up', (s) => s.up);
    const changesBefore = watcher.lines().filter((l) => l.event === 'change').length;
    watcher.send('close-on-change');
    await watcher.wait('armed', (l) => l.event === 'armed');
    await ip('link', 'set', 'eth0', 'down');
    const closed = await watcher.wait('closed in listener', (l) => l.event === 'closed-in-listener');
    expect(closed.closed).toBe(true);
    await ip('link', 'set', 'eth0', 'up');
    await ip('addr', 'del', `${host.eth0.ipv4}/24`, 'dev', 'eth0');
    await ip('addr', 'add', `${host.eth0.ipv4}/24`, 'dev', 'eth0');
    await sleep(500);
    watcher.send('ping');
    const pong = await watcher.wait('pong', (l) => l.event === 'pong');
    // The one change that closed it, and no read after close.
    expect(watcher.lines().filter((l) => l.event === 'change')).toHaveLength(changesBefore + 1);
    expect(watcher.lines().filter((l) => l.event === 'error')).toEqual([]);
    expect(pong.reads).toBe(closed.reads);
    expect(watcher.child.exitCode).toBeNull();
  });
});
