// One seeded fault schedule: cluster size, timers, identities and a script of faults, all
// drawn from the seed, so `SEED=n MAXN=m` replays the same run. runSchedule() executes it and
// checks the invariants.
import { MAX_SKEW_RANK, seededRandom } from '../../lib/core';
import { Simulator, type ElectionConfig, type SimNodeSpec } from './simulator';
import type { NetworkFaults } from './network';

export interface Schedule {
  readonly seed: number;
  readonly nodes: SimNodeSpec[];
  readonly config: ElectionConfig & { heartbeatMs: number; misses: number; okWaitMs: number; coordinatorWaitMs: number; preempt: boolean };
  readonly faults: NetworkFaults;
  /** Faults happen in [0, faultsEndMs); then loss and duplication stop and the network heals (unless finalPartition). */
  readonly faultsEndMs: number;
  /** Agreement is checked at faultsEndMs + convergenceBoundMs. */
  readonly convergenceBoundMs: number;
  readonly script: ScriptStep[];
  readonly finalPartition: number[][] | undefined;
}

export type ScriptStep =
  | { at: number; kind: 'start'; node: number }
  | { at: number; kind: 'crash'; node: number }
  | { at: number; kind: 'crash-leader' }
  | { at: number; kind: 'stop-leader' }
  | { at: number; kind: 'restart'; node: number }
  | { at: number; kind: 'partition'; groups: number[][] }
  | { at: number; kind: 'heal' }
  | { at: number; kind: 'loss'; rate: number }
  | { at: number; kind: 'duplicate'; rate: number };

export interface ScheduleResult {
  readonly schedule: Schedule;
  readonly problems: string[];
  readonly messages: number;
}

/**
 * Convergence bound after faults stop, derived from the timers (stated here, checked by the sim):
 * twice (detection + worst skew + okWait + coordinatorWait) — one round that may end in a wait
 * for a node that died, then the round that wins — plus a heartbeat each way and delivery slack.
 * Go mode adds its start listening and the 2 s minimum gap between ELECTIONs, twice.
 */
