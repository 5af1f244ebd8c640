// Cold start at N = 250 stays O(N) and never flaps (issue 11): at most 2N + 20 ELECTION, OK and
// COORDINATOR packets, at most N + 5 leader/follower events, none in the 2 s after agreement.
import { describe, expect, it } from 'vitest';
import { measureColdStart, type StartPattern } from './cold-start';

const N = 250;
const SEEDS = process.env.SOAK ? 20 : 2;

describe('cold start at scale (simulated, heartbeat 100 ms, up to 5 ms delivery jitter)', () => {
  const patterns: Array<[StartPattern, string]> = [
    ['processes', 'six processes starting their participants back to back, within one heartbeat of each other'],
    ['uniform', 'every node at a random moment of one heartbeat'],
    ['together', 'every node within half a millisecond'],
  ];
  for (const [pattern, what] of patterns) {
    it(`N = ${N}, ${what}: ≤ 2N + 20 election packets, ≤ N + 5 leader/follower events, no change after agreement`, () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const run = measureColdStart({ nodes: N, seed, pattern, maxDelayMs: 5 });
        const label = `${pattern} seed ${seed}: ${JSON.stringify(run.messages)}, ${run.events} events, ${run.eventsAfterAgreement} after`;
        expect(run.agreedAtMs, label).toBeDefined();
        expect(run.electionTraffic, label).toBeLessThanOrEqual(2 * N + 20);
        expect(run.events, label).toBeLessThanOrEqual(N + 5);
        expect(run.eventsAfterAgreement, label).toBe(0);
      }
    }, 60_000);
  }

  it('then crashes of the top node cost at most 5 ELECTION + OK each: the node next in line told every joiner so', () => {
    // Participants started 5 or 25 ms apart join a leader that is already elected; the followers
    // that started before them are silent. Without the next-in-line OK, the joiners that never
    // heard a node between them and the leader all speak at once after the crash (9 to 32 ELECTION
    // + OK on these seeds). Top-down is the worst order: every node starts after all nodes above
    // it; after the first failover the followers must learn the new next in line (one OK each
    // from about ln N of them) for the second.
    const cases: Array<[StartPattern, number]> = [['processes', 5], ['processes', 25], ['top-down', 5]];
    for (const [pattern, staggerMs] of cases) {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const run = measureColdStart({ nodes: N, seed, pattern, staggerMs, maxDelayMs: 5, crashes: 2 });
        const label = `${pattern}, stagger ${staggerMs} ms, seed ${seed}: cold start ${run.electionTraffic}, failovers ${run.failoverTraffic?.join(' and ')} ELECTION + OK, agreed after ${run.failoverAgreedAfterMs?.join(' and ')} ms`;
        console.log(label);
        expect(run.electionTraffic, label).toBeLessThanOrEqual(2 * N + 20);
        expect(run.eventsAfterAgreement, label).toBe(0);
        expect(run.failoverTraffic, label).toHaveLength(2);
        for (const ms of run.failoverAgreedAfterMs ?? []) expect(ms, label).toBeLessThan(1_000);
        for (const traffic of run.failoverTraffic ?? []) expect(traffic, label).toBeLessThanOrEqual(5);
      }
    }
  }, 180_000);

  it('the OK damping is what keeps it O(N): each ELECTION burst costs a few OKs, not one per higher node', () => {
    const run = measureColdStart({ nodes: N, seed: 1, pattern: 'together', maxDelayMs: 5 });
    // Every node sent its ELECTION before hearing anyone; the OKs are far fewer than the ELECTIONs.
    expect(run.messages.election).toBe(N);
    expect(run.messages.ok).toBeLessThan(N);
  });
});
