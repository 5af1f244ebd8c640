// Mixed clusters of the Go library model and our nodes in go mode: cold start, then one of
// leader crash, clean stop or a late join; all must end following the highest live node and
// stay there. Loss-free: the Go library itself stalls under some losses (its documented flaw).
import { seededRandom } from '../../lib/core';
import { Simulator, type SimNodeSpec } from './simulator';

export interface InteropResult {
  readonly seed: number;
  readonly nodes: SimNodeSpec[];
  readonly scenario: string;
  readonly problems: string[];
}

/** Generous bound: a Go election takes 2 s and a Go node may re-run it once after a flap. */
export const INTEROP_SETTLE_MS = 8_000;

export function runInterop(seed: number, trace?: (line: string) => void): InteropResult {
  const random = seededRandom(seed);
  const n = 2 + Math.floor(random() * 7);
  const ids = Array.from({ length: n }, (_, i) => i + 1).sort(() => random() - 0.5);
  const nodes: SimNodeSpec[] = ids.map((id, i) => ({ id: BigInt(id), address: `10.77.1.${i + 1}`, legacyGo: random() < 0.5 }));
  const scenario = ['crash-leader', 'stop-leader', 'late-join', 'none'][Math.floor(random() * 4)]!;
  const preempt = scenario === 'late-join' ? true : random() < 0.7;
  const sim = new Simulator({
    seed, nodes, config: { mode: 'go', preempt },
    faults: { lossRate: 0, duplicateRate: 0, minDelayMs: 0.1, maxDelayMs: 2 },
    ...(trace && { trace }),
  });
  const late = scenario === 'late-join' ? Math.floor(random() * n) : -1;
  nodes.forEach((_, i) => { if (i !== late) sim.at(random() * 1_000, () => sim.start(i)); });
  const problems: string[] = [];
  const settle = (label: string) => {
    sim.runUntil(sim.now + INTEROP_SETTLE_MS);
    // With preempt off the sitting leader may be lower: agreement on any one leader is required then.
    for (const p of sim.agreement(preempt)) problems.push(`${label}: ${p}`);
    const before = sim.stateChanges;
    sim.runUntil(sim.now + 5_000);
    if (problems.length === 0 && sim.stateChanges !== before) problems.push(`${label}: ${sim.stateChanges - before} state changes after settling`);
  };
  settle('cold start');
  const leaders = sim.views().filter((v) => v.role === 'leader').map((v) => v.index);
  if (scenario === 'crash-leader') leaders.forEach((i) => sim.crash(i));
  if (scenario === 'stop-leader') leaders.forEach((i) => sim.stop(i));
  if (scenario === 'late-join') sim.start(late);
  if (scenario !== 'none') settle(scenario);
  return { seed, nodes, scenario, problems };
}
