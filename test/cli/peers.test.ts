// Unicast peers mode (`--peer ADDR[:PORT]`, `--peers-file PATH`) across namespace hosts: a LAN
// whose hosts drop every multicast datagram (multicast mode cannot elect there, peers mode can),
// two subnets joined by a router, forged packets from a host that is not a peer, and a peers
// file edited while the nodes run.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { createV1Codec } from '../../lib/wire';
import { collectLines, describeOnLan, type Host, type SuiteLan } from '../lan';
import { CliNode, CLI_PATH, sleep, testPort, waitForAgreement, type CliEvent } from './cli-node';

/** One skip line for the file's LAN suites. */
const SKIPPING = 'unicast peers CLI tests';

const RECV = resolve(__dirname, '../lan/fixtures/mcast-recv.cjs');
const SEND = resolve(__dirname, '../lan/fixtures/mcast-send.cjs');
const UDP_SEND = resolve(__dirname, '../lan/fixtures/udp-send.cjs');

const GROUP = '239.77.0.1';
const GROUP_V6 = 'ff12::77:1';
const HEARTBEAT_MS = 100;
const MISSES = 3;
// Bounds several times what the timers allow (a busy 2-core machine), never tight timings.
const CONVERGE_MS = 10_000;
/** A peers file is re-read within ~1 s of a change; then a round of election. */
const FILE_CHANGE_MS = 1_000 + CONVERGE_MS;

/**
 * A CLI node whose SIGUSR1 "status" lines do not count as transitions (CliNode only skips
 * "conflict" lines), so waitForAgreement still reads the last leader/follower line.
 */
class PeerNode extends CliNode {
  override lastTransition(): CliEvent | undefined {
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i]!;
      if (e.event !== 'conflict' && e.event !== 'status') return e;
    }
    return undefined;
  }

  /** SIGUSR1, then the status line it prints (the first one after the signal). */
  async status(timeoutMs = 5_000): Promise<StatusLine> {
    const before = this.events.length;
    this.kill('SIGUSR1');
    const line = await this.waitFor((e) => e.event === 'status' && this.events.indexOf(e) >= before, timeoutMs, 'a status line after SIGUSR1');
    return line as unknown as StatusLine;
  }
}

interface StatusLine extends CliEvent {
  readonly state: string;
  readonly peers?: readonly string[];
  readonly counters: { readonly sent: number; readonly received: number; readonly dropped: Record<string, number> };
}

function startNode(lan: SuiteLan, host: Host, id: number, args: string[], name = `${host.name}#${id}`): PeerNode {
  const node = new PeerNode(name, host.spawnNode(CLI_PATH, ['--interface', 'eth0', '--id', String(id), '--heartbeat', String(HEARTBEAT_MS), '--misses', String(MISSES), ...args]));
  lan.killAfterAll(node);
  return node;
}

/** `--peer A --peer B …` for the hosts' eth0 IPv4 addresses (each node gets the same list: its own entry is skipped). */
function peerArgs(hosts: readonly Host[]): string[] {
  return hosts.flatMap((host) => ['--peer', host.eth0.ipv4]);
}

async function stopAll(nodes: readonly CliNode[]): Promise<void> {
  for (const node of nodes) node.kill('SIGKILL');
  await Promise.all(nodes.map((node) => node.exited));
}

/** Nodes whose last transition says they lead. */
function leaders(nodes: readonly CliNode[]): string[] {
  return nodes.filter((node) => node.lastTransition()?.event === 'leader').map((node) => node.lastTransition()!.id);
}

