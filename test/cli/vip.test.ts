// `--vip`: parseVip, the VipManager (with a stand-in addon, then for real inside namespace
// hosts: rtnetlink add/remove, gratuitous ARP and unsolicited neighbour advertisements as a
// second host sees them) and, once the CLI has the flag, the address following the leader.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { missingVipCapabilities, parseVip, VipManager, type VipNative } from '../../lib/cli/vip';
import type { Logger } from '../../lib/participant/logger';
import { collectLines, describeOnLan, lanSupport, type Host, type LineCollector } from '../lan';
import { CliNode, sleep, testPort } from './cli-node';

const AGENT = resolve(__dirname, 'fixtures/vip-agent.cjs');

describe('parseVip', () => {
  it('parses IPv4 and IPv6 with a prefix, in canonical form', () => {
    expect(parseVip('192.0.2.10/24')).toEqual({ address: '192.0.2.10', prefixLength: 24, family: 4 });
    expect(parseVip('10.0.0.1/32')).toEqual({ address: '10.0.0.1', prefixLength: 32, family: 4 });
    expect(parseVip('2001:DB8:0:0::10/64')).toEqual({ address: '2001:db8::10', prefixLength: 64, family: 6 });
    expect(parseVip('fe80::7/64')).toEqual({ address: 'fe80::7', prefixLength: 64, family: 6 });
    expect(parseVip('10.0.0.3/31').prefixLength).toBe(31);
  });

  it.each([
    ['', /ADDR\/PREFIX/],
    ['192.0.2.10', /prefix length is missing/],
    ['192.0.2.10/', /prefix length must be an integer from 1 to 32/],
    ['192.0.2.10/33', /from 1 to 32/],
    ['192.0.2.10/0', /from 1 to 32/],
    ['192.0.2.10/024', /from 1 to 32/],
    ['192.0.2.10/2x', /from 1 to 32/],
    ['2001:db8::1/129', /from 1 to 128/],
    ['banana/24', /not a numeric IPv4 or IPv6 address/],
    ['192.0.2.256/24', /not a numeric/],
    ['fe80::1%eth0/64', /zone id/],
    ['::ffff:192.0.2.1/24', /IPv4-mapped/],
    ['0.0.0.0/8', /unspecified/],
    ['::/64', /unspecified/],
    ['224.0.0.5/24', /multicast/],
    ['ff02::1/64', /multicast/],
    ['127.0.0.2/8', /loopback/],
    ['::1/128', /loopback/],
    ['255.255.255.255/32', /reserved or broadcast/],
    ['192.0.2.0/24', /network address of \/24/],
    ['192.0.2.255/24', /broadcast address of \/24/],
  ])('rejects %j with a clear message', (text, message) => {
    let error: (Error & { code?: string }) | undefined;
    try {
      parseVip(text);
    } catch (caught) {
      error = caught as Error & { code?: string };
    }
    expect(error, `parseVip(${JSON.stringify(text)}) did not throw`).toBeInstanceOf(Error);
    expect(error!.code).toBe('ERR_MULTIBULLY_INVALID_ARGUMENT');
    expect(error!.message).toMatch(/^--vip /);
    expect(error!.message).toMatch(message);
  });
});

describe('missingVipCapabilities', () => {
  const status = (capEff: string): string => `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\nCapBnd:\t000001ffffffffff\n`;
  it('reads CAP_NET_ADMIN (bit 12) and CAP_NET_RAW (bit 13) from CapEff', () => {
    expect(missingVipCapabilities(status('000001ffffffffff'))).toEqual([]);
    expect(missingVipCapabilities(status('0000000000003000'))).toEqual([]);
    expect(missingVipCapabilities(status('0000000000002000'))).toEqual(['CAP_NET_ADMIN']);
    expect(missingVipCapabilities(status('0000000000001000'))).toEqual(['CAP_NET_RAW']);
    expect(missingVipCapabilities(status('0000000000000000'))).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(missingVipCapabilities('no such line')).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
  });
});

type Call = [string, ...unknown[]];

function fakeNative(calls: Call[], overrides: Partial<VipNative> = {}): VipNative {
  return {
    vipAddAddress: (...args) => (calls.push(['add', ...args]), overrides.vipAddAddress?.(...args) ?? true),
    vipRemoveAddress: (...args) => (calls.push(['remove', ...args]), overrides.vipRemoveAddress?.(...args) ?? true),
    vipAnnounce: (...args) => (calls.push(['announce', ...args]), overrides.vipAnnounce?.(...args) ?? true),
  };
}

