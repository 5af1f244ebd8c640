// Elections across network namespaces, each host running the CLI as its own process.
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { describeOnLan, collectLines, type Host } from '../lan';
import { CliNode, sleep, testPort, waitForAgreement } from './cli-node';

/** One skip line for the file's three LAN suites. */
const SKIPPING = 'multi-host CLI tests';

const GROUP = '239.77.0.1';
const HEARTBEAT_MS = 100;
const MISSES = 3;
/** The core's default skew step (heartbeat / 5) and start-up OK wait (one heartbeat). */
const SKEW_STEP_MS = HEARTBEAT_MS / 5;
const OK_WAIT_MS = HEARTBEAT_MS;
// Bounds about 3 × what the configured timers allow, so a busy machine does not flake them;
// the exact figures are measured in bench/.
const CONVERGE_MS = 10_000;
/** SIGKILL: (misses + ½) silent heartbeats, then the highest survivor's skew-free round. */
const FAILOVER_BOUND_MS = 3 * ((MISSES + 0.5) * HEARTBEAT_MS + SKEW_STEP_MS);
/** SIGTERM: the leader resigns, so only a round (skew plus at most an OK wait) remains. */
const RESIGN_BOUND_MS = 3 * (SKEW_STEP_MS + OK_WAIT_MS);
/** Go nodes' fixed timers: ELECTION → 2 s without OK → leader. */
const GO_ELECTION_MS = 2_000;

const now = (): number => performance.timeOrigin + performance.now();

/** Waits until the nodes agree on a leader other than `gone`, and returns its id. */
async function waitForAnyAgreement(nodes: readonly CliNode[], gone: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const first = nodes[0]!.leaderId;
    if (first !== undefined && first !== gone && nodes.every((node) => node.leaderId === first)) return first;
    await sleep(10);
  }
  throw new Error(`no agreement within ${timeoutMs} ms: ${nodes.map((n) => `${n.name}→${n.leaderId ?? 'none'}`).join(', ')}`);
}