/** Polls until `condition` holds; throws with `what` (and the nodes' view) after timeoutMs. */
async function waitUntil(condition: () => boolean, timeoutMs: number, what: string, nodes: readonly CliNode[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      const seen = nodes.map((n) => `${n.name}→${n.lastTransition()?.event ?? 'nothing'}/${n.leaderId ?? '-'}`).join(', ');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${seen}); stderr: ${nodes.map((n) => n.stderr.trim()).filter(Boolean).join(' | ')}`);
    }
    await sleep(20);
  }
}

/** Sends `payload` (text, or a Buffer as hex) from `host`'s eth0 to to:port, with the fixture's bounded loop. */
async function sendUnicast(host: Host, to: string, port: number, payload: string | Buffer, extra: string[] = []): Promise<void> {
  const text = typeof payload === 'string' ? payload : `hex:${payload.toString('hex')}`;
  const result = await host.exec([process.execPath, UDP_SEND, `from=${host.eth0.ipv4}`, `to=${to}`, `port=${port}`, `payload=${text}`, ...extra]);
  expect(result.code, result.stderr).toBe(0);
}

/** A v1 packet as a real node would send it (the real encoder), from an identity of our choosing. */
function forgedPacket(type: 'election' | 'coordinator', from: { id: bigint; address: string; nonce: bigint }, term: bigint, seq: bigint): Buffer {
  return createV1Codec({ cluster: 'default' }).encode({ type, term, seq, flags: 0, from });
}

describeOnLan('peers mode on a LAN that carries no multicast', { hosts: 4, ipv6: true, skipping: SKIPPING }, (lan) => {
  beforeAll(async () => {
    for (const host of lan.hosts) await host.setMulticastDrop(true, 'eth0');
  });

  it('the LAN fixture: no IPv4 or IPv6 multicast reaches any host (and the rule counts it), unicast does', async () => {
    const [h0, h1] = lan.hosts as [Host, Host];
    const port = testPort();
    const group = collectLines(h1.spawnNode(RECV, ['eth0', h1.eth0.ipv4, GROUP, String(port)]));
    const direct = collectLines(h1.spawnNode(RECV, ['eth0', h1.eth0.ipv4, '-', String(port + 1)]));
    const group6 = collectLines(h1.spawnNode(RECV, ['eth0', h1.eth0.ipv6!, GROUP_V6, String(port + 2)]));
    await Promise.all([group.waitFor('ready', 15_000), direct.waitFor('ready', 15_000), group6.waitFor('ready', 15_000)]);
    const droppedBefore = await h1.multicastDropped();
    const sent = await h0.exec([process.execPath, SEND, 'eth0', h0.eth0.ipv4, GROUP, String(port), 'mcast', '5', '20']);
    expect(sent.code, sent.stderr).toBe(0);
    const sent6 = await h0.exec([process.execPath, SEND, 'eth0', h0.eth0.ipv6!, GROUP_V6, String(port + 2), 'mcast6', '5', '20']);
    expect(sent6.code, sent6.stderr).toBe(0);
    await sendUnicast(h0, h1.eth0.ipv4, port + 1, 'ucast', ['count=3', 'interval=20']);
    expect(await direct.waitFor('msg ucast')).toBe(`msg ucast from ${h0.eth0.ipv4}`);
    await sleep(300);
    expect(group.lines.filter((l) => l.startsWith('msg '))).toEqual([]);
    expect(group6.lines.filter((l) => l.startsWith('msg '))).toEqual([]);
    expect(await h1.multicastDropped()).toBeGreaterThanOrEqual(droppedBefore + 10);
  });

  it('multicast mode cannot elect there: the nodes lead alone', async () => {
    const port = testPort();
    const nodes = lan.hosts.slice(0, 3).map((host, i) => startNode(lan, host, i + 1, ['--address', `${GROUP}:${port}`]));
    try {
      await waitUntil(() => leaders(nodes).length === 3, CONVERGE_MS, 'every node to lead alone', nodes);
      // Several heartbeats later nobody has heard anybody: still three leaders, no follower ever.
      await sleep(10 * HEARTBEAT_MS);
      expect(leaders(nodes).sort()).toEqual(['1', '2', '3']);
      for (const node of nodes) expect(node.events.some((e) => e.event === 'follower'), node.name).toBe(false);
    } finally {
      await stopAll(nodes);
    }
  });

  it('peers mode elects the highest, replaces a SIGKILLed leader with the next highest, and hands over on SIGTERM', async () => {
    const port = testPort();
    const hosts = lan.hosts.slice(0, 3);
    const nodes = hosts.map((host, i) => startNode(lan, host, (i + 1) * 10, ['--address', String(port), ...peerArgs(hosts)]));
    try {
      await waitForAgreement(nodes, '30', CONVERGE_MS);
      expect(nodes[2]!.lastTransition()!.event).toBe('leader');
      for (const node of nodes.slice(0, 2)) expect(node.lastTransition()!.leader).toEqual({ id: '30', address: hosts[2]!.eth0.ipv4 });
      await sleep(5 * HEARTBEAT_MS);
      expect(leaders(nodes)).toEqual(['30']);
      const firstTerm = BigInt(nodes[2]!.lastTransition()!.term);

      // SIGKILL: no RESIGN, the survivors notice the silence and elect the next highest.
      nodes[2]!.kill('SIGKILL');
      await nodes[2]!.exited;
      await waitForAgreement(nodes.slice(0, 2), '20', CONVERGE_MS);
      expect(BigInt(nodes[1]!.lastTransition()!.term)).toBeGreaterThan(firstTerm);
      expect(nodes[0]!.lastTransition()!.leader).toEqual({ id: '20', address: hosts[1]!.eth0.ipv4 });
      await sleep(5 * HEARTBEAT_MS);
      expect(leaders(nodes.slice(0, 2))).toEqual(['20']);

      // SIGTERM: the leader resigns (a stopped line, exit 0) and the last node takes over.
      nodes[1]!.kill('SIGTERM');
      expect(await nodes[1]!.exited).toEqual({ code: 0, signal: null });
      expect(nodes[1]!.events.at(-1)).toMatchObject({ event: 'stopped', id: '20', leader: null });
      await waitForAgreement([nodes[0]!], '10', CONVERGE_MS);
      // Nothing failed along the way: no fault line, nothing fatal on stderr.
      for (const node of nodes) expect(node.events.some((e) => e.event === 'fault'), node.name).toBe(false);
    } finally {
      await stopAll(nodes);
    }
  });

  it('over IPv6, with a port of its own per node: elects the highest and fails over', async () => {
    const base = testPort();
    const hosts = lan.hosts.slice(0, 3);
    // Each node on its own port: the list names every peer's port ([addr]:port).
    const list = hosts.flatMap((host, i) => ['--peer', `[${host.eth0.ipv6!}]:${base + i}`]);
    const nodes = hosts.map((host, i) => startNode(lan, host, i + 1, ['--address', `[::]:${base + i}`, ...list], `${host.name}-v6`));
    try {
      await waitForAgreement(nodes, '3', CONVERGE_MS);
      expect(nodes[0]!.lastTransition()!.leader).toEqual({ id: '3', address: hosts[2]!.eth0.ipv6 });
      expect((await nodes[0]!.status()).peers).toEqual(hosts.map((host, i) => `[${host.eth0.ipv6!}]:${base + i}`));
      nodes[2]!.kill('SIGKILL');
      await waitForAgreement(nodes.slice(0, 2), '2', CONVERGE_MS);
      expect(nodes[0]!.lastTransition()!.leader).toEqual({ id: '2', address: hosts[1]!.eth0.ipv6 });
    } finally {
      await stopAll(nodes);
    }
  });

  it('a valid-looking packet from a host that is not a peer is dropped and counted; the same from a peer is heard', async () => {
    const port = testPort();
    const [h0, h1, h2, outsider] = lan.hosts as [Host, Host, Host, Host];
    // h2 is listed but runs no node (its sends are refused: counted, never fatal); h3 is not listed.
    const listed = [h0, h1, h2];
    const nodes = [h0, h1].map((host, i) => startNode(lan, host, i + 1, ['--address', String(port), ...peerArgs(listed)]));
    try {
      await waitForAgreement(nodes, '2', CONVERGE_MS);
      const before = await Promise.all(nodes.map((node) => node.status()));
      for (const status of before) expect(status.counters.dropped).toHaveProperty('not-peer');

      // From the outsider: ELECTIONs and COORDINATORs of a made-up id 1000 at a far higher term.
      const count = 5;
      const fromOutsider = { id: 1000n, address: outsider.eth0.ipv4, nonce: 11n };
      for (const node of [h0, h1]) {
        for (let k = 0; k < count; k++) {
          const seq = BigInt(2 * k + 1);
          await sendUnicast(outsider, node.eth0.ipv4, port, forgedPacket('election', fromOutsider, 500n, seq), ['count=1']);
          await sendUnicast(outsider, node.eth0.ipv4, port, forgedPacket('coordinator', fromOutsider, 500n, seq + 1n), ['count=1']);
        }
      }
      await sleep(5 * HEARTBEAT_MS);
      const after = await Promise.all(nodes.map((node) => node.status()));
      for (const [i, node] of nodes.entries()) {
        const grew = after[i]!.counters.dropped['not-peer']! - before[i]!.counters.dropped['not-peer']!;
        expect(grew, `${node.name} not-peer drops`).toBeGreaterThanOrEqual(2 * count);
        expect(node.leaderId, node.name).toBe('2');
        expect(node.events.some((e) => e.leader?.id === '1000'), node.name).toBe(false);
      }
      expect(nodes.every((node) => node.child.exitCode === null)).toBe(true);

      // Control: the same forgery from h2, a listed peer, is a leader the nodes follow (so what
      // kept them from following the outsider was its address, not the packet). The first node to
      // follow soon gives the silent forged leader up and elects at the next term, which the other
      // hears; so the second node's forgery has a term far above any such election.
      const fromPeer = { id: 1000n, address: h2.eth0.ipv4, nonce: 12n };
      for (const [i, node] of [h0, h1].entries()) {
        await sendUnicast(h2, node.eth0.ipv4, port, forgedPacket('coordinator', fromPeer, i === 0 ? 600n : 100_000n, BigInt(i + 1)), ['count=1']);
      }
      await Promise.all(nodes.map((node) => node.waitFor((e) => e.event === 'follower' && e.leader?.id === '1000', 5_000, 'following the forged leader from a peer')));
      // The forged leader falls silent: they elect among themselves again.
      await waitForAgreement(nodes, '2', CONVERGE_MS);
    } finally {
      await stopAll(nodes);
    }
  });

  it('a peers file edited while running: a listed newcomer is followed, a removed node is no longer heard, a bad edit is refused', async () => {
    const port = testPort();
    const dir = mkdtempSync(join(tmpdir(), 'mb-peers-'));
    lan.onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const [h0, h1, h2] = lan.hosts as [Host, Host, Host];
    const list = (hosts: Host[], comment = true): string => (comment ? '# peers of the test election\n\n' : '') + hosts.map((h) => `${h.eth0.ipv4}\n`).join('');
    const fileOf = [join(dir, 'h0.peers'), join(dir, 'h1.peers'), join(dir, 'h2.peers')];
    writeFileSync(fileOf[0]!, list([h0, h1]));
    writeFileSync(fileOf[1]!, list([h0, h1]));
    writeFileSync(fileOf[2]!, list([h0, h1, h2]));
    const nodes = [h0, h1, h2].map((host, i) => startNode(lan, host, i + 1, ['--address', String(port), '--peers-file', fileOf[i]!]));
    const [n1, n2, n3] = nodes as [PeerNode, PeerNode, PeerNode];
    try {
      // 1 and 2 list only each other: 3 sends to them but is not heard, and hears nobody.
      await waitForAgreement([n1, n2], '2', CONVERGE_MS);
      await n3.waitFor((e) => e.event === 'leader', CONVERGE_MS, 'node 3 to lead alone');
      await sleep(5 * HEARTBEAT_MS);
      expect(n1.leaderId).toBe('2');
      expect((await n1.status()).counters.dropped['not-peer']).toBeGreaterThan(0);

      // The files of 1 and 2 now list 3 (rewritten in place): 3 joins and, being highest, leads all.
      writeFileSync(fileOf[0]!, list([h0, h1, h2]));
      writeFileSync(fileOf[1]!, list([h0, h1, h2]));
      await waitForAgreement(nodes, '3', FILE_CHANGE_MS);
      expect(n1.lastTransition()!.leader).toEqual({ id: '3', address: h2.eth0.ipv4 });
      const all = [h0, h1, h2].map((h) => `${h.eth0.ipv4}:${port}`);
      expect((await n1.status()).peers).toEqual(all);

      // A file that becomes empty, then one with a bad line: errors on stderr, the list is kept.
      const eventsBefore = n1.events.filter((e) => e.event !== 'status').length;
      writeFileSync(fileOf[0]!, '# nothing left\n');
      await waitUntil(() => /peers/i.test(n1.stderr) && n1.stderr.includes(fileOf[0]!), 5_000, 'an error about the emptied peers file', [n1]);
      const stderrAfterEmpty = n1.stderr.length;
      writeFileSync(fileOf[0]!, `${h0.eth0.ipv4}\n${GROUP}\n`);
      await waitUntil(() => n1.stderr.length > stderrAfterEmpty && n1.stderr.slice(stderrAfterEmpty).includes(GROUP), 5_000, 'an error naming the multicast line', [n1]);
      await sleep(5 * HEARTBEAT_MS);
      expect(n1.child.exitCode).toBeNull();
      expect(n1.leaderId).toBe('3');
      expect(n1.events.filter((e) => e.event !== 'status')).toHaveLength(eventsBefore);

      // 3 is removed from the files of 1 and 2 (replaced by rename, as editors and config tools do):
      // its packets are dropped again and 2 leads them, though 3 still sends to them.
      for (const file of fileOf.slice(0, 2)) {
        writeFileSync(`${file}.new`, list([h0, h1], false));
        renameSync(`${file}.new`, file);
      }
      await waitForAgreement([n1, n2], '2', FILE_CHANGE_MS);
      expect((await n2.status()).peers).toEqual(all.slice(0, 2));
      const dropsThen = (await n1.status()).counters.dropped['not-peer']!;
      await sleep(5 * HEARTBEAT_MS);
      expect([n1.leaderId, n2.leaderId]).toEqual(['2', '2']);
      expect((await n1.status()).counters.dropped['not-peer']!).toBeGreaterThan(dropsThen);
      expect(n3.child.exitCode).toBeNull();
    } finally {
      await stopAll(nodes);
    }
  });

  it('an empty or missing peers file at start is a usage error: exit status 2 and a message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mb-peers-'));
    lan.onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const empty = join(dir, 'empty.peers');
    writeFileSync(empty, '# only a comment\n\n');
    const missing = join(dir, 'missing.peers');
    for (const path of [empty, missing]) {
      const node = startNode(lan, lan.hosts[0]!, 1, ['--address', String(testPort()), '--peers-file', path]);
      const exit = await node.exited;
      expect(exit, node.stderr).toEqual({ code: 2, signal: null });
      expect(node.stderr).toContain(path);
      expect(node.events.filter((e) => e.event === 'leader')).toEqual([]);
    }
  });
});

describeOnLan('peers mode across a router', { hosts: 4, eth0OnLanB: [2, 3], router: true, skipping: SKIPPING }, (lan) => {
  it('the LAN fixture: unicast crosses the router with the default TTL but not with TTL 1; multicast stays on its LAN', async () => {
    const [h0, h1, h2] = lan.hosts as [Host, Host, Host];
    expect([h0.eth0.ipv4, h2.eth0.ipv4]).toEqual(['10.77.1.1', '10.77.2.3']);
    expect(lan.router!.eth0.ipv4).toBe('10.77.1.254');
    const port = testPort();
    const remote = collectLines(h2.spawnNode(RECV, ['eth0', h2.eth0.ipv4, '-', String(port)]));
    const groupB = collectLines(h2.spawnNode(RECV, ['eth0', h2.eth0.ipv4, GROUP, String(port + 1)]));
    const groupA = collectLines(h1.spawnNode(RECV, ['eth0', h1.eth0.ipv4, GROUP, String(port + 1)]));
    await Promise.all([remote.waitFor('ready', 15_000), groupB.waitFor('ready', 15_000), groupA.waitFor('ready', 15_000)]);
    await sendUnicast(h0, h2.eth0.ipv4, port, 'ttl1', ['count=3', 'interval=20', 'ttl=1']);
    await sendUnicast(h0, h2.eth0.ipv4, port, 'default', ['count=3', 'interval=20']);
    expect(await remote.waitFor('msg default')).toBe(`msg default from ${h0.eth0.ipv4}`);
    const sent = await h0.exec([process.execPath, SEND, 'eth0', h0.eth0.ipv4, GROUP, String(port + 1), 'mcast', '3', '20']);
    expect(sent.code, sent.stderr).toBe(0);
    await groupA.waitFor('msg mcast');
    await sleep(300);
    expect(remote.lines.filter((l) => l.startsWith('msg ttl1'))).toEqual([]);
    expect(groupB.lines.filter((l) => l.startsWith('msg '))).toEqual([]);
  });

  it("a peer of another family than the NIC's address is refused at start: exit status 2 and a message", async () => {
    // This LAN has no IPv6 addresses, but the kernel still gives eth0 a link-local one: turn IPv6
    // off on h0's eth0, so its only address is 10.77.1.1.
    const host = lan.hosts[0]!;
    const off = await host.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.eth0.disable_ipv6=1']);
    expect(off.code, off.stderr).toBe(0);
    try {
      const node = startNode(lan, host, 1, ['--address', String(testPort()), '--peer', '[fd77:1::2]']);
      const exit = await node.exited;
      expect(exit, node.stderr).toEqual({ code: 2, signal: null });
      expect(node.stderr).toMatch(/IPv6/);
      expect(node.stderr).toMatch(/eth0/);
      expect(node.events.filter((e) => e.event === 'leader')).toEqual([]);
    } finally {
      await host.exec(['sysctl', '-q', '-w', 'net.ipv6.conf.eth0.disable_ipv6=0']);
    }
  });

  it('nodes on both subnets elect one leader with the default TTL; with --ttl 1 each subnet elects its own', async () => {
    const hosts = lan.hosts;
    const elect = (port: number, extra: string[]): PeerNode[] =>
      hosts.map((host, i) => startNode(lan, host, i + 1, ['--address', String(port), ...peerArgs(hosts), ...extra]));
    const across = elect(testPort(), []);
    try {
      await waitForAgreement(across, '4', CONVERGE_MS);
      expect(across[0]!.lastTransition()!.leader).toEqual({ id: '4', address: hosts[3]!.eth0.ipv4 });
      await sleep(5 * HEARTBEAT_MS);
      expect(leaders(across)).toEqual(['4']);
    } finally {
      await stopAll(across);
    }

    const ttl1 = elect(testPort(), ['--ttl', '1']);
    try {
      await waitForAgreement(ttl1.slice(0, 2), '2', CONVERGE_MS);
      await waitForAgreement(ttl1.slice(2), '4', CONVERGE_MS);
      await sleep(10 * HEARTBEAT_MS);
      expect(leaders(ttl1).sort()).toEqual(['2', '4']);
      // Nothing from the other side was ever heard; the refused sends are not fatal.
      for (const node of ttl1.slice(0, 2)) expect(node.events.some((e) => e.leader?.id === '4' || e.leader?.id === '3'), node.name).toBe(false);
      for (const node of ttl1.slice(2)) expect(node.events.some((e) => e.leader?.id === '2' || e.leader?.id === '1'), node.name).toBe(false);
      for (const node of ttl1) {
        expect(node.child.exitCode, node.name).toBeNull();
        expect(node.events.some((e) => e.event === 'fault'), node.name).toBe(false);
      }
    } finally {
      await stopAll(ttl1);
    }
  });
});