function recordingLogger(): Logger & { entries: Array<{ level: string; obj: unknown; msg: unknown }> } {
  const entries: Array<{ level: string; obj: unknown; msg: unknown }> = [];
  const at = (level: string) => (obj: unknown, msg?: unknown) => void entries.push({ level, obj, msg });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('VipManager (stand-in addon)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  const v4 = parseVip('10.9.0.100/24');
  const v6 = parseVip('fd00::100/64');

  it('acquire adds every address, then announces announceCount times at the interval', () => {
    vi.useFakeTimers();
    const calls: Call[] = [];
    const vip = new VipManager({ interfaceIndex: 7, interfaceName: 'eth0', vips: [v4, v6, v4], logger: recordingLogger(), announceCount: 3, announceIntervalMs: 100, native: fakeNative(calls) });
    expect(vip.addresses).toHaveLength(2); // duplicates collapse
    vip.acquire();
    expect(vip.held).toBe(true);
    expect(calls).toEqual([
      ['add', 7, 4, '10.9.0.100', 24],
      ['add', 7, 6, 'fd00::100', 64],
      ['announce', 7, 4, '10.9.0.100'],
      ['announce', 7, 6, 'fd00::100'],
    ]);
    vi.advanceTimersByTime(99);
    expect(calls.filter((c) => c[0] === 'announce')).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(calls.filter((c) => c[0] === 'announce')).toHaveLength(4);
    vi.advanceTimersByTime(1_000);
    expect(calls.filter((c) => c[0] === 'announce')).toHaveLength(6);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('release stops the announcements before removing, and removes even when not held (stale address)', () => {
    vi.useFakeTimers();
    const calls: Call[] = [];
    const vip = new VipManager({ interfaceIndex: 3, interfaceName: 'eth0', vips: [v4], logger: recordingLogger(), native: fakeNative(calls) });
    vip.release();
    expect(calls).toEqual([['remove', 3, 4, '10.9.0.100', 24]]);
    calls.length = 0;
    vip.acquire();
    vip.release();
    expect(vip.held).toBe(false);
    vi.advanceTimersByTime(5_000);
    expect(calls).toEqual([
      ['add', 3, 4, '10.9.0.100', 24],
      ['announce', 3, 4, '10.9.0.100'],
      ['remove', 3, 4, '10.9.0.100', 24],
    ]);
  });

  it('logs failures and goes on: no throw from acquire or release', () => {
    const calls: Call[] = [];
    const logger = recordingLogger();
    const fail = (code: string) => () => {
      throw Object.assign(new Error(code), { code });
    };
    const vip = new VipManager({
      interfaceIndex: 3,
      interfaceName: 'eth0',
      vips: [v4, v6],
      logger,
      announceCount: 1,
      native: fakeNative(calls, { vipAddAddress: (_i, family) => (family === 4 ? fail('EPERM')() : true), vipRemoveAddress: fail('ENETDOWN'), vipAnnounce: fail('ENETDOWN') }),
    });
    expect(() => vip.acquire()).not.toThrow();
    expect(calls.map((c) => c[0])).toEqual(['add', 'add', 'announce', 'announce']);
    expect(() => vip.release()).not.toThrow();
    expect(logger.entries.filter((e) => e.level === 'error').map((e) => e.msg)).toEqual([
      'cannot add the floating address',
      'cannot remove the floating address',
      'cannot remove the floating address',
    ]);
    expect(logger.entries.filter((e) => e.level === 'warn')).toHaveLength(2);
  });

  it('setInterface moves held addresses to the new index; close stops announcing and forbids acquire', () => {
    vi.useFakeTimers();
    const calls: Call[] = [];
    const vip = new VipManager({ interfaceIndex: 3, interfaceName: 'eth0', vips: [v4], logger: recordingLogger(), announceCount: 2, native: fakeNative(calls) });
    vip.setInterface(4, 'eth0'); // not held: only remembered
    expect(calls).toEqual([]);
    vip.acquire();
    vip.setInterface(9, 'eth0');
    expect(calls).toEqual([
      ['add', 4, 4, '10.9.0.100', 24],
      ['announce', 4, 4, '10.9.0.100'],
      ['remove', 4, 4, '10.9.0.100', 24],
      ['add', 9, 4, '10.9.0.100', 24],
      ['announce', 9, 4, '10.9.0.100'],
    ]);
    vip.close();
    vi.advanceTimersByTime(5_000);
    expect(calls).toHaveLength(5);
    expect(vip.held).toBe(true); // close() does not remove: release() does
    expect(() => vip.acquire()).toThrow(expect.objectContaining({ code: 'ERR_MULTIBULLY_CLOSED' }));
    vip.release();
    expect(calls.at(-1)).toEqual(['remove', 9, 4, '10.9.0.100', 24]);
  });

  it('validates its options', () => {
    const base = { interfaceIndex: 3, interfaceName: 'eth0', vips: [v4], logger: recordingLogger(), native: fakeNative([]) };
    expect(() => new VipManager({ ...base, interfaceIndex: 0 })).toThrow(/interfaceIndex/);
    expect(() => new VipManager({ ...base, interfaceName: '' })).toThrow(/interfaceName/);
    expect(() => new VipManager({ ...base, announceCount: -1 })).toThrow(/announceCount/);
    expect(() => new VipManager({ ...base, announceIntervalMs: 0 })).toThrow(/announceIntervalMs/);
    expect(() => new VipManager({ ...base, vips: [{ address: '224.1.1.1', prefixLength: 24, family: 4 }] })).toThrow(/multicast/);
  });
});

// ---------------------------------------------------------------------------------------------
// Inside namespace hosts, with the real addon.

/** One skip line for both LAN suites below. */
const SKIPPING = 'VIP namespace tests';

const VIP4 = '10.77.1.100';
const VIP6 = 'fd77:1::100';
/** Generous for a busy 2-core machine. */
const STEP_MS = 10_000;

interface Agent {
  readonly out: LineCollector;
  send(cmd: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

function startAgent(host: Host, vips: string[], count = 3, intervalMs = 50): Promise<Agent> {
  const child = host.spawnNode(AGENT, ['eth0', String(count), String(intervalMs), ...vips]);
  const out = collectLines(child);
  const agent: Agent = {
    out,
    async send(cmd) {
      const name = cmd.split(' ')[0]!;
      const start = out.lines.length;
      const isReply = (l: string): boolean => l.startsWith(`{"done":"${name}"`);
      child.stdin!.write(cmd + '\n');
      await out.waitFor(() => out.lines.slice(start).some(isReply), STEP_MS);
      return JSON.parse(out.lines.slice(start).find(isReply)!) as Record<string, unknown>;
    },
    async stop() {
      child.stdin!.end('exit\n');
      await new Promise((done) => (child.exitCode !== null ? done(undefined) : child.once('exit', done)));
    },
  };
  return out.waitFor((l) => l.startsWith('{"ready"'), STEP_MS).then(() => agent);
}

async function addresses(host: Host): Promise<string[]> {
  const result = await host.exec(['ip', '-j', 'addr', 'show', 'dev', 'eth0']);
  expect(result.code, result.stderr).toBe(0);
  const [link] = JSON.parse(result.stdout) as Array<{ addr_info: Array<{ local: string; prefixlen: number; tentative?: boolean; dadfailed?: boolean }> }>;
  return link!.addr_info.map((a) => `${a.local}/${a.prefixlen}${a.tentative ? ' tentative' : ''}${a.dadfailed ? ' dadfailed' : ''}`);
}

async function macOf(host: Host): Promise<string> {
  const result = await host.exec(['ip', '-j', 'link', 'show', 'dev', 'eth0']);
  return (JSON.parse(result.stdout) as Array<{ address: string }>)[0]!.address;
}

async function neighbour(host: Host, address: string): Promise<{ lladdr?: string; state?: string[] } | undefined> {
  const result = await host.exec(['ip', '-j', 'neigh', 'show', 'dev', 'eth0', 'to', address]);
  const list = JSON.parse(result.stdout || '[]') as Array<{ dst: string; lladdr?: string; state?: string[] }>;
  return list.find((n) => n.dst === address);
}

async function waitUntil<T>(what: string, probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = STEP_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await sleep(20);
    last = await probe();
  }
  return last;
}

/** One UDP datagram from host to address: makes its kernel resolve (and cache) the address's MAC. */
async function poke(host: Host, address: string): Promise<void> {
  const family = address.includes(':') ? 'udp6' : 'udp4';
  const script = `const s=require('dgram').createSocket('${family}');s.send('x',9,'${address}',()=>setTimeout(()=>s.close(),200));`;
  const result = await host.exec([process.execPath, '-e', script]);
  expect(result.code, result.stderr).toBe(0);
}

/** Counts announcements arriving at host: ARP requests with sender = target = vip, NAs to ff02::1 (nft counters). */
async function installAnnouncementCounters(host: Host): Promise<void> {
  const script = [
    'table arp mbvip {',
    '  counter garp { }',
    '  chain in {',
    '    type filter hook input priority 0; policy accept;',
    `    arp operation request arp saddr ip ${VIP4} arp daddr ip ${VIP4} counter name garp`,
    '  }',
    '}',
    'table ip6 mbvip {',
    '  counter na { }',
    '  chain in {',
    '    type filter hook input priority 0; policy accept;',
    '    icmpv6 type nd-neighbor-advert ip6 daddr ff02::1 counter name na',
    '  }',
    '}',
  ].join('\n');
  const result = await host.exec(['sh', '-c', `printf '%s\\n' "$0" | nft -f -`, script]);
  expect(result.code, result.stderr).toBe(0);
}

async function announcements(host: Host): Promise<{ garp: number; na: number }> {
  const read = async (family: string, name: string): Promise<number> => {
    const result = await host.exec(['nft', '-j', 'list', 'counter', family, 'mbvip', name]);
    expect(result.code, result.stderr).toBe(0);
    const items = (JSON.parse(result.stdout) as { nftables: Array<{ counter?: { packets: number } }> }).nftables;
    return items.find((i) => i.counter)!.counter!.packets;
  };
  return { garp: await read('arp', 'garp'), na: await read('ip6', 'na') };
}

describeOnLan('VipManager in namespace hosts', { hosts: 3, ipv6: true, skipping: SKIPPING }, (lan) => {
  let h0: Host, h1: Host, h2: Host;

  beforeAll(async () => {
    [h0, h1, h2] = lan.hosts as [Host, Host, Host];
    await installAnnouncementCounters(h2);
  });

  it('checkCapabilities: passes as root, throws ERR_MULTIBULLY_VIP_PERMISSION without CAP_NET_ADMIN/CAP_NET_RAW', async () => {
    const script = `const {VipManager}=require(${JSON.stringify(resolve(__dirname, '../../dist/cli/vip'))});` +
      `try{VipManager.checkCapabilities();console.log('ok')}catch(e){console.log(JSON.stringify({code:e.code,message:e.message}))}`;
    const root = await h0.exec([process.execPath, '-e', script]);
    expect(root.stdout.trim()).toBe('ok');
    const dropped = await h0.exec(['setpriv', '--inh-caps=-net_admin,-net_raw', '--bounding-set=-net_admin,-net_raw', process.execPath, '-e', script]);
    expect(dropped.code, dropped.stderr).toBe(0);
    const error = JSON.parse(dropped.stdout) as { code: string; message: string };
    expect(error.code).toBe('ERR_MULTIBULLY_VIP_PERMISSION');
    expect(error.message).toMatch(/lacks CAP_NET_ADMIN and CAP_NET_RAW/);
  });

  it('IPv4: acquire adds and announces (gratuitous ARP moves a neighbour entry), release removes', async () => {
    const [mac0, mac1] = [await macOf(h0), await macOf(h1)];
    const a0 = await startAgent(h0, [`${VIP4}/24`], 3, 50);
    const a1 = await startAgent(h1, [`${VIP4}/24`], 3, 50);
    try {
      const before = await announcements(h2);
      expect(await a0.send('acquire')).toMatchObject({ held: true });
      expect(await addresses(h0)).toContain(`${VIP4}/24`);
      // Idempotent: a second acquire (EEXIST) is fine.
      expect(await a0.send('acquire')).toMatchObject({ held: true });
      expect(a0.out.lines.some((l) => l.includes('"msg":"vip already present"'))).toBe(true);
      // h2 talks to the VIP: its kernel resolves it to h0.
      await poke(h2, VIP4);
      await waitUntil('h2 resolves the VIP to h0', () => neighbour(h2, VIP4), (n) => n?.lladdr === mac0);

      expect(await a0.send('release')).toMatchObject({ held: false });
      expect(await addresses(h0)).not.toContain(`${VIP4}/24`);
      const beforeMove = await announcements(h2);
      expect(await a1.send('acquire')).toMatchObject({ held: true });
      expect(await addresses(h1)).toContain(`${VIP4}/24`);
      // h2 sends nothing: only h1's gratuitous ARP can move its entry to h1's MAC.
      await waitUntil('h2 follows the gratuitous ARP to h1', () => neighbour(h2, VIP4), (n) => n?.lladdr === mac1, 2_000);
      // announceCount = 3 at 50 ms: exactly 3 more after the move, and none after that.
      await waitUntil('3 gratuitous ARPs from h1', () => announcements(h2), (c) => c.garp - beforeMove.garp >= 3, 3_000);
      await sleep(300);
      expect((await announcements(h2)).garp - beforeMove.garp).toBe(3);
      // h0's two acquires: each announces at once; the second restarts the burst (so 2..6 in all).
      expect(beforeMove.garp - before.garp).toBeGreaterThanOrEqual(2);
      expect(beforeMove.garp - before.garp).toBeLessThanOrEqual(6);

      expect(await a1.send('release')).toMatchObject({ held: false });
      expect(await addresses(h1)).not.toContain(`${VIP4}/24`);
      // Releasing again (nothing there) is fine and logs no error.
      expect(await a1.send('release')).toMatchObject({ held: false });
      expect([...a0.out.lines, ...a1.out.lines].filter((l) => l.includes('"log":"error"'))).toEqual([]);
    } finally {
      await a0.stop();
      await a1.stop();
    }
  });

  it('release right after acquire cancels the pending announcements', async () => {
    const agent = await startAgent(h1, [`${VIP4}/24`], 5, 100);
    try {
      const before = await announcements(h2);
      await agent.send('acquire');
      await agent.send('release');
      await sleep(800);
      expect((await announcements(h2)).garp - before.garp).toBeLessThanOrEqual(2);
      expect(await addresses(h1)).not.toContain(`${VIP4}/24`);
    } finally {
      await agent.stop();
    }
  });

  it('IPv6: added without DAD, an unsolicited neighbour advertisement moves a neighbour entry, release removes', async () => {
    const [mac0, mac1] = [await macOf(h0), await macOf(h1)];
    const a0 = await startAgent(h0, [`${VIP6}/64`], 3, 50);
    const a1 = await startAgent(h1, [`${VIP6}/64`], 3, 50);
    try {
      await a0.send('acquire');
      expect(await addresses(h0)).toContain(`${VIP6}/64`); // not "tentative": usable at once
      await poke(h2, VIP6);
      await waitUntil('h2 resolves the IPv6 VIP to h0', () => neighbour(h2, VIP6), (n) => n?.lladdr === mac0);
      await a0.send('release');
      expect((await addresses(h0)).some((a) => a.startsWith(`${VIP6}/`))).toBe(false);
      const before = await announcements(h2);
      await a1.send('acquire');
      expect(await addresses(h1)).toContain(`${VIP6}/64`);
      await waitUntil('h2 follows the neighbour advertisement to h1', () => neighbour(h2, VIP6), (n) => n?.lladdr === mac1, 2_000);
      await waitUntil('3 NAs from h1', () => announcements(h2), (c) => c.na - before.na >= 3, 3_000);
      await a1.send('release');
      expect((await addresses(h1)).some((a) => a.startsWith(`${VIP6}/`))).toBe(false);
      expect([...a0.out.lines, ...a1.out.lines].filter((l) => l.includes('"log":"error"'))).toEqual([]);
    } finally {
      await a0.stop();
      await a1.stop();
    }
  });

  it('release removes a stale address (left by a killed holder); IPv4 and IPv6 together; no fd leak', async () => {
    const add4 = await h0.exec(['ip', 'addr', 'add', `${VIP4}/24`, 'dev', 'eth0']);
    expect(add4.code, add4.stderr).toBe(0);
    const agent = await startAgent(h0, [`${VIP4}/24`, `${VIP6}/64`], 1, 10);
    try {
      await agent.send('release');
      const left = await addresses(h0);
      expect(left).not.toContain(`${VIP4}/24`);
      const first = await agent.send('cycle 20');
      const fdsAfterFirst = first.fds as number;
      await agent.send('cycle 50');
      const second = await agent.send('acquire');
      expect(await addresses(h0)).toEqual(expect.arrayContaining([`${VIP4}/24`, `${VIP6}/64`]));
      await agent.send('release');
      expect(second.fds).toBe(fdsAfterFirst);
      expect(agent.out.lines.filter((l) => l.includes('"log":"error"'))).toEqual([]);
    } finally {
      await agent.stop();
    }
  });

  it('setInterface follows a re-created NIC', async () => {
    const agent = await startAgent(h0, [`${VIP4}/24`], 1, 10);
    try {
      await agent.send('acquire');
      await h0.deleteNic('eth0');
      await h0.recreateNic('eth0');
      expect(await addresses(h0)).not.toContain(`${VIP4}/24`); // gone with the old NIC
      expect(await agent.send('reindex')).toMatchObject({ held: true });
      expect(await addresses(h0)).toContain(`${VIP4}/24`);
      await agent.send('release');
      expect(await addresses(h0)).not.toContain(`${VIP4}/24`);
      expect(agent.out.lines.filter((l) => l.includes('"log":"error"'))).toEqual([]);
    } finally {
      await agent.stop();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The CLI flag (wired into lib/cli/run.ts separately): the address follows the leader.

/** Gated on what the CLI test runs (dist/, built by `npm run build:ts`), not on the source. */
const cliHasVip = (() => {
  try {
    return /--vip/.test(readFileSync(resolve(__dirname, '../../dist/cli/usage.js'), 'utf8'));
  } catch {
    return false;
  }
})();
if (lanSupport().ok && !cliHasVip) console.log('skipping the --vip CLI test: the built CLI (dist/cli) has no --vip yet');

describeOnLan('multibully --vip (CLI, namespace LAN)', { hosts: 3, skipping: SKIPPING, skipIf: !cliHasVip }, (lan) => {
  /** The hosts that have the VIP on eth0, by index. */
  async function holders(hosts: readonly Host[]): Promise<number[]> {
    const has = await Promise.all(hosts.map(async (h) => (await addresses(h)).includes(`${VIP4}/24`)));
    return hosts.map((h) => h.index).filter((_, i) => has[i]);
  }

  it('exactly one live host holds the VIP; it moves on SIGKILL and on SIGTERM of the holder', async () => {
    const port = testPort();
    const hosts = lan.hosts;
    const nodes = hosts.map((h, i) =>
      CliNode.onHost(h, ['--interface', 'eth0', '--address', `239.77.0.1:${port}`, '--id', String(i + 1), '--heartbeat', '50', '--vip', `${VIP4}/24`]),
    );
    const BOUND_MS = 3_000;
    try {
      // The highest id leads and holds the VIP.
      expect(await waitUntil('h2 holds the VIP alone', () => holders(hosts), (h) => h.length === 1 && h[0] === 2, 15_000)).toEqual([2]);
      // SIGKILL: the address stays on the dead host's NIC (nobody can remove it), but the next
      // leader must add it among the live ones within the bound.
      nodes[2]!.kill('SIGKILL');
      await nodes[2]!.exited;
      await clearStale(hosts[2]!);
      expect(await waitUntil('h1 takes the VIP', () => holders(hosts.slice(0, 2)), (h) => h.length === 1 && h[0] === 1, BOUND_MS)).toEqual([1]);
      // SIGTERM: the holder removes it before resigning; the last node takes it.
      nodes[1]!.kill('SIGTERM');
      await nodes[1]!.exited;
      expect(await waitUntil('h0 takes the VIP, h1 dropped it', () => holders(hosts.slice(0, 2)), (h) => h.length === 1 && h[0] === 0, BOUND_MS)).toEqual([0]);
      expect(nodes[1]!.events.some((e) => e.event === 'stopped')).toBe(true);
      // The last one stops: no host holds the VIP.
      nodes[0]!.kill('SIGTERM');
      await nodes[0]!.exited;
      expect(await holders(hosts)).toEqual([]);
    } finally {
      for (const node of nodes) node.kill('SIGKILL');
      await Promise.all(nodes.map((n) => n.exited));
    }
  }, 60_000);

  /** A SIGKILLed holder leaves its address behind (as keepalived's does): clear it, as a restart would. */
  async function clearStale(host: Host): Promise<void> {
    await host.exec(['ip', 'addr', 'del', `${VIP4}/24`, 'dev', 'eth0']);
  }
});
