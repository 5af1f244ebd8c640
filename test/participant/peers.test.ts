// Unicast peers (options.peers, setPeers(), peers): every bad input refused up front with a clear
// error, the canonical list, and elections over unicast on the loopback interface (IPv4 and
// IPv6): the highest leads, a stopped leader is replaced, a list changed at run time takes effect,
// a datagram from an address that is not a peer is dropped and counted, and a peer that refuses
// our datagrams is counted and warned about, never fatal.
import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Participant, type ParticipantOptions } from '../../lib/participant';
import { createV1Codec } from '../../lib/wire';
import { agreeOn, waitUntil } from './helpers';

const HEARTBEAT_MS = 50;
// Generous bounds (a busy 2-core machine): many times what the timers need.
const CONVERGE_MS = 10_000;

type Options = Omit<ParticipantOptions, 'peers'> & { peers?: unknown };

function make(options: Partial<Options> & { peers?: unknown }): Participant {
  return new Participant({ interface: 'lo', address: '7000', id: 1, heartbeatMs: HEARTBEAT_MS, ...options } as ParticipantOptions);
}

function thrown(run: () => unknown): Error & { code?: string } {
  try {
    run();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected it to throw, it did not');
}

/** Ports p, p+1, … that no other test uses (a fresh random base per test). */
function freshPorts(count: number): number[] {
  const base = randomInt(20_000, 60_000 - count);
  return Array.from({ length: count }, (_, i) => base + i);
}

const running: Participant[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((node) => node.stop()));
});

async function started(options: Partial<Options>): Promise<Participant> {
  const node = make(options);
  running.push(node);
  await node.start();
  return node;
}

function recordingLogger(): ParticipantOptions['logger'] & { warns: string[] } {
  const warns: string[] = [];
  return { warns, debug: () => {}, info: () => {}, error: () => {}, warn: (_o: unknown, m?: string) => void warns.push(String(m)) };
}