describeOnLan('multi-host elections (CLI per namespace host)', { hosts: 5, skipping: SKIPPING }, (lan) => {
  /** `heartbeatMs` replaces the suite's heartbeat (the CLI refuses a flag given twice). */
  function start(host: Host, id: number, port: number, extra: string[] = [], heartbeatMs = HEARTBEAT_MS): CliNode {
    const node = CliNode.onHost(host, ['--interface', 'eth0', '--address', `${GROUP}:${port}`, '--id', String(id), '--heartbeat', String(heartbeatMs), '--misses', String(MISSES), ...extra], `${host.name}#${id}`);
    lan.killAfterAll(node);
    return node;
  }

  async function stopAll(nodes: CliNode[]): Promise<void> {
    for (const node of nodes) node.kill('SIGKILL');
    await Promise.all(nodes.map((node) => node.exited));
  }

  it('five hosts converge on the highest id, and a SIGKILLed leader is replaced by the next highest', async () => {
    const port = testPort();
    const nodes = lan.hosts.map((host, i) => start(host, (i + 1) * 10, port));
    try {
      await waitForAgreement(nodes, '50', CONVERGE_MS);
      const leaderEvent = nodes[4]!.lastTransition()!;
      expect(leaderEvent.event).toBe('leader');
      for (const node of nodes.slice(0, 4)) expect(node.lastTransition()!.leader).toEqual({ id: '50', address: lan.hosts[4]!.eth0.ipv4 });

      const killedAt = now();
      nodes[4]!.kill('SIGKILL');
      const agreedAt = await waitForAgreement(nodes.slice(0, 4), '40', FAILOVER_BOUND_MS + 2_000);
      expect(agreedAt - killedAt).toBeLessThan(FAILOVER_BOUND_MS);
      expect(BigInt(nodes[3]!.lastTransition()!.term)).toBeGreaterThan(BigInt(leaderEvent.term));
    } finally {
      await stopAll(nodes);
    }
  });

  it('a SIGKILLed leader whose host stays up is given up after 1.5 heartbeats (the probe), not misses + ½', async () => {
    // Slow heartbeats make the two paths far apart: the leader timeout cannot fire earlier than
    // (misses + ½ − 1) heartbeats after the kill; the probe path needs at most 1.5 heartbeats.
    const slow = 600;
    const timeoutPathFloor = (MISSES + 0.5 - 1) * slow; // 1500 ms
    const port = testPort();
    const nodes = lan.hosts.slice(0, 3).map((host, i) => start(host, (i + 1) * 10, port, [], slow));
    try {
      await waitForAgreement(nodes, '30', CONVERGE_MS);
      await sleep(slow); // a heartbeat or two, so the probe is running
      const killedAt = now();
      nodes[2]!.kill('SIGKILL');
      const agreedAt = await waitForAgreement(nodes.slice(0, 2), '20', 5 * slow * MISSES);
      expect(agreedAt - killedAt).toBeLessThan(timeoutPathFloor);
    } finally {
      await stopAll(nodes);
    }
  });

  it("a live leader whose host rejects unicast to the port is not probed any more: one warning, no failover", async () => {
    const port = testPort();
    const nodes = lan.hosts.slice(0, 3).map((host, i) => start(host, (i + 1) * 10, port));
    const leaderHost = lan.hosts[2]!;
    const table = 'mbreject';
    try {
      await waitForAgreement(nodes, '30', CONVERGE_MS);
      const eventsBefore = nodes.map((node) => node.events.length);
      // A firewall reject rule for unicast to the port: ICMP port unreachable while the leader lives.
      await leaderHost.exec(['nft', 'add', 'table', 'inet', table]);
      await leaderHost.exec(['nft', 'add', 'chain', 'inet', table, 'in', '{ type filter hook input priority 0; policy accept; }']);
      await leaderHost.exec(['nft', 'add', 'rule', 'inet', table, 'in', 'ip', 'daddr', leaderHost.eth0.ipv4, 'udp', 'dport', String(port), 'reject']);
      const warning = /answers our probe with ICMP port unreachable while the leader is alive/g;
      const warnings = (node: CliNode): number => node.stderr.match(warning)?.length ?? 0;
      const deadline = Date.now() + 10_000;
      while (warnings(nodes[1]!) === 0 && Date.now() < deadline) await sleep(50);
      await sleep(1_000);
      expect(warnings(nodes[1]!), nodes[1]!.stderr).toBe(1); // id 20: next in line
      // Id 10 probes too if it never heard id 20 (all three started in one round, where 20's OK
      // to 10 gave way to 30's): then it warns once as well.
      expect(warnings(nodes[0]!), nodes[0]!.stderr).toBeLessThanOrEqual(1);
      expect(warnings(nodes[2]!)).toBe(0);
      nodes.forEach((node, i) => expect(node.events.slice(eventsBefore[i]), node.name).toEqual([]));
    } finally {
      await leaderHost.exec(['nft', 'delete', 'table', 'inet', table]).catch(() => undefined);
      await stopAll(nodes);
    }
  });

  it('SIGTERM resigns: a stopped event, exit 0 within 1 s, and a quick handover', async () => {
    const port = testPort();
    const nodes = lan.hosts.slice(0, 3).map((host, i) => start(host, i + 1, port));
    try {
      await waitForAgreement(nodes, '3', CONVERGE_MS);
      const stoppedAt = now();
      nodes[2]!.kill('SIGTERM');
      const exit = await nodes[2]!.exited;
      const exitedAt = now();
      expect(exit).toEqual({ code: 0, signal: null });
      // The CLI forces its exit at 900 ms; the slack absorbs a busy machine's scheduling.
      expect(exitedAt - stoppedAt).toBeLessThan(1_500);
      expect(nodes[2]!.events.at(-1)).toMatchObject({ event: 'stopped', id: '3', leader: null });
      const agreedAt = await waitForAgreement(nodes.slice(0, 2), '2', RESIGN_BOUND_MS + 2_000);
      expect(agreedAt - stoppedAt).toBeLessThan(RESIGN_BOUND_MS);
    } finally {
      await stopAll(nodes);
    }
  });

  it('a restarted leader retakes the lead with preempt on, with a higher term', async () => {
    const port = testPort();
    const nodes = lan.hosts.slice(0, 3).map((host, i) => start(host, i + 1, port));
    try {
      await waitForAgreement(nodes, '3', CONVERGE_MS);
      nodes[2]!.kill('SIGKILL');
      await waitForAgreement(nodes.slice(0, 2), '2', CONVERGE_MS);
      const interimTerm = BigInt(nodes[1]!.lastTransition()!.term);
      nodes[2] = start(lan.hosts[2]!, 3, port);
      await waitForAgreement(nodes, '3', CONVERGE_MS);
      expect(nodes[2]!.lastTransition()!.event).toBe('leader');
      expect(BigInt(nodes[2]!.lastTransition()!.term)).toBeGreaterThan(interimTerm);
      expect(BigInt(nodes[0]!.lastTransition()!.term)).toBeGreaterThan(interimTerm);
    } finally {
      await stopAll(nodes);
    }
  });

  it('with --no-preempt a restarted old leader follows the sitting leader', async () => {
    const port = testPort();
    const noPreempt = ['--no-preempt'];
    // Without preemption the first node to claim keeps office, so the highest starts first (process
    // start-up time varies by more than an OK wait on a busy machine).
    const top = start(lan.hosts[2]!, 3, port, noPreempt);
    await top.waitFor((e) => e.event === 'leader', CONVERGE_MS, 'node 3 to lead');
    const nodes = [start(lan.hosts[0]!, 1, port, noPreempt), start(lan.hosts[1]!, 2, port, noPreempt), top];
    try {
      await waitForAgreement(nodes, '3', CONVERGE_MS);
      nodes[2]!.kill('SIGKILL');
      await nodes[2]!.exited;
      // Usually 2 (no skew), but without preemption whichever survivor claims first keeps office.
      const sitting = await waitForAnyAgreement(nodes.slice(0, 2), '3', CONVERGE_MS);
      const other = sitting === '2' ? nodes[0]! : nodes[1]!;
      // The old leader restarts with the same id on the same host.
      nodes[2] = start(lan.hosts[2]!, 3, port, noPreempt);
      await waitForAgreement(nodes, sitting, CONVERGE_MS);
      // Stays that way for several heartbeats: no takeover.
      await sleep(10 * HEARTBEAT_MS);
      expect(nodes.map((node) => node.leaderId)).toEqual([sitting, sitting, sitting]);
      expect(nodes[2]!.events.some((e) => e.event === 'leader')).toBe(false);
      // The leader goes away: now the higher node takes over.
      nodes[sitting === '2' ? 1 : 0]!.kill('SIGKILL');
      await waitForAgreement([other, nodes[2]!], '3', CONVERGE_MS);
    } finally {
      await stopAll(nodes);
    }
  });

  it('a partition elects one leader per side, and after the heal exactly one leader remains', async () => {
    const port = testPort();
    const hosts = lan.hosts.slice(0, 4);
    const nodes = hosts.map((host, i) => start(host, i + 1, port));
    try {
      await waitForAgreement(nodes, '4', CONVERGE_MS);
      await lan.partition(hosts.slice(0, 2), hosts.slice(2));
      await waitForAgreement(nodes.slice(0, 2), '2', CONVERGE_MS);
      expect(nodes[3]!.leaderId).toBe('4');
      await lan.heal();
      await waitForAgreement(nodes, '4', CONVERGE_MS);
      await sleep(5 * HEARTBEAT_MS);
      const leaders = nodes.filter((node) => node.lastTransition()!.event === 'leader');
      expect(leaders.map((node) => node.lastTransition()!.id)).toEqual(['4']);
    } finally {
      await lan.heal();
      await stopAll(nodes);
    }
  });

  it('a leader whose link goes down enters fault and keeps running, and after link up exactly one leader remains', async () => {
    const port = testPort();
    const hosts = lan.hosts.slice(0, 3);
    const nodes = hosts.map((host, i) => start(host, i + 1, port));
    try {
      await waitForAgreement(nodes, '3', CONVERGE_MS);
      await hosts[2]!.linkDown('eth0');
      await waitForAgreement(nodes.slice(0, 2), '2', CONVERGE_MS);
      // The leader's NIC is down: it leaves office (fault), logs it once, and the process survives.
      await sleep(5 * HEARTBEAT_MS);
      expect(nodes[2]!.events.some((e) => e.event === 'stopped')).toBe(false);
      expect(nodes[2]!.lastTransition()).toMatchObject({ event: 'fault', leader: null });
      expect((nodes[2]!.lastTransition() as unknown as { reason: string }).reason).toMatch(/^(nic-down|send-failing)$/);
      expect(nodes[2]!.stderr.match(/WARN fault: /g)).toHaveLength(1);
      await hosts[2]!.linkUp('eth0');
      await waitForAgreement(nodes, '3', CONVERGE_MS);
      await sleep(5 * HEARTBEAT_MS);
      expect(nodes.filter((node) => node.lastTransition()!.event === 'leader').map((node) => node.lastTransition()!.id)).toEqual(['3']);
      expect(BigInt(nodes[0]!.lastTransition()!.term)).toBeGreaterThan(BigInt(nodes[0]!.events.find((e) => e.leader?.id === '2')!.term));
    } finally {
      await hosts[2]!.linkUp('eth0');
      await stopAll(nodes);
    }
  });

  it('--wire go follows a Go node, then elects among itself in the Go format when it falls silent', async () => {
    const port = testPort();
    const goHost = lan.hosts[0]!;
    const heartbeatSeconds = 4;
    const goNode = goHost.spawnNode(resolve(__dirname, 'fixtures/go-node.cjs'), [GROUP, String(port), goHost.eth0.ipv4, '900', String(heartbeatSeconds), '30']);
    const heard = collectLines(goNode);
    // Go-mode nodes use the Go library's timers (no --heartbeat).
    const goArgs = (id: number): string[] => ['--interface', 'eth0', '--address', `${GROUP}:${port}`, '--id', String(id), '--wire', 'go'];
    const nodes = [CliNode.onHost(lan.hosts[1]!, goArgs(5)), CliNode.onHost(lan.hosts[2]!, goArgs(7))];
    lan.killAfterAll(...nodes);
    try {
      await waitForAgreement(nodes, '900', CONVERGE_MS);
      expect(nodes[0]!.lastTransition()!.leader).toEqual({ id: '900', address: goHost.eth0.ipv4 });
      // The Go node falls silent: the CLI nodes elect 7 and announce it in the Go format.
      await waitForAgreement(nodes, '7', heartbeatSeconds * 1000 + CONVERGE_MS);
      expect(nodes[0]!.lastTransition()!.term).toBe('0');
      const coordinator = `2|${lan.hosts[2]!.eth0.ipv4}|7|`;
      const line = await heard.waitFor((l) => (JSON.parse(l) as { text?: string }).text?.startsWith(coordinator) === true, 5_000);
      const packet = JSON.parse(line) as { length: number; text: string };
      expect(packet.length).toBe(128);
      expect(packet.text).toBe(coordinator.padEnd(128, '#'));
      // Every packet the CLI nodes sent is a well-formed Go packet.
      const goPacket = /^[012]\|10\.77\.1\.[0-9]+\|(5|7)\|#+$/;
      for (const l of heard.lines) {
        const p = JSON.parse(l) as { sent?: number; ready?: boolean; length: number; text: string };
        if (p.sent !== undefined || p.ready) continue;
        expect(p.length).toBe(128);
        expect(p.text).toMatch(goPacket);
      }
    } finally {
      goNode.kill('SIGKILL');
      await stopAll(nodes);
    }
  });

  it('--wire go answers a lower Go ELECTION with byte-exact OK and keeps leading', async () => {
    const port = testPort();
    const goHost = lan.hosts[0]!;
    const cliHost = lan.hosts[1]!;
    const node = CliNode.onHost(cliHost, ['--interface', 'eth0', '--address', `${GROUP}:${port}`, '--id', '7', '--wire', 'go'], 'go-cli');
    lan.killAfterAll(node);
    try {
      await node.waitFor((e) => e.event === 'leader', CONVERGE_MS, 'the lone CLI to lead');
      // A lower Go node (pid 3) starts elections: a Go node expects an OK from every higher node.
      const goNode = goHost.spawnNode(resolve(__dirname, 'fixtures/go-node.cjs'), [GROUP, String(port), goHost.eth0.ipv4, '3', '3', '5', 'election']);
      const heard = collectLines(goNode);
      try {
        const ok = `1|${cliHost.eth0.ipv4}|7|`;
        const line = await heard.waitFor((l) => (JSON.parse(l) as { text?: string }).text?.startsWith(ok) === true, 5_000);
        const packet = JSON.parse(line) as { length: number; text: string };
        expect(packet.length).toBe(128);
        expect(packet.text).toBe(ok.padEnd(128, '#'));
        // The lower ELECTIONs do not dethrone the leader (the Go library's flapping).
        await sleep(GO_ELECTION_MS);
        expect(node.events.filter((e) => e.event === 'leader')).toHaveLength(1);
        expect(node.lastTransition()!.event).toBe('leader');
        // Its heartbeats meanwhile are byte-exact Go COORDINATORs.
        const coordinator = `2|${cliHost.eth0.ipv4}|7|`.padEnd(128, '#');
        expect(heard.lines.some((l) => (JSON.parse(l) as { text?: string }).text === coordinator)).toBe(true);
      } finally {
        goNode.kill('SIGKILL');
      }
    } finally {
      await stopAll([node]);
    }
  });

  it('--wire go waits, without claiming, while a higher Go node answers OK', async () => {
    const port = testPort();
    const goHost = lan.hosts[0]!;
    const sendSeconds = 4;
    // A higher Go node (pid 900) that answers every ELECTION with OK but never announces.
    const goNode = goHost.spawnNode(resolve(__dirname, 'fixtures/go-node.cjs'), [GROUP, String(port), goHost.eth0.ipv4, '900', String(sendSeconds), String(sendSeconds + 1), 'ok']);
    const heard = collectLines(goNode);
    try {
      await heard.waitFor((l) => (JSON.parse(l) as { ready?: boolean }).ready === true, 10_000);
      const startedAt = now();
      const node = CliNode.onHost(lan.hosts[1]!, ['--interface', 'eth0', '--address', `${GROUP}:${port}`, '--id', '5', '--wire', 'go'], 'go-cli');
      lan.killAfterAll(node);
      try {
        const waiting = await node.waitFor((e) => e.event === 'waiting', CONVERGE_MS, 'waiting after the OK');
        expect(heard.lines.some((l) => (JSON.parse(l) as { sent?: number }).sent === 1)).toBe(true);
        expect(node.events.some((e) => e.event === 'leader')).toBe(false);
        // While OKs keep coming it never claims; once the Go node falls silent it leads.
        const leader = await node.waitFor((e) => e.event === 'leader', sendSeconds * 1000 + CONVERGE_MS, 'leadership after the Go node fell silent');
        expect(leader.time - startedAt).toBeGreaterThan(sendSeconds * 1000);
        expect(waiting.time).toBeLessThan(leader.time);
      } finally {
        await stopAll([node]);
      }
    } finally {
      goNode.kill('SIGKILL');
    }
  });
});

