import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Participant, type ParticipantOptions } from '../../lib/participant';
import type { Logger } from '../../lib/participant/logger';
import { MulticastSocket } from '../../lib/socket';
import { createV1Codec } from '../../lib/wire';
import type { Message } from '../../lib/core/types';
import { agreeOn, freshGroup, GROUP, participants, waitUntil } from './helpers';

const CONVERGE_MS = 5_000;
let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

function track(nodes: Participant[]): Participant[] {
  cleanup.push(() => Promise.all(nodes.map((node) => node.stop())));
  return nodes;
}

/** A raw socket on the group, for sending forged packets and overhearing real ones. */
function rawSocket(port: number): MulticastSocket {
  const socket = new MulticastSocket({ family: 4 });
  socket.bind(port);
  socket.join(GROUP, 'lo');
  socket.setMulticastInterface('lo');
  socket.setLoopback(true);
  cleanup.push(() => socket.close());
  return socket;
}

describe('Participant on lo', () => {
  it('three participants in one process elect the highest id', async () => {
    const { address, cluster } = freshGroup();
    const nodes = track(participants([1, 3, 2], { address, cluster }));
    const followers: Array<{ id: bigint; address: string }> = [];
    nodes[0]!.on('follower', ({ leader }) => followers.push({ id: leader.id, address: leader.address }));
    const leaderTerms: bigint[] = [];
    nodes[1]!.on('leader', ({ term }) => leaderTerms.push(term));
    for (const node of nodes) await node.start();
    await waitUntil(() => agreeOn(nodes, 3n), CONVERGE_MS, 'agreement on 3');
    expect(nodes[1]!.state).toBe('leader');
    expect(nodes[0]!.state).toBe('follower');
    expect(nodes[0]!.leader).toEqual({ id: 3n, address: '127.0.0.1' });
    expect(followers.at(-1)).toEqual({ id: 3n, address: '127.0.0.1' });
    expect(leaderTerms.length).toBeGreaterThan(0);
    expect(nodes[0]!.term).toBe(nodes[1]!.term);
    expect(nodes[1]!.counters.sent).toBeGreaterThan(0);
    expect(nodes[0]!.counters.received).toBeGreaterThan(0);
    expect(nodes[0]!.counters.dropped.own).toBeGreaterThan(0);
  });

  it('stop() of the leader sends RESIGN and the next highest takes over', async () => {
    const { address, cluster, port } = freshGroup();
    // Slow failure detection (10 × 100 ms) so a quick handover can only come from RESIGN.
    const nodes = track(participants([1, 2, 3], { address, cluster, heartbeatMs: 100, misses: 10 }));
    for (const node of nodes) await node.start();
    await waitUntil(() => agreeOn(nodes, 3n), CONVERGE_MS, 'agreement on 3');
    const overheard: Message[] = [];
    const codec = createV1Codec({ cluster });
    rawSocket(port).on('message', (datagram) => {
      const decoded = codec.decode(datagram.data);
      if (decoded.ok) overheard.push(decoded.message);
    });
    const oldTerm = nodes[2]!.term;
    const states: string[] = [];
    nodes[2]!.on('state', ({ to }) => states.push(to));
    await nodes[2]!.stop();
    expect(nodes[2]!.state).toBe('stopped');
    expect(states).toContain('stopped');
    const tookMs = await waitUntil(() => agreeOn(nodes.slice(0, 2), 2n), CONVERGE_MS, 'agreement on 2');
    expect(overheard.some((m) => m.type === 'resign' && m.from.id === 3n)).toBe(true);
    expect(tookMs).toBeLessThan(10 * 100);
    expect(nodes[1]!.term).toBeGreaterThan(oldTerm);
  });

  it('an AbortSignal stops the participant and closes its socket', async () => {
    const { address, cluster } = freshGroup();
    // Sockets of earlier tests close asynchronously (libuv); let them settle first.
    await new Promise((done) => setTimeout(done, 100));
    const fdsBefore = openFds();
    const controller = new AbortController();
    const node = new Participant({ address, cluster, interface: 'lo', id: 9, heartbeatMs: 50, signal: controller.signal });
    cleanup.push(() => node.stop());
    await node.start();
    expect(openFds()).toBe(fdsBefore + 2); // the socket and the interface monitor's netlink socket
    await waitUntil(() => node.state === 'leader', CONVERGE_MS, 'a lone node to lead');
    const stopped = new Promise((done) => node.on('state', ({ to }) => to === 'stopped' && done(to)));
    controller.abort();
    await stopped;
    expect(node.state).toBe('stopped');
    await waitUntil(() => openFds() === fdsBefore, 2_000, 'the socket fd to close');
  });

  it('rejects start() with an already aborted signal, and a second start()', async () => {
    const { address, cluster } = freshGroup();
    const aborted = new Participant({ address, cluster, interface: 'lo', id: 1, signal: AbortSignal.abort() });
    await expect(aborted.start()).rejects.toThrow();
    const node = new Participant({ address, cluster, interface: 'lo', id: 1 });
    cleanup.push(() => node.stop());
    await node.start();
    await expect(node.start()).rejects.toMatchObject({ code: 'ERR_MULTIBULLY_STARTED' });
  });

  it('counts forged and garbage packets as drops without throwing', async () => {
    const { address, cluster, port } = freshGroup();
    const [node] = track(participants([5], { address, cluster }));
    const errors: Error[] = [];
    node!.on('error', (error) => errors.push(error));
    await node!.start();
    const raw = rawSocket(port);
    raw.send(Buffer.from('garbage that is not a multibully packet'), GROUP, port);
    raw.send(Buffer.alloc(3), GROUP, port);
    const otherCluster = createV1Codec({ cluster: 'someone-else' });
    raw.send(otherCluster.encode({ type: 'election', term: 0n, from: { id: 77n, address: '127.0.0.1', nonce: 1n }, seq: 1n, flags: 0 }), GROUP, port);
    await waitUntil(() => node!.counters.dropped['other-cluster'] >= 1 && totalDrops(node!) - node!.counters.dropped.own >= 3, 2_000, 'three drops');
    expect(node!.counters.dropped['other-cluster']).toBe(1);
    expect(errors).toEqual([]);
    expect(node!.state).not.toBe('follower');
  });

  it('ignores a participant with the wrong secret (counted as bad-tag)', async () => {
    const { address, cluster } = freshGroup();
    const [low] = track(participants([1], { address, cluster, secret: 'the-right-secret-0123456789' }));
    const [high] = track(participants([2], { address, cluster, secret: 'the-WRONG-secret-0123456789' }));
    await low!.start();
    await high!.start();
    await waitUntil(() => low!.counters.dropped['bad-tag'] >= 3 && low!.state === 'leader' && high!.state === 'leader', CONVERGE_MS, 'bad-tag drops and two lone leaders');
    // Several more of the intruder's heartbeats: still ignored.
    const seen = low!.counters.dropped['bad-tag'];
    await waitUntil(() => low!.counters.dropped['bad-tag'] >= seen + 3, CONVERGE_MS, 'more bad-tag drops');
    expect(low!.state).toBe('leader');
    expect(low!.leader?.id).toBe(1n);
    expect(high!.state).toBe('leader');
  });

  it('followers learn the leader metadata', async () => {
    const { address, cluster } = freshGroup();
    const nodes = track(participants([1, 2], { address, cluster, metadata: 'http://leader:8080' }));
    for (const node of nodes) await node.start();
    await waitUntil(() => agreeOn(nodes, 2n) && nodes[0]!.leader?.metadata !== undefined, CONVERGE_MS, 'metadata');
    expect(Buffer.from(nodes[0]!.leader!.metadata!).toString()).toBe('http://leader:8080');
  });

  it('raises conflict when another live node uses the same id and address', async () => {
    const { address, cluster } = freshGroup();
    const nodes = track(participants([4, 4], { address, cluster }));
    const conflicts: unknown[] = [];
    nodes[0]!.on('conflict', (c) => conflicts.push(c));
    nodes[1]!.on('conflict', (c) => conflicts.push(c));
    for (const node of nodes) await node.start();
    await waitUntil(() => conflicts.length > 0, CONVERGE_MS, 'a conflict event');
    expect(conflicts[0]).toMatchObject({ other: { id: 4n, address: '127.0.0.1' } });
  });

  it('passes logs to the logger option and is silent by default', async () => {
    const { address, cluster } = freshGroup();
    const entries: string[] = [];
    const record = (level: string) => (obj: unknown, msg?: string) => entries.push(`${level} ${typeof obj === 'string' ? obj : msg}`);
    const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    const writes = vi.spyOn(process.stderr, 'write');
    const outWrites = vi.spyOn(process.stdout, 'write');
    const consoleLog = vi.spyOn(console, 'log');
    try {
      const [logged] = track(participants([1], { address, cluster, logger }));
      const [silent] = track(participants([2], { address: freshGroup().address, cluster }));
      await logged!.start();
      await silent!.start();
      await waitUntil(() => silent!.state === 'leader' && logged!.state === 'leader', CONVERGE_MS, 'both to lead');
      await logged!.stop();
      await silent!.stop();
      expect(entries).toContain('info participant started');
      expect(entries.some((e) => e.startsWith('info state change'))).toBe(true);
      expect(writes).not.toHaveBeenCalled();
      expect(outWrites).not.toHaveBeenCalled();
      expect(consoleLog).not.toHaveBeenCalled();
    } finally {
      writes.mockRestore();
      outWrites.mockRestore();
      consoleLog.mockRestore();
    }
  });

  it('elects with the Go wire format too', async () => {
    const { address } = freshGroup();
    const nodes = track(participants([10, 20], { address, wire: 'go', heartbeatMs: undefined } as Partial<ParticipantOptions> & { address: string }));
    for (const node of nodes) await node.start();
    await waitUntil(() => agreeOn(nodes, 20n), 10_000, 'agreement on 20 (go mode)');
    expect(nodes[0]!.term).toBe(0n);
  });
});

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