describe('peers: bad input is refused with a clear error', () => {
  const bad: Array<[string, Partial<Options>, RegExp]> = [
    ['an IPv4 multicast peer', { peers: ['10.0.1.5', '239.1.2.3'] }, /239\.1\.2\.3.*multicast|multicast.*239\.1\.2\.3/],
    ['an IPv6 multicast peer', { address: '[::]:7000', peers: ['[ff02::1]'] }, /multicast/],
    ['an empty list', { peers: [] }, /empty/],
    ['a peer given twice', { peers: ['10.0.1.5', '10.0.1.6', '10.0.1.5'] }, /10\.0\.1\.5/],
    ['a peer given twice, once with the default port spelled out', { peers: ['10.0.1.5', '10.0.1.5:7000'] }, /10\.0\.1\.5/],
    ['an IPv6 peer with an IPv4 local address', { address: '0.0.0.0:7000', peers: ['[fd00::7]'] }, /IPv6|IPv4|family/],
    ['an IPv4 peer with an IPv6 local address', { address: '[::]:7000', peers: ['10.0.1.5'] }, /IPv6|IPv4|family/],
    ['a list mixing families', { peers: ['10.0.1.5', '[fd00::7]'] }, /IPv6|IPv4|family/],
    ['a multicast group as the address', { address: '239.1.2.3:7000', peers: ['10.0.1.5'] }, /239\.1\.2\.3|multicast|group/],
    ['wire go', { wire: 'go', peers: ['10.0.1.5'] }, /go/i],
    ['a peer that is not an address', { peers: ['banana'] }, /banana/],
    ['a peer port of 0', { peers: ['10.0.1.5:0'] }, /10\.0\.1\.5:0|port/],
    ['a peer port above 65535', { peers: ['10.0.1.5:65536'] }, /65536|port/],
    ['a local port above 65535', { address: '70000', peers: ['10.0.1.5'] }, /70000|port/],
    ['ttl 0', { ttl: 0, peers: ['10.0.1.5'] }, /ttl/],
  ];

  it.each(bad)('refuses %s', (_what, options, message) => {
    const error = thrown(() => make(options));
    expect(error).toBeInstanceOf(Error);
    expect(error.code, error.message).toMatch(/^ERR_/);
    expect(error.message).toMatch(message);
  });

  it.each([
    ['a string instead of a list', '10.0.1.5'],
    ['a list of numbers', [10]],
  ])('refuses %s as a TypeError', (_what, peers) => {
    const error = thrown(() => make({ peers }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toMatch(/^ERR_/);
    expect(error.message).toMatch(/peers/);
  });

  it('setPeers applies the same rules, and a refused list leaves the old one in force', () => {
    const node = make({ peers: ['10.0.1.5', '10.0.1.6'] });
    const before = node.peers;
    for (const [list, message] of [
      [[], /empty/],
      [['239.1.2.3'], /multicast/],
      [['10.0.1.5', '10.0.1.5'], /10\.0\.1\.5/],
      [['[fd00::7]'], /IPv6|IPv4|family/],
      [['banana'], /banana/],
    ] as Array<[string[], RegExp]>) {
      const error = thrown(() => node.setPeers(list));
      expect(error.code, error.message).toMatch(/^ERR_/);
      expect(error.message).toMatch(message);
      expect(node.peers).toEqual(before);
    }
  });

  it('setPeers on a multicast participant is refused', () => {
    const node = new Participant({ interface: 'lo', address: `239.77.0.42:${freshPorts(1)[0]}`, id: 1 });
    expect(node.peers).toBeUndefined();
    const error = thrown(() => node.setPeers(['10.0.1.5']));
    expect(error.code).toMatch(/^ERR_/);
    expect(error.message).toMatch(/peers/);
  });
});

describe('peers: the canonical list', () => {
  it("gives 'addr:port' with the local port as the default, and takes every spelling of the local address", () => {
    for (const address of ['7000', '0.0.0.0:7000']) {
      const node = make({ address, peers: ['10.0.1.5', '10.0.2.7:7001'] });
      expect(node.peers).toEqual(['10.0.1.5:7000', '10.0.2.7:7001']);
      expect(node.group).toBeUndefined();
    }
  });

  it('writes IPv6 peers as [addr]:port in RFC 5952 form', () => {
    const node = make({ address: '[::]:7000', peers: ['[FD00:0:0::7]', '[fd00::8]:7001'] });
    expect(node.peers).toEqual(['[fd00::7]:7000', '[fd00::8]:7001']);
  });

  it('setPeers replaces the list', () => {
    const node = make({ peers: ['10.0.1.5'] });
    node.setPeers(['10.0.1.6:7002', '10.0.1.7']);
    expect(node.peers).toEqual(['10.0.1.6:7002', '10.0.1.7:7000']);
  });
});

describe('peers: elections over unicast on the loopback interface', () => {
  it('three nodes with one list elect the highest, and a stopped leader is replaced by the next', async () => {
    const ports = freshPorts(3);
    const list = ports.map((port) => `127.0.0.1:${port}`);
    const nodes = await Promise.all(ports.map((port, i) => started({ address: String(port), peers: list, id: i + 1 })));
    await waitUntil(() => agreeOn(nodes, 3n), CONVERGE_MS, 'agreement on 3');
    expect(nodes[0]!.leader).toMatchObject({ id: 3n, address: '127.0.0.1' });
    expect(nodes.map((node) => node.state)).toEqual(['follower', 'follower', 'leader']);
    expect(nodes[0]!.counters.received).toBeGreaterThan(0);
    // Once all are up nothing is refused, and the own entry of the list is skipped, not sent to
    // (the leader would hear its own heartbeats: 'own' drops). (Sends before a peer had bound its
    // port may have been refused: they started one after another.)
    const before = nodes.map((node) => node.counters);
    await new Promise((done) => setTimeout(done, 5 * HEARTBEAT_MS));
    for (const [i, node] of nodes.entries()) {
      expect(node.counters.peerUnreachable, node.self.id.toString()).toBe(before[i]!.peerUnreachable);
      expect(node.counters.dropped.own, node.self.id.toString()).toBe(before[i]!.dropped.own);
    }
    expect(nodes[2]!.counters.sent).toBeGreaterThan(before[2]!.sent);
    await nodes[2]!.stop();
    await waitUntil(() => agreeOn(nodes.slice(0, 2), 2n), CONVERGE_MS, 'agreement on 2 after the leader stopped');
  });

  it('elects over IPv6 on lo ([::1]), with the leader at ::1', async () => {
    const ports = freshPorts(2);
    const list = ports.map((port) => `[::1]:${port}`);
    const nodes = await Promise.all(ports.map((port, i) => started({ address: `[::]:${port}`, peers: list, id: i + 1 })));
    await waitUntil(() => agreeOn(nodes, 2n), CONVERGE_MS, 'agreement on 2 over IPv6');
    expect(nodes[0]!.leader).toMatchObject({ id: 2n, address: '::1' });
    expect(nodes[0]!.peers).toEqual(list);
  });

  it('setPeers at run time: two nodes that list only themselves lead alone, then elect one leader once they list each other', async () => {
    const [pa, pb] = freshPorts(2) as [number, number];
    const a = await started({ address: String(pa), peers: [`127.0.0.1:${pa}`], id: 1 });
    const b = await started({ address: String(pb), peers: [`127.0.0.1:${pb}`], id: 2 });
    await waitUntil(() => a.state === 'leader' && b.state === 'leader', CONVERGE_MS, 'both to lead alone');
    await new Promise((done) => setTimeout(done, 5 * HEARTBEAT_MS));
    expect([a.state, b.state]).toEqual(['leader', 'leader']);
    const both = [`127.0.0.1:${pa}`, `127.0.0.1:${pb}`];
    a.setPeers(both);
    b.setPeers(both);
    expect(a.peers).toEqual(both);
    await waitUntil(() => agreeOn([a, b], 2n), CONVERGE_MS, 'agreement on 2 after setPeers');
    // b stops sending to a: a loses its leader and leads alone again.
    b.setPeers([`127.0.0.1:${pb}`]);
    await waitUntil(() => a.state === 'leader', CONVERGE_MS, 'a to lead once b no longer sends to it');
    expect(b.state).toBe('leader');
  });

  it('a datagram from an address that is not a peer is dropped and counted; the same from a peer address is heard', async () => {
    const [pa, pb] = freshPorts(2) as [number, number];
    const list = [`127.0.0.1:${pa}`, `127.0.0.1:${pb}`];
    const logger = recordingLogger();
    const a = await started({ address: String(pa), peers: list, id: 1, logger });
    const b = await started({ address: String(pb), peers: list, id: 2 });
    await waitUntil(() => agreeOn([a, b], 2n), CONVERGE_MS, 'agreement on 2');
    const codec = createV1Codec({ cluster: 'default' });
    const coordinators = (address: string, nonce: bigint, count: number) =>
      Array.from({ length: count }, (_, i) => codec.encode({ type: 'coordinator', term: 1_000n, seq: BigInt(i + 1), flags: 0, from: { id: 1_000n, address, nonce } }));
    // 127.0.0.2 is this host too (lo carries 127/8), but it is not in the list.
    const dropsBefore = a.counters.dropped['not-peer'];
    await sendFrom('127.0.0.2', pa, coordinators('127.0.0.2', 5n, 3));
    await waitUntil(() => a.counters.dropped['not-peer'] >= dropsBefore + 3, 5_000, 'three not-peer drops');
    await new Promise((done) => setTimeout(done, 3 * HEARTBEAT_MS));
    expect(a.leader?.id).toBe(2n);
    expect(logger.warns.some((w) => w.includes('127.0.0.2') && w.includes('not-peer'))).toBe(true);
    // Control: the very same kind of packet from 127.0.0.1 (a peer's address) is a leader to follow.
    await sendFrom('127.0.0.1', pa, coordinators('127.0.0.1', 6n, 1));
    await waitUntil(() => a.leader?.id === 1_000n, 5_000, 'a to follow the packet from a peer address');
  });

  it('a peer that refuses our datagrams (nothing on its port) is counted and warned about, rate-limited, never fatal', async () => {
    const [pa, closed] = freshPorts(2) as [number, number];
    const logger = recordingLogger();
    const a = await started({ address: String(pa), peers: [`127.0.0.1:${pa}`, `127.0.0.1:${closed}`], id: 1, logger });
    await waitUntil(() => a.state === 'leader', CONVERGE_MS, 'a to lead');
    await waitUntil(() => a.counters.peerUnreachable >= 5, CONVERGE_MS, 'five refused sends');
    await new Promise((done) => setTimeout(done, 20 * HEARTBEAT_MS));
    expect(a.state).toBe('leader');
    expect(a.counters.faults['send-failing']).toBe(0);
    const warned = logger.warns.filter((w) => w.includes(String(closed)));
    expect(warned.length).toBeGreaterThanOrEqual(1);
    // ~20 refused heartbeats (and more) in a second: a handful of lines at most.
    expect(warned.length).toBeLessThanOrEqual(3);
    expect(a.counters.peerUnreachable).toBeGreaterThan(warned.length);
  });

  it('a peer with no route to it (an IPv6 address lo cannot reach) is not fatal: the node starts, leads and counts it', async () => {
    const [port] = freshPorts(1) as [number];
    const logger = recordingLogger();
    const a = await started({ address: String(port), peers: [`[::1]:${port}`, `[fd77:99::2]:${port}`], id: 1, logger });
    await waitUntil(() => a.state === 'leader', CONVERGE_MS, 'a to lead');
    await waitUntil(() => a.counters.peerUnreachable >= 3, CONVERGE_MS, 'sends to the unroutable peer counted');
    expect(a.counters.faults['send-failing']).toBe(0);
    expect(logger.warns.some((w) => w.includes('[fd77:99::2]') && w.includes('no route'))).toBe(true);
  });
});

/** Sends the packets, 10 ms apart, from a socket bound to `from` (a loopback address) to 127.0.0.1:port. */
function sendFrom(from: string, port: number, packets: readonly Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, from, () => {
      let sent = 0;
      const next = (): void => {
        if (sent === packets.length) {
          socket.close();
          return resolve();
        }
        socket.send(packets[sent++]!, port, '127.0.0.1', (error) => (error ? (socket.close(), reject(error)) : setTimeout(next, 10)));
      };
      next();
    });
  });
}
