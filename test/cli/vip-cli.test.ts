// --vip through the CLI, in namespaces: the floating address is on the leader's NIC only, is
// removed first on SIGTERM (before the resignation) and on fault, and moves to the new leader.
import { expect, it } from 'vitest';
import { describeOnLan, type Host } from '../lan';
import { CliNode, sleep, testPort, waitForAgreement } from './cli-node';

const VIP = '10.77.1.100';
const CONVERGE_MS = 10_000;

async function hasVip(host: Host): Promise<boolean> {
  const result = await host.exec(['ip', '-j', '-4', 'addr', 'show', 'dev', 'eth0']);
  const links = JSON.parse(result.stdout || '[]') as Array<{ addr_info?: Array<{ local: string }> }>;
  return links.some((link) => (link.addr_info ?? []).some((a) => a.local === VIP));
}

async function waitVip(host: Host, want: boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await hasVip(host)) !== want && Date.now() < deadline) await sleep(20);
  expect(await hasVip(host), `${host.name} should ${want ? '' : 'not '}hold ${VIP}`).toBe(want);
}

describeOnLan('--vip follows the leader (CLI in namespaces)', { hosts: 2, skipping: '--vip CLI tests' }, (lan) => {
  it('a leftover is removed at start; the leader holds it; SIGTERM removes it before resigning; the new leader takes it; fault removes it', async () => {
    const port = testPort();
    const [h0, h1] = [lan.hosts[0]!, lan.hosts[1]!];
    const args = (id: number) => ['--interface', 'eth0', '--address', `239.77.0.1:${port}`, '--id', String(id), '--heartbeat', '50', '--vip', `${VIP}/24`, '--log-level', 'info'];
    // A leftover of an earlier run killed with SIGKILL: removed at start by the node that does not lead.
    expect((await h0.exec(['ip', 'addr', 'add', `${VIP}/24`, 'dev', 'eth0'])).code).toBe(0);
    const low = CliNode.onHost(h0, args(1), 'low');
    const high = CliNode.onHost(h1, args(2), 'high');
    lan.killAfterAll(low, high);
    await waitForAgreement([low, high], '2', CONVERGE_MS);
    await waitVip(h1, true);
    expect(await hasVip(h0)).toBe(false);

    high.kill('SIGTERM');
    expect(await high.exited).toEqual({ code: 0, signal: null });
    expect(await hasVip(h1)).toBe(false);
    // Removed first: the removal is logged before the participant resigns and stops.
    const log = high.stderr;
    expect(log.indexOf('vip removed')).toBeGreaterThan(-1);
    expect(log.indexOf('vip removed')).toBeLessThan(log.indexOf('participant stopped'));
    await low.waitFor((e) => e.event === 'leader', CONVERGE_MS, 'the survivor to lead');
    await waitVip(h0, true);

    await h0.linkDown('eth0');
    try {
      await low.waitFor((e) => e.event === 'fault', CONVERGE_MS, 'fault');
      await waitVip(h0, false);
    } finally {
      await h0.linkUp('eth0');
    }
    // Recovered and alone: it leads again and takes the address back.
    await low.waitFor((e) => e.event === 'leader' && low.events.some((f) => f.event === 'fault' && f.time < e.time), CONVERGE_MS, 'leadership after the fault');
    await waitVip(h0, true);
    low.kill('SIGTERM');
    expect(await low.exited).toEqual({ code: 0, signal: null });
    expect(await hasVip(h0)).toBe(false);
  });
});
