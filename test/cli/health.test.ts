// Leadership follows the service's health (issue 17), CLI in namespaces, 3 nodes with --vip: the
// leader's health file removed (`--check 'test -f FILE'`) moves the office and the floating
// address; restored, they move back (preempt) once the check is good (rise × interval) and the
// preempt delay has passed; a failed check of weight 0 puts its node in fault.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeOnLan, type Host } from '../lan';
import { CliNode, sleep, testPort, waitForAgreement } from './cli-node';

const VIP = '10.77.1.100';
const CONVERGE_MS = 10_000;
const INTERVAL_MS = 100;
const RISE = 2;
const PREEMPT_DELAY_MS = 300;

async function holdsVip(host: Host): Promise<boolean> {
  const result = await host.exec(['ip', '-j', '-4', 'addr', 'show', 'dev', 'eth0']);
  const links = JSON.parse(result.stdout || '[]') as Array<{ addr_info?: Array<{ local: string }> }>;
  return links.some((link) => (link.addr_info ?? []).some((a) => a.local === VIP));
}

async function waitVipOn(hosts: readonly Host[], holder: Host, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = await Promise.all(hosts.map(holdsVip));
    if (hosts.every((host, i) => held[i] === (host === holder))) return;
    if (Date.now() > deadline) throw new Error(`${VIP} should be on ${holder.name} only; held: ${hosts.filter((_, i) => held[i]).map((h) => h.name).join(',') || 'nowhere'}`);
    await sleep(20);
  }
}

describeOnLan('health checks move the office and the VIP (CLI in namespaces)', { hosts: 3, skipping: 'health-check CLI tests' }, (lan) => {
  it("removing the leader's health file moves office and VIP; restoring it moves them back after rise × interval + preempt delay", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mb-health-'));
    lan.onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const healthy = (i: number) => join(dir, `healthy-${i}`);
    const port = testPort();
    const hosts = lan.hosts.slice(0, 3);
    const nodes = hosts.map((host, i) => {
      writeFileSync(healthy(i), '');
      return CliNode.onHost(host, [
        '--interface', 'eth0', '--address', `239.77.0.17:${port}`, '--id', String(i + 1), '--heartbeat', '50',
        '--vip', `${VIP}/24`, '--preempt-delay', String(PREEMPT_DELAY_MS),
        '--check', `test -f ${healthy(i)}`, '--check-name', 'service', '--check-interval', String(INTERVAL_MS), '--check-rise', String(RISE), '--check-weight', '-100',
      ], `h${i}`);
    });
    lan.killAfterAll(...nodes);
    await waitForAgreement(nodes, '3', CONVERGE_MS);
    await waitVipOn(hosts, hosts[2]!);

    rmSync(healthy(2));
    await waitForAgreement(nodes, '2', CONVERGE_MS);
    await waitVipOn(hosts, hosts[1]!);

    writeFileSync(healthy(2), '');
    const restoredAt = Date.now();
    const tookBack = await nodes[2]!.waitFor((e) => e.event === 'leader' && e.time > restoredAt, CONVERGE_MS, 'h2 to take office back');
    const tookBackAfter = tookBack.time - restoredAt;
    // The check turns good after RISE successes (the first within an interval), then the delay.
    expect(tookBackAfter).toBeGreaterThanOrEqual((RISE - 1) * INTERVAL_MS + PREEMPT_DELAY_MS - 20);
    await waitForAgreement(nodes, '3', CONVERGE_MS);
    await waitVipOn(hosts, hosts[2]!);
  });

  it('a failed check of weight 0 puts its node in fault (reason check-failed); healthy again, it takes part again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mb-health-'));
    lan.onTeardown(() => rmSync(dir, { recursive: true, force: true }));
    const disk = join(dir, 'disk-ok');
    writeFileSync(disk, '');
    const port = testPort();
    const [h0, h1] = [lan.hosts[0]!, lan.hosts[1]!];
    const low = CliNode.onHost(h0, ['--interface', 'eth0', '--address', `239.77.0.18:${port}`, '--id', '1', '--heartbeat', '50'], 'low');
    const high = CliNode.onHost(h1, [
      '--interface', 'eth0', '--address', `239.77.0.18:${port}`, '--id', '2', '--heartbeat', '50',
      '--check', `test -f ${disk}`, '--check-name', 'disk', '--check-interval', String(INTERVAL_MS),
    ], 'high');
    lan.killAfterAll(low, high);
    await waitForAgreement([low, high], '2', CONVERGE_MS);
    rmSync(disk);
    const fault = await high.waitFor((e) => e.event === 'fault', CONVERGE_MS, 'a fault');
    expect(fault).toMatchObject({ reason: 'check-failed', leader: null });
    expect(high.stderr).toMatch(/fault: check disk failed/);
    await low.waitFor((e) => e.event === 'leader', CONVERGE_MS, 'the other node to lead');
    writeFileSync(disk, '');
    await waitForAgreement([low, high], '2', CONVERGE_MS);
  });
});
