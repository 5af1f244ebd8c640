// Leadership that follows health (issue 17), in process on lo: checks move the effective priority
// and the office, a failed check of weight 0 is a fault naming it, setPriority and resign.
import { afterEach, describe, expect, it } from 'vitest';
import { Participant } from '../../lib/participant';
import { agreeOn, freshGroup, participants, waitUntil } from './helpers';

/** A fresh group:port and cluster (without the port alone, which is no option). */
const fresh = () => {
  const { address, cluster } = freshGroup();
  return { address, cluster };
};

const CONVERGE_MS = 5_000;
let running: Participant[] = [];
afterEach(async () => {
  await Promise.all(running.map((node) => node.stop()));
  running = [];
});

/** A check whose health is a switch the test flips. */
function switchedCheck(name: string, weight: number, options: { intervalMs?: number; rise?: number } = {}) {
  const state = { healthy: true };
  return { state, check: { name, weight, intervalMs: options.intervalMs ?? 20, rise: options.rise ?? 1, run: () => state.healthy || Promise.reject(new Error(`${name} is down`)) } };
}

async function startAll(nodes: Participant[]): Promise<void> {
  running.push(...nodes);
  for (const node of nodes) await node.start();
}

describe('priority and checks (library)', () => {
  it('a check turning bad lowers the effective priority and moves the office; good again (preempt), it moves back', async () => {
    const group = fresh();
    const health = switchedCheck('service', -60);
    const nodes = [
      ...participants([1, 2], { ...group }),
      new Participant({ ...group, interface: 'lo', heartbeatMs: 50, id: 3, checks: [health.check] }),
    ];
    await startAll(nodes);
    await waitUntil(() => agreeOn(nodes, 3n), CONVERGE_MS, 'node 3 to lead');
    expect(nodes[2]!.priority).toBe(100);
    expect(nodes[2]!.checks).toEqual([expect.objectContaining({ name: 'service', state: 'good', weight: -60, failures: 0 })]);

    health.state.healthy = false;
    await waitUntil(() => agreeOn(nodes, 2n), CONVERGE_MS, 'node 2 to lead once the check failed');
    expect(nodes[2]!.priority).toBe(40);
    expect(nodes[2]!.checks[0]).toMatchObject({ state: 'bad', lastError: 'service is down' });
    expect(nodes[2]!.state).toBe('follower');

    health.state.healthy = true;
    await waitUntil(() => agreeOn(nodes, 3n), CONVERGE_MS, 'node 3 to lead again');
    expect(nodes[2]!.priority).toBe(100);
  });

  it('a bad check of weight 0 is a fault naming the check; good again, the node takes part (and leads) again', async () => {
    const group = fresh();
    const health = switchedCheck('disk', 0);
    const node = new Participant({ ...group, interface: 'lo', heartbeatMs: 50, id: 1, checks: [health.check] });
    const faults: Array<{ reason: string; detail: string }> = [];
    node.on('fault', (fault) => faults.push(fault));
    await startAll([node]);
    await waitUntil(() => node.state === 'leader', CONVERGE_MS, 'leadership');
    health.state.healthy = false;
    await waitUntil(() => node.state === 'fault', CONVERGE_MS, 'fault');
    expect(faults).toEqual([{ reason: 'check-failed', detail: expect.stringMatching(/^check disk failed \(disk is down\)$/) }]);
    expect(node.counters.faults['check-failed']).toBe(1);
    health.state.healthy = true;
    await waitUntil(() => node.state === 'leader', CONVERGE_MS, 'leadership after recovery');
  });

  it('rise: a bad check is good again only after rise successes in a row', async () => {
    const health = switchedCheck('slow-to-trust', 0, { intervalMs: 30, rise: 4 });
    const node = new Participant({ ...fresh(), interface: 'lo', heartbeatMs: 50, id: 1, checks: [{ ...health.check, initFail: true }] });
    await startAll([node]);
    await waitUntil(() => node.state === 'fault', CONVERGE_MS, 'fault at start (initFail)');
    const startedAt = Date.now();
    await waitUntil(() => node.state === 'leader', CONVERGE_MS, 'leadership');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(3 * 30 - 10); // four successes, about three intervals apart
  });

  it('setPriority moves the office, and the checks still add their weights to it', async () => {
    const group = fresh();
    const bonus = switchedCheck('bonus', 30);
    const nodes = [...participants([2, 3], { ...group }), new Participant({ ...group, interface: 'lo', heartbeatMs: 50, id: 1, checks: [bonus.check] })];
    await startAll(nodes);
    // 100 + 30 for a good check of positive weight: node 1 leads despite its id.
    await waitUntil(() => agreeOn(nodes, 1n), CONVERGE_MS, 'node 1 to lead');
    expect(nodes[2]!.priority).toBe(130);
    nodes[2]!.setPriority(50);
    expect(nodes[2]!.priority).toBe(80);
    await waitUntil(() => agreeOn(nodes, 3n), CONVERGE_MS, 'node 3 to lead');
    expect(() => nodes[2]!.setPriority(300)).toThrow(/priority must be an integer in 1\.\.254/);
  });

  it('resign({ holdMs }) hands office over at once without closing anything, and the node comes back after the hold (preempt)', async () => {
    const group = fresh();
    const nodes = participants([1, 2, 3], { ...group });
    await startAll(nodes);
    await waitUntil(() => agreeOn(nodes, 3n), CONVERGE_MS, 'node 3 to lead');
    const resignedAt = Date.now();
    nodes[2]!.resign({ holdMs: 600 });
    await waitUntil(() => agreeOn(nodes, 2n), CONVERGE_MS, 'node 2 to lead');
    expect(Date.now() - resignedAt).toBeLessThan(400);
    expect(nodes[2]!.state).toBe('follower');
    await waitUntil(() => agreeOn(nodes, 3n), CONVERGE_MS, 'node 3 to lead again after the hold');
    expect(Date.now() - resignedAt).toBeGreaterThanOrEqual(600);
  });

  it('rejects what cannot work, before opening anything', () => {
    const base = { address: fresh().address, interface: 'lo', id: 1 } as const;
    expect(() => new Participant({ ...base, priority: 0 })).toThrow(/priority must be an integer in 1\.\.254/);
    expect(() => new Participant({ ...base, wire: 'go', priority: 150 })).toThrow(/"priority" is not available with wire 'go'/);
    expect(() => new Participant({ ...base, wire: 'go', checks: [{ name: 'a', run: () => true, weight: -5 }] })).toThrow(/checks\[0\]\.weight is not available with wire 'go'/);
    expect(() => new Participant({ ...base, checks: [{ name: 'a', run: () => true }, { name: 'a', run: () => true }] })).toThrow(/name "a" twice/);
    expect(() => new Participant({ ...base, checks: [{ name: 'a', run: 'x' as never }] })).toThrow(/checks\[0\]\.run must be a function/);
    expect(() => new Participant({ ...base, preemptDelayMs: -1 })).toThrow(/preemptDelayMs must be a finite number in 0\.\./);
    const node = new Participant({ ...base, wire: 'go' });
    expect(() => node.resign()).toThrow(/not available with wire 'go'/);
    expect(() => new Participant(base).resign()).toThrow(expect.objectContaining({ code: 'ERR_MULTIBULLY_NOT_RUNNING' }));
  });
});
