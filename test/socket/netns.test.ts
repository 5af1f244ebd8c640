// The socket on a real (namespace) LAN: exact NIC for receive and send, loopback, TTL, IPv6.
// h0 and h2 have eth0 on LAN A and eth1 on LAN B; h1 is on LAN A only.
import * as os from 'node:os';
import { beforeAll, expect, it } from 'vitest';
import { describeOnLan } from '../lan';
import { Agent, settle } from './agent';

let nextPort = 30_000 + Math.floor(Math.random() * 20_000);
const port = (): number => nextPort++;
let nextGroup = 1;
const group4 = (): string => `239.77.3.${nextGroup++}`;
const group6 = (): string => `ff02::4d42:${(nextGroup++).toString(16)}`;

describeOnLan('MulticastSocket on a namespace LAN', { hosts: 3, lanB: [0, 2], ipv6: true, skipping: 'socket namespace tests' }, (lan) => {
  let h0: Agent;
  let h1: Agent;
  let h2: Agent;

  beforeAll(async () => {
    [h0, h1, h2] = await Promise.all(lan.hosts.map((host) => new Agent(host).start()));
  });

  it('two hosts exchange group datagrams on the chosen NIC, with its index and the group as destination', async () => {
    const group = group4();
    const p = port();
    await h0.listen('rx', 4, group, p, ['eth0']);
    await h1.sender('tx', 4, 'eth0');
    await h1.call('send', { id: 'tx', address: group, port: p, data: 'hello' });
    const d = await h0.waitFor('rx', (m) => m.data === 'hello', 'hello');
    expect(d.interfaceIndex).toBe(await h0.interfaceIndex('eth0'));
    expect(d.destination).toBe(group);
    expect(d.address).toBe(lan.hosts[1]!.eth0.ipv4);
  });

  it('a socket joined on eth1 hears only LAN B, one joined on eth0 only LAN A (same host, same port, same group)', async () => {
    const group = group4();
    const p = port();
    await h0.listen('onA', 4, group, p, ['eth0']);
    await h0.listen('onB', 4, group, p, ['eth1']);
    await h1.sender('txA', 4, 'eth0');
    await h2.sender('txB', 4, 'eth1');
    await h1.call('send', { id: 'txA', address: group, port: p, data: 'from A' });
    await h2.call('send', { id: 'txB', address: group, port: p, data: 'from B' });
    const fromA = await h0.waitFor('onA', (m) => m.data === 'from A', 'LAN A datagram');
    const fromB = await h0.waitFor('onB', (m) => m.data === 'from B', 'LAN B datagram');
    await settle();
    expect(h0.of('onA').map((m) => m.data)).toEqual(['from A']);
    expect(h0.of('onB').map((m) => m.data)).toEqual(['from B']);
    expect(fromA.interfaceIndex).toBe(await h0.interfaceIndex('eth0'));
    expect(fromB.interfaceIndex).toBe(await h0.interfaceIndex('eth1'));
  });

  it('sends out of eth1 when told to, even though routes point out of eth0', async () => {
    const host = lan.hosts[0]!;
    // A default route via an address nobody has on LAN A: only the multicast interface option
    // can make the datagram leave through eth1. Nothing leaves the namespaces.
    const route = await host.exec(['ip', 'route', 'replace', 'default', 'via', '10.77.1.250', 'dev', 'eth0']);
    expect(route.code).toBe(0);
    const group = group4();
    const p = port();
    await h1.listen('rx', 4, group, p, ['eth0']);
    await h2.listen('rxA', 4, group, p, ['eth0']);
    await h2.listen('rxB', 4, group, p, ['eth1']);
    await h0.sender('viaB', 4, 'eth1');
    await h0.sender('viaA', 4, 'eth0');
    await h0.call('send', { id: 'viaB', address: group, port: p, data: 'via B' });
    await h2.waitFor('rxB', (m) => m.data === 'via B', 'datagram sent via eth1');
    // Control: the LAN A listeners work, so their silence above means something.
    await h0.call('send', { id: 'viaA', address: group, port: p, data: 'via A' });
    await h1.waitFor('rx', (m) => m.data === 'via A', 'datagram sent via eth0');
    await settle();
    expect(h1.of('rx').map((m) => m.data)).toEqual(['via A']);
    expect(h2.of('rxA').map((m) => m.data)).toEqual(['via A']);
    expect(h2.of('rxB').map((m) => m.data)).toEqual(['via B']);
    await host.exec(['ip', 'route', 'del', 'default']);
  });

  it('loopback off: the host does not hear its own datagrams; on: it does', async () => {
    const group = group4();
    const p = port();
    await h0.listen('self', 4, group, p, ['eth0']);
    await h0.call('multicastInterface', { id: 'self', iface: 'eth0' });
    await h0.listen('peer', 4, group, p, ['eth0']);
    await h1.listen('remote', 4, group, p, ['eth0']);
    await h0.call('loopback', { id: 'self', on: false });
    await h0.call('send', { id: 'self', address: group, port: p, data: 'quiet' });
    await h1.waitFor('remote', (m) => m.data === 'quiet', 'datagram with loopback off');
    await h0.call('loopback', { id: 'self', on: true });
    await h0.call('send', { id: 'self', address: group, port: p, data: 'loud' });
    await h0.waitFor('self', (m) => m.data === 'loud', 'own datagram with loopback on');
    await h0.waitFor('peer', (m) => m.data === 'loud', 'same-host datagram with loopback on');
    await settle();
    expect(h0.of('self').map((m) => m.data)).toEqual(['loud']);
    expect(h0.of('peer').map((m) => m.data)).toEqual(['loud']);
  });

  it('the TTL set by the sender is the TTL the receiver sees (default 1)', async () => {
    const group = group4();
    const p = port();
    await h0.listen('ttl', 4, group, p, ['eth0']);
    await h1.sender('ttl', 4, 'eth0');
    await h1.call('send', { id: 'ttl', address: group, port: p, data: 'default' });
    await h1.call('ttl', { id: 'ttl', hops: 4 });
    await h1.call('send', { id: 'ttl', address: group, port: p, data: 'four' });
    expect((await h0.waitFor('ttl', (m) => m.data === 'default', 'default TTL')).hopLimit).toBe(1);
    expect((await h0.waitFor('ttl', (m) => m.data === 'four', 'TTL 4')).hopLimit).toBe(4);
  });

  it('IPv6: link-scope group on the chosen NIC, scoped by the interface, isolated per NIC', async () => {
    const group = group6();
    const p = port();
    await h0.listen('v6A', 6, group, p, ['eth0']);
    await h0.listen('v6B', 6, group, p, ['eth1']);
    await h1.sender('v6tx', 6, 'eth0');
    await h2.sender('v6txB', 6, 'eth1');
    await h2.call('ttl', { id: 'v6txB', hops: 9 });
    await h1.call('send', { id: 'v6tx', address: group, port: p, data: 'v6 A' });
    await h2.call('send', { id: 'v6txB', address: group, port: p, data: 'v6 B' });
    const fromA = await h0.waitFor('v6A', (m) => m.data === 'v6 A', 'IPv6 LAN A datagram');
    const fromB = await h0.waitFor('v6B', (m) => m.data === 'v6 B', 'IPv6 LAN B datagram');
    await settle();
    expect(fromA).toMatchObject({ destination: group, interfaceIndex: await h0.interfaceIndex('eth0'), hopLimit: 1 });
    expect(fromB).toMatchObject({ destination: group, interfaceIndex: await h0.interfaceIndex('eth1'), hopLimit: 9 });
    expect(h0.of('v6A').map((m) => m.data)).toEqual(['v6 A']);
    expect(h0.of('v6B').map((m) => m.data)).toEqual(['v6 B']);
    // Linux delivers IPv6 group traffic to every socket that joined the group on any NIC;
    // the wrapper drops what arrived on a NIC this socket did not join on.
    const stats = await h0.call<{ received: number; otherInterface: number }>('stats', { id: 'v6A' });
    expect(stats.received).toBe(1);
  });

  it('IPv6: unicast to a link-local address with a %zone leaves through that NIC', async () => {
    const p = port();
    await h0.call('open', { id: 'll', family: 6, port: p });
    const linkLocal = (await h0.call<Array<{ name: string; addresses: Array<{ address: string }> }>>('interfaces'))
      .find((i) => i.name === 'eth1')!
      .addresses.find((a) => a.address.startsWith('fe80'))!.address;
    await h2.call('open', { id: 'llTx', family: 6, port: 0 });
    await h2.call('send', { id: 'llTx', address: `${linkLocal}%eth1`, port: p, data: 'zoned' });
    const d = await h0.waitFor('ll', (m) => m.data === 'zoned', 'zoned unicast');
    expect(d).toMatchObject({ destination: linkLocal, interfaceIndex: await h0.interfaceIndex('eth1') });
  });

  it('IPv6: resolveInterface prefers the ULA address and gives the index as scope id', async () => {
    const resolved = await h0.call<Record<string, unknown>>('resolve', { spec: 'eth0', family: 6 });
    expect(resolved).toMatchObject({
      name: 'eth0',
      address: lan.hosts[0]!.eth0.ipv6,
      scopeId: await h0.interfaceIndex('eth0'),
    });
    const linkLocal = (await h0.call<Array<{ name: string; addresses: Array<{ address: string }> }>>('interfaces'))
      .find((i) => i.name === 'eth0')!
      .addresses.find((a) => a.address.startsWith('fe80'));
    expect(linkLocal).toBeDefined();
    const byLinkLocal = await h0.call<Record<string, unknown>>('resolve', { spec: linkLocal!.address, family: 6 });
    expect(byLinkLocal).toMatchObject({ name: 'eth0', address: linkLocal!.address });
  });

  it('a failed send throws a system error with code/errno/syscall and is counted', async () => {
    // The host namespace has no default route: 10.99.0.1 is unreachable, nothing is sent.
    await h1.call('open', { id: 'unroutable', family: 4, port: 0 });
    await expect(h1.call('send', { id: 'unroutable', address: '10.99.0.1', port: 9, data: 'x' })).rejects.toMatchObject({
      code: 'ENETUNREACH',
      errno: -os.constants.errno.ENETUNREACH,
      syscall: 'sendto',
    });
    expect(await h1.call('stats', { id: 'unroutable' })).toMatchObject({ sent: 0, sendErrors: 1 });
  });

  it('refuses an interface without an address of the family, naming it', async () => {
    const added = await lan.hosts[1]!.exec(['ip', 'link', 'add', 'mbnoaddr0', 'type', 'veth', 'peer', 'name', 'mbnoaddr1']);
    expect(added.code).toBe(0);
    await expect(h1.call('join', { id: 'none', group: '239.77.9.9', iface: 'mbnoaddr0' })).rejects.toThrow('no socket');
    await h1.call('open', { id: 'noaddr', family: 4, port: 0 });
    await expect(h1.call('join', { id: 'noaddr', group: '239.77.9.9', iface: 'mbnoaddr0' })).rejects.toMatchObject({
      code: 'ERR_MULTIBULLY_NO_INTERFACE_ADDRESS',
      message: expect.stringContaining('mbnoaddr0'),
    });
    await expect(h1.call('join', { id: 'noaddr', group: '239.77.9.9', iface: 'eth1' })).rejects.toMatchObject({
      code: 'ERR_MULTIBULLY_UNKNOWN_INTERFACE',
      message: expect.stringContaining('eth0'),
    });
  });
});