export function convergenceBound(config: Schedule['config'], maxDelayMs: number): number {
  const { heartbeatMs, misses, okWaitMs, coordinatorWaitMs } = config;
  const detection = (misses + 0.5) * heartbeatMs;
  const skewStep = config.skewStepMs ?? heartbeatMs / 5;
  const worstSkew = MAX_SKEW_RANK * skewStep + skewStep / 2;
  const goExtra = config.mode === 'go' ? 2 * (2000 + 2 * heartbeatMs) : 0;
  return 2 * (detection + worstSkew + okWaitMs + coordinatorWaitMs) + 2 * heartbeatMs + 20 * maxDelayMs + goExtra;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function between(random: () => number, low: number, high: number): number {
  return low + random() * (high - low);
}

function randomGroups(random: () => number, n: number): number[][] {
  const count = 2 + Math.floor(random() * Math.min(2, n - 1));
  const groups: number[][] = Array.from({ length: count }, () => []);
  for (let node = 0; node < n; node++) groups[Math.floor(random() * count)]!.push(node);
  return groups.filter((g) => g.length > 0);
}

export function generateSchedule(seed: number, maxNodes: number): Schedule {
  const random = seededRandom(seed);
  const n = 2 + Math.floor(random() * (maxNodes - 1));
  const go = n <= 6 && random() < 0.05;
  const heartbeatMs = go ? pick(random, [100, 250]) : pick(random, [20, 50, 100]);
  const misses = pick(random, [2, 3, 3, 4]);
  const preempt = random() < 0.8;
  const okWaitMs = heartbeatMs * pick(random, [1, 2, 2, 3]);
  const coordinatorWaitMs = go ? 2000 + 2 * heartbeatMs : Math.max(okWaitMs, heartbeatMs * pick(random, [3, 5, 5, 8]));
  const config: Schedule['config'] = { heartbeatMs, misses, okWaitMs, coordinatorWaitMs, preempt, mode: go ? 'go' : 'v1' };

  // Ids collide on purpose now and then so the address breaks ties; addresses mix v4 and v6.
  const nodes: SimNodeSpec[] = [];
  for (let i = 0; i < n; i++) {
    const id = BigInt(1 + Math.floor(random() * n * 2));
    const address = random() < 0.7 ? `10.77.1.${i + 1}` : `fd77::${(i + 1).toString(16)}`;
    nodes.push({ id, address });
  }
  const maxDelayMs = heartbeatMs * between(random, 0.01, 0.12);
  const faults: NetworkFaults = { lossRate: 0, duplicateRate: 0, minDelayMs: 0.05, maxDelayMs };

  const script: ScriptStep[] = [];
  const startSpread = heartbeatMs * between(random, 0, 10);
  for (let node = 0; node < n; node++) script.push({ at: random() * startSpread, kind: 'start', node });
  const faultsEndMs = startSpread + heartbeatMs * between(random, 20, 60);
  const faultCount = Math.floor(between(random, 1, 12));
  for (let k = 0; k < faultCount; k++) {
    const at = between(random, startSpread * 0.5, faultsEndMs);
    const roll = random();
    const node = Math.floor(random() * n);
    if (roll < 0.25) script.push({ at, kind: 'crash-leader' });
    else if (roll < 0.35) script.push({ at, kind: 'crash', node });
    else if (roll < 0.45 && !go) script.push({ at, kind: 'stop-leader' });
    else if (roll < 0.6) script.push({ at, kind: 'restart', node });
    else if (roll < 0.72 && n > 2) script.push({ at, kind: 'partition', groups: randomGroups(random, n) });
    else if (roll < 0.8) script.push({ at, kind: 'heal' });
    else if (roll < 0.92) script.push({ at, kind: 'loss', rate: between(random, 0, 0.3) });
    else script.push({ at, kind: 'duplicate', rate: between(random, 0, 0.2) });
  }
  script.sort((a, b) => a.at - b.at);
  const finalPartition = n > 3 && random() < 0.2 ? randomGroups(random, n) : undefined;
  // Drawn last so the rest of a seed's schedule stays what it was. 0 makes every OK late: the
  // fast claim then always races the higher node, which must still win with a higher term.
  const failoverWait = go ? undefined : pick(random, [undefined, undefined, 0, heartbeatMs / 50, heartbeatMs / 4, okWaitMs]);
  if (failoverWait !== undefined) config.failoverOkWaitMs = failoverWait;
  return {
    seed, nodes, config, faults, faultsEndMs, script, finalPartition,
    convergenceBoundMs: convergenceBound(config, maxDelayMs),
  };
}

/** Runs a schedule and returns every invariant violation found (empty = pass). */
export function runSchedule(schedule: Schedule, trace?: (line: string) => void): ScheduleResult {
  const sim = new Simulator({
    seed: schedule.seed, nodes: schedule.nodes, config: schedule.config, faults: schedule.faults,
    ...(trace && { trace }),
  });
  const everyone = schedule.nodes.map((_, i) => i);
  const currentLeaders = () => sim.views().filter((v) => v.role === 'leader').map((v) => v.index);
  for (const step of schedule.script) {
    sim.at(step.at, () => {
      switch (step.kind) {
        case 'start':
        case 'restart':
          return sim.start(step.node);
        case 'crash':
          return sim.crash(step.node);
        case 'crash-leader':
          return currentLeaders().forEach((i) => sim.crash(i));
        case 'stop-leader':
          return currentLeaders().forEach((i) => sim.stop(i));
        case 'partition':
          return sim.partition(step.groups);
        case 'heal':
          return sim.heal();
        case 'loss':
          return sim.setFaults({ lossRate: step.rate });
        case 'duplicate':
          return sim.setFaults({ duplicateRate: step.rate });
      }
    });
  }
  sim.at(schedule.faultsEndMs, () => {
    sim.setFaults({ lossRate: 0, duplicateRate: 0 });
    if (schedule.finalPartition) sim.partition(schedule.finalPartition);
    else sim.heal();
    // At least one node must be alive for agreement to mean something.
    if (everyone.every((i) => !sim.view(i).alive)) sim.start(0);
  });
  const checkAt = schedule.faultsEndMs + schedule.convergenceBoundMs;
  sim.runUntil(checkAt);
  const problems = [...sim.violations];
  const violationsAtCheck = sim.violations.length;
  for (const problem of sim.agreement(schedule.config.preempt)) problems.push(`t=${checkAt.toFixed(1)} (a) ${problem}`);
  // Once agreed, the cluster stays put: no state change in the next 20 heartbeats.
  const changesBefore = sim.stateChanges;
  sim.runUntil(checkAt + 20 * schedule.config.heartbeatMs);
  if (problems.length === 0 && sim.stateChanges !== changesBefore) {
    problems.push(`${sim.stateChanges - changesBefore} state changes after convergence (flap)`);
  }
  problems.push(...sim.violations.slice(violationsAtCheck));
  const messages = Object.values(sim.sent).reduce((a, b) => a + b, 0);
  return { schedule, problems, messages };
}
