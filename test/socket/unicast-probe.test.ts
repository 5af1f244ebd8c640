// The leader probe on lo: silent while the port is bound (the socket counts the empty datagrams as
// probes, not drops), ECONNREFUSED once nothing is bound there any more.
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MulticastSocket } from '../../lib/socket';
import { UnicastProbe } from '../../lib/socket/unicast-probe';
import { randomGroupAndPort, sleep, waitUntil } from './helpers';

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const o of opened.splice(0)) o.close();
});

function probe(port: number, onRefused: () => void, periodMs = 10): UnicastProbe {
  const p = new UnicastProbe({ family: 4, address: '127.0.0.1', port, interfaceName: 'lo', periodMs, onRefused });
  opened.push(p);
  return p;
}

describe('UnicastProbe', () => {
  it('is silent while the peer port is bound, and reports a refusal once it is not', async () => {
    const { port } = randomGroupAndPort();
    const peer = new MulticastSocket({ family: 4, groupsOnly: true });
    peer.bind(port);
    const messages: unknown[] = [];
    peer.on('message', (d) => messages.push(d));
    let refusals = 0;
    const p = probe(port, () => refusals++);
    await waitUntil(() => peer.stats.probes >= 3, 5_000, 'three probes at the bound port');
    expect(refusals).toBe(0);
    expect(p.stats.refused).toBe(0);
    expect(peer.stats.notGroup).toBe(0); // probes are not counted as drops
    expect(messages).toEqual([]); // nor delivered
    peer.close();
    await waitUntil(() => refusals >= 1, 5_000, 'a refusal after the peer closed');
    expect(p.stats.refused).toBe(refusals);
  });

  it('stops sending when closed, and leaks no descriptor', async () => {
    const { port } = randomGroupAndPort();
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const before = fds();
    for (let i = 0; i < 200; i++) new UnicastProbe({ family: 4, address: '127.0.0.1', port, interfaceName: 'lo', periodMs: 50, onRefused: () => {} }).close();
    expect(fds()).toBe(before);
    const p = probe(port, () => {});
    p.close();
    const sent = p.stats.sent;
    await sleep(60);
    expect(p.stats.sent).toBe(sent);
  });

  it('rejects a bad period and a peer of the wrong family with clear errors', () => {
    expect(() => new UnicastProbe({ family: 4, address: '127.0.0.1', port: 9, interfaceName: 'lo', periodMs: 0, onRefused: () => {} }))
      .toThrow(/periodMs must be at least 1, got 0/);
    expect(() => new UnicastProbe({ family: 4, address: '::1', port: 9, interfaceName: 'lo', periodMs: 10, onRefused: () => {} }))
      .toThrow(/peer is not a numeric address of the socket's family/);
  });
});

describe('UnicastProbe reacts to the ICMP itself, not to the next send', () => {
  it('reports the refusal right after the probe that drew it, with no other error', async () => {
    const { port } = randomGroupAndPort();
    const peer = new MulticastSocket({ family: 4, groupsOnly: true });
    peer.bind(port);
    let refusedAt = 0;
    const period = 400;
    const p = probe(port, () => (refusedAt ||= Date.now()), period);
    await waitUntil(() => peer.stats.probes >= 1, 5_000, 'the first probe');
    peer.close();
    const closedAt = Date.now();
    await waitUntil(() => refusedAt > 0, 5_000, 'a refusal');
    // The next probe goes out at most one period after the close; its ICMP is reported at once
    // (not one more period later, at the send after it).
    expect(refusedAt - closedAt).toBeLessThan(period + period / 2);
    expect(p.stats.otherErrors).toBe(0);
  });

  it('keeps polling after a refusal: every probe to a dead port goes out and is reported refused', async () => {
    const { port } = randomGroupAndPort();
    let refusals = 0;
    const p = probe(port, () => refusals++, 40);
    await sleep(450);
    // About 11 probes; each refused (no ICMP rate limit on loopback), none lost to a pending error.
    expect(refusals).toBeGreaterThanOrEqual(8); // every other one if the poll stopped after the first
    expect(p.stats.sent).toBeGreaterThanOrEqual(refusals);
    expect(p.stats.otherErrors).toBe(0);
  });
});