describeOnLan('multi-host elections on a two-NIC host', { hosts: 3, lanB: [0, 2], skipping: SKIPPING }, (lan) => {
  it('one participant per NIC runs a separate election with no cross-talk', async () => {
    const port = testPort();
    const [multi, onlyA, alsoB] = lan.hosts as [Host, Host, Host];
    const args = (dev: string, id: number): string[] => ['--interface', dev, '--address', `${GROUP}:${port}`, '--id', String(id), '--heartbeat', '100'];
    const lanA = [CliNode.onHost(multi, args('eth0', 100), 'multi-eth0'), CliNode.onHost(onlyA, args('eth0', 5), 'a-eth0')];
    const lanB = [CliNode.onHost(multi, args('eth1', 1), 'multi-eth1'), CliNode.onHost(alsoB, args('eth1', 50), 'b-eth1')];
    const all = [...lanA, ...lanB];
    try {
      await waitForAgreement(lanA, '100', CONVERGE_MS);
      await waitForAgreement(lanB, '50', CONVERGE_MS);
      await sleep(1_000);
      expect(lanA[1]!.lastTransition()!.leader).toEqual({ id: '100', address: multi.eth0.ipv4 });
      expect(lanB[0]!.lastTransition()!.leader).toEqual({ id: '50', address: alsoB.eth1!.ipv4 });
      // Neither election ever saw the other's nodes.
      for (const node of lanB) expect(node.events.some((e) => e.leader?.id === '100' || e.leader?.id === '5')).toBe(false);
      for (const node of lanA) expect(node.events.some((e) => e.leader?.id === '50' || e.leader?.id === '1')).toBe(false);
    } finally {
      for (const node of all) node.kill('SIGKILL');
      await Promise.all(all.map((node) => node.exited));
    }
  });
});

describeOnLan('multi-host elections over IPv6', { hosts: 3, ipv6: true, skipping: SKIPPING }, (lan) => {
  it('elects the highest id on an ff02::/16 group and advertises its ULA address', async () => {
    const port = testPort();
    const nodes = lan.hosts.map((host, i) =>
      CliNode.onHost(host, ['--interface', 'eth0', '--address', `[ff02::7777]:${port}`, '--id', String(i + 1), '--heartbeat', '100'], `${host.name}-v6`),
    );
    try {
      await waitForAgreement(nodes, '3', CONVERGE_MS);
      expect(nodes[0]!.lastTransition()!.leader).toEqual({ id: '3', address: lan.hosts[2]!.eth0.ipv6 });
    } finally {
      for (const node of nodes) node.kill('SIGKILL');
      await Promise.all(nodes.map((node) => node.exited));
    }
  });
});