function totalDrops(node: Participant): number {
  return Object.values(node.counters.dropped).reduce((a, b) => a + b, 0);
}

describe('listener exceptions', () => {
  it('are not swallowed: they surface as uncaught exceptions and the participant keeps running', () => {
    const result = spawnSync(process.execPath, [join(__dirname, 'fixtures/throwing-listener.cjs')], { encoding: 'utf8', timeout: 20_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')).toEqual(['uncaught: listener boom', 'state after: leader, thrown 1', 'stopped: stopped', '']);
    expect(result.status).toBe(0);
  });
});

describe('start() with a throwing listener', () => {
  it('resolves with the participant running; the exception surfaces as uncaught', () => {
    const result = spawnSync(process.execPath, [join(__dirname, 'fixtures/throwing-start-listener.cjs')], { encoding: 'utf8', timeout: 20_000 });
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    // The exception is rethrown on nextTick: after start() has settled but before the timers run.
    expect(lines).toEqual(['uncaught: start listener boom', 'start resolved: candidate', 'later: leader, sending true', 'stopped: stopped', '']);
    expect(result.status).toBe(0);
  });
});

describe('event delivery after stop()', () => {
  it('a listener that stops the participant ends the batch: nothing is delivered after stopped', async () => {
    const { address, cluster } = freshGroup();
    const [node] = track(participants([7], { address, cluster }));
    const seen: string[] = [];
    node!.on('state', ({ to }) => seen.push(`state:${to}`));
    node!.on('leader', () => seen.push('leader'));
    // Becoming leader is one batch: state → leader, then the 'leader' event.
    node!.on('state', ({ to }) => {
      if (to === 'leader') void node!.stop();
    });
    await node!.start();
    await waitUntil(() => node!.state === 'stopped', CONVERGE_MS, 'the node to stop itself');
    await new Promise((done) => setTimeout(done, 50));
    expect(seen.slice(-2)).toEqual(['state:leader', 'state:stopped']);
    expect(seen).not.toContain('leader');
  });
});

describe('unicast datagrams', () => {
  it('are dropped as not-group and never change the election', async () => {
    const { address, cluster, port } = freshGroup();
    const [node] = track(participants([5], { address, cluster }));
    await node!.start();
    await waitUntil(() => node!.state === 'leader', CONVERGE_MS, 'a lone leader');
    const codec = createV1Codec({ cluster });
    const from = { id: 99n, address: '127.0.0.2', nonce: 123n };
    const coordinator = (seq: bigint): Uint8Array => codec.encode({ type: 'coordinator', term: node!.term + 5n, from, seq, flags: 0 });
    const unicast = createSocket('udp4');
    cleanup.push(() => new Promise((done) => unicast.close(() => done(undefined))));
    await new Promise<void>((done, fail) => unicast.send(coordinator(1n), port, '127.0.0.1', (error) => (error ? fail(error) : done())));
    await waitUntil(() => node!.counters.dropped['not-group'] >= 1, 2_000, 'a not-group drop');
    expect(node!.state).toBe('leader');
    expect(node!.leader?.id).toBe(5n);
    // Control: the same message sent to the group is accepted, so only the destination mattered.
    rawSocket(port).send(coordinator(2n), GROUP, port);
    await waitUntil(() => node!.leader?.id === 99n, 2_000, 'following 99 after the group copy');
    expect(node!.counters.dropped['not-group']).toBe(1);
  });
});

describe('state outside a run', () => {
  it("reads 'stopped' after stop() before start(), and start() then refuses", async () => {
    const { address, cluster } = freshGroup();
    const node = new Participant({ address, cluster, interface: 'lo', id: 1 });
    expect(node.state).toBe('idle');
    await node.stop();
    expect(node.state).toBe('stopped');
    await expect(node.start()).rejects.toMatchObject({ code: 'ERR_MULTIBULLY_STARTED' });
  });

  it("reads 'stopped' after a start() that failed", async () => {
    const { address, cluster } = freshGroup();
    const node = new Participant({ address, cluster, interface: 'lo', id: 1, signal: AbortSignal.abort() });
    await expect(node.start()).rejects.toThrow();
    expect(node.state).toBe('stopped');
  });
});

