// Multicast exchange on the loopback interface: no root needed.
import { afterEach, describe, expect, it } from 'vitest';
import { MulticastSocket } from '../../lib/socket';
import { collect, loIndex, loSocket, randomGroupAndPort, sleep, waitUntil } from './helpers';

const open: MulticastSocket[] = [];
function track(socket: MulticastSocket): MulticastSocket {
  open.push(socket);
  return socket;
}
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

describe('MulticastSocket on lo', () => {
  it('delivers a group datagram to every socket sharing the port, with pktinfo and source', async () => {
    const { group, port } = randomGroupAndPort();
    const sender = track(loSocket(group, port));
    const receiver = track(loSocket(group, port));
    const got = collect(receiver);
    const payload = Buffer.from('hello group');
    expect(sender.send(payload, group, port)).toBe(true);
    await waitUntil(() => got.length >= 1, 5_000, 'datagram on lo');
    const d = got[0]!;
    expect(Buffer.compare(d.data, payload)).toBe(0);
    expect(d.interfaceIndex).toBe(loIndex());
    expect(d.destination).toBe(group);
    expect(d.port).toBe(port);
    expect(d.truncated).toBe(false);
    expect(sender.stats.sent).toBe(1);
    expect(receiver.stats.received).toBeGreaterThanOrEqual(1);
  });

  it('reports the TTL the datagram arrived with, and getTTL reads back setTTL (default 1)', async () => {
    const { group, port } = randomGroupAndPort();
    const sender = track(loSocket(group, port));
    const receiver = track(loSocket(group, port));
    const got = collect(receiver);
    expect(sender.getTTL()).toBe(1);
    sender.send(Buffer.from('a'), group, port);
    await waitUntil(() => got.length >= 1);
    expect(got[0]!.hopLimit).toBe(1);
    sender.setTTL(7);
    expect(sender.getTTL()).toBe(7);
    sender.send(Buffer.from('b'), group, port);
    await waitUntil(() => got.length >= 2);
    expect(got[1]!.hopLimit).toBe(7);
  });

  it('reads back the loopback option', () => {
    const socket = track(new MulticastSocket({ family: 4 }));
    socket.setLoopback(false);
    expect(socket.getLoopback()).toBe(false);
    socket.setLoopback(true);
    expect(socket.getLoopback()).toBe(true);
  });

  it('receives only the groups it joined, even when another socket on the port joined others (IP_MULTICAST_ALL off)', async () => {
    const { group, port } = randomGroupAndPort();
    const last = Number(group.split('.')[3]);
    const otherGroup = group.replace(/\d+$/, String(last >= 250 ? 1 : last + 1));
    expect(otherGroup).not.toBe(group);
    const joinedOther = track(loSocket(otherGroup, port));
    const joinedGroup = track(loSocket(group, port));
    const gotOther = collect(joinedOther);
    const gotGroup = collect(joinedGroup);
    joinedGroup.send(Buffer.from('to group'), group, port);
    joinedGroup.send(Buffer.from('to other'), otherGroup, port);
    await waitUntil(() => gotOther.length >= 1 && gotGroup.length >= 1);
    await sleep(100);
    expect(gotGroup.map((d) => d.destination)).toEqual([group]);
    expect(gotOther.map((d) => d.destination)).toEqual([otherGroup]);
  });

  it('flags and counts datagrams longer than maxDatagramSize as truncated', async () => {
    const { group, port } = randomGroupAndPort();
    const sender = track(loSocket(group, port));
    const receiver = track(loSocket(group, port, { maxDatagramSize: 16 }));
    const got = collect(receiver);
    sender.send(Buffer.alloc(100, 7), group, port);
    sender.send(Buffer.alloc(10, 8), group, port);
    await waitUntil(() => got.length >= 2);
    expect(got[0]!.truncated).toBe(true);
    expect(got[0]!.data.length).toBe(16);
    expect(got[1]!.truncated).toBe(false);
    expect(got[1]!.data.length).toBe(10);
    expect(receiver.stats.truncated).toBe(1);
  });

  it('a burst read in batches still arrives as one event per datagram, in order, each with its own bytes and fields', async () => {
    const { group, port } = randomGroupAndPort();
    const sender = track(loSocket(group, port));
    const receiver = track(loSocket(group, port, { maxDatagramSize: 24 }));
    const got = collect(receiver);
    // Sent in one synchronous run: all are queued before the receiver's next wake-up, which
    // reads them in batches of up to 64 (one recvmmsg and one call into JS per batch).
    const sent = Array.from({ length: 150 }, (_, i) => Buffer.alloc(1 + (i % 40), i & 0xff));
    for (const payload of sent) expect(sender.send(payload, group, port)).toBe(true);
    await waitUntil(() => got.length >= sent.length, 5_000, '150 datagrams');
    expect(got).toHaveLength(sent.length);
    for (const [i, d] of got.entries()) {
      const expected = sent[i]!.subarray(0, 24);
      expect(Buffer.compare(d.data, expected), `datagram ${i}`).toBe(0);
      expect(d.truncated).toBe(sent[i]!.length > 24);
      expect(d.destination).toBe(group);
      expect(d.port).toBe(port);
      expect(d.interfaceIndex).toBe(loIndex());
      expect(d.hopLimit).toBe(1);
      expect(typeof d.address).toBe('string');
    }
    // Datagrams of one batch may share an ArrayBuffer, never bytes: writing one leaves the others.
    got[0]!.data.fill(0xee);
    expect(Buffer.compare(got[1]!.data, sent[1]!)).toBe(0);
    expect(receiver.stats.received).toBe(sent.length);
    expect(receiver.stats.truncated).toBe(sent.filter((b) => b.length > 24).length);
  });

  it('sends the largest allowed IPv4 payload (65,507 bytes)', async () => {
    const { group, port } = randomGroupAndPort();
    const sender = track(loSocket(group, port));
    const receiver = track(loSocket(group, port));
    const got = collect(receiver);
    expect(sender.send(Buffer.alloc(65_507, 1), group, port)).toBe(true);
    await waitUntil(() => got.length >= 1);
    expect(got[0]!.data.length).toBe(65_507);
    expect(got[0]!.truncated).toBe(false);
  });

  it('stops receiving after leave()', async () => {
    const { group, port } = randomGroupAndPort();
    const sender = track(loSocket(group, port));
    const receiver = track(loSocket(group, port));
    const got = collect(receiver);
    sender.send(Buffer.from('1'), group, port);
    await waitUntil(() => got.length >= 1);
    receiver.leave(group, 'lo');
    sender.send(Buffer.from('2'), group, port);
    const senderGot = collect(sender);
    sender.send(Buffer.from('3'), group, port);
    await waitUntil(() => senderGot.length >= 1);
    await sleep(100);
    expect(got.map((d) => d.data.toString())).toEqual(['1']);
  });

  it('address() reports the bound port', () => {
    const socket = track(new MulticastSocket({ family: 4 }));
    socket.bind(0);
    const { address, port } = socket.address();
    expect(address).toBe('0.0.0.0');
    expect(port).toBeGreaterThan(0);
  });

  it('joins an IPv6 group on lo (sending needs a multicast-capable interface: see netns tests)', () => {
    const socket = track(new MulticastSocket({ family: 6 }));
    socket.bind(0);
    const resolved = socket.join('ff02::4d42', 'lo');
    expect(resolved.address).toBe('::1');
    expect(resolved.scopeId).toBe(loIndex());
    // Joining the same group twice on one interface is a kernel error, proving the first join happened.
    expect(() => socket.join('ff02::4d42', 'lo')).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
  });
});
