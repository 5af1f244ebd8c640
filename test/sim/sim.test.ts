// Seeded fault schedules against the election core. Each schedule checks:
// (a) agreement: after faults stop, within convergenceBound() (see schedule.ts: twice
//     detection + worst skew + okWait + coordinatorWait, plus slack), the live nodes of each
//     partition group follow one leader, the group's highest live node (or, preempt off, any one);
//     and nothing changes state for the next 20 heartbeats;
// (b) nobody follows a leader dead or cut off for longer than (misses + 0.5) × heartbeat + max delay;
// (c) the terms of a node's successive leaders strictly increase (v1);
// (d) messages per failover stay ≤ 3 × N (measured separately below, also with racing fast claims).
// A failure prints a one-line replay command: SEED=<seed> MAXN=<n> npx vitest run test/sim -t replay
// (interop runs: SEED=<seed> INTEROP=1 npx vitest run test/sim -t replay).
import { describe, expect, it } from 'vitest';
import { measureFailover } from './failover';
import { runInterop, type InteropResult } from './interop';
import { generateSchedule, runSchedule, type ScheduleResult } from './schedule';

const SOAK = process.env.SOAK === '1';
const REPLAY_SEED = process.env.SEED;

interface Batch {
  readonly firstSeed: number;
  readonly target: number;
  readonly minimum: number;
  readonly maxNodes: number;
  readonly budgetMs: number;
}

/** Lets vitest's worker answer its RPC: a soak that never yields for minutes makes it time out. */
const YIELD_EVERY_MS = 1_000;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function runBatch(batch: Batch): Promise<{ ran: number; failures: ScheduleResult[]; messages: number }> {
  const started = Date.now();
  let yieldedAt = started;
  const failures: ScheduleResult[] = [];
  let ran = 0;
  let messages = 0;
  for (let seed = batch.firstSeed; ran < batch.target && Date.now() - started < batch.budgetMs; seed++) {
    if (Date.now() - yieldedAt > YIELD_EVERY_MS) {
      await yieldToEventLoop();
      yieldedAt = Date.now();
    }
    const result = runSchedule(generateSchedule(seed, batch.maxNodes));
    messages += result.messages;
    ran++;
    if (result.problems.length > 0) failures.push(result);
    if (failures.length >= 5) break;
  }
  return { ran, failures, messages };
}

function report(failures: ScheduleResult[], maxNodes: number): string {
  return failures
    .map((f) => `seed ${f.schedule.seed} (N=${f.schedule.nodes.length}, ${JSON.stringify(f.schedule.config)}):\n  ` +
      `${f.problems.slice(0, 4).join('\n  ')}\n  replay: SEED=${f.schedule.seed} MAXN=${maxNodes} npx vitest run test/sim -t replay`)
    .join('\n');
}

describe.skipIf(REPLAY_SEED !== undefined)('seeded fault schedules', () => {
  it('random schedules with N in 2..20 keep invariants (a), (b), (c)', async () => {
    const batch: Batch = SOAK
      ? { firstSeed: 1_000_000, target: 50_000, minimum: 5_000, maxNodes: 30, budgetMs: 240_000 }
      : { firstSeed: 1, target: 3_000, minimum: 1_000, maxNodes: 20, budgetMs: 40_000 };
    const { ran, failures, messages } = await runBatch(batch);
    console.log(`sim: ${ran} schedules (N 2..${batch.maxNodes}), ${messages} messages, ${failures.length} failing`);
    expect(failures, report(failures, batch.maxNodes)).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(batch.minimum);
  }, SOAK ? 300_000 : 60_000);

  it('large schedules with N up to 100 keep invariants (a), (b), (c)', async () => {
    const batch: Batch = SOAK
      ? { firstSeed: 5_000_000, target: 2_000, minimum: 100, maxNodes: 200, budgetMs: 240_000 }
      : { firstSeed: 500_000, target: 40, minimum: 8, maxNodes: 100, budgetMs: 15_000 };
    const { ran, failures } = await runBatch(batch);
    console.log(`sim: ${ran} large schedules (N 2..${batch.maxNodes}), ${failures.length} failing`);
    expect(failures, report(failures, batch.maxNodes)).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(batch.minimum);
  }, SOAK ? 300_000 : 60_000);

  it('interoperates with the Go library model: mixed clusters converge on the highest node and stay', async () => {
    const budgetMs = SOAK ? 120_000 : 10_000;
    const target = SOAK ? 20_000 : 400;
    const started = Date.now();
    const failures: InteropResult[] = [];
    let ran = 0;
    let yieldedAt = started;
    for (let seed = SOAK ? 100_000 : 1; ran < target && Date.now() - started < budgetMs && failures.length < 5; seed++, ran++) {
      if (Date.now() - yieldedAt > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        yieldedAt = Date.now();
      }
      const result = runInterop(seed);
      if (result.problems.length > 0) failures.push(result);
    }
    console.log(`interop: ${ran} mixed Go/go-mode clusters, ${failures.length} failing`);
    expect(failures.map((f) => `seed ${f.seed} ${f.scenario} ${f.nodes.map((n) => `${n.id}${n.legacyGo ? 'G' : 'O'}`).join(' ')}: ` +
      `${f.problems.join('; ')}\n  replay: SEED=${f.seed} INTEROP=1 npx vitest run test/sim -t replay`)).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(SOAK ? 1_000 : 60);
  }, SOAK ? 180_000 : 60_000);

  it('messages per failover stay O(N): at most 3 × N for N = 10 and N = 100', () => {
    for (const nodes of [10, 100]) {
      for (const how of ['crash', 'stop'] as const) {
        for (const lossRate of [0, 0.05]) {
          const runs = Array.from({ length: nodes > 10 ? 5 : 10 }, (_, k) => measureFailover({ nodes, seed: 40 + k, how, lossRate }));
          for (const run of runs) {
            expect(run.converged, `N=${nodes} ${how} loss=${lossRate} seed run did not converge`).toBe(true);
            expect(run.total).toBeLessThanOrEqual(3 * nodes);
          }
          const totals = runs.map((r) => r.total);
          const times = runs.map((r) => r.failoverMs);
          console.log(
            `failover N=${nodes} ${how} loss=${lossRate * 100}%: messages min ${Math.min(...totals)} ` +
            `median ${median(totals)} max ${Math.max(...totals)}; time median ${median(times).toFixed(0)} ms ` +
            `max ${Math.max(...times).toFixed(0)} ms (heartbeat 100 ms, misses 3); first run ${JSON.stringify(runs[0]!.messages)}`,
          );
        }
      }
    }
  });

  it('messages per failover stay O(N) even when every fast claim races (failoverOkWaitMs 0, 20% loss)', () => {
    for (const nodes of [10, 100]) {
      for (const how of ['crash', 'stop'] as const) {
        const config = { heartbeatMs: 100, failoverOkWaitMs: 0 };
        const runs = Array.from({ length: 5 }, (_, k) => measureFailover({ nodes, seed: 70 + k, how, lossRate: 0.2, config }));
        for (const run of runs) {
          expect(run.converged, `N=${nodes} ${how} did not converge`).toBe(true);
          expect(run.total).toBeLessThanOrEqual(3 * nodes);
        }
        const totals = runs.map((r) => r.total);
        console.log(`racing failover N=${nodes} ${how} loss=20%: messages median ${median(totals)} max ${Math.max(...totals)}`);
      }
    }
  });
});

describe.skipIf(REPLAY_SEED === undefined)('replay', () => {
  it(`replay seed ${REPLAY_SEED ?? ''} with a trace`, () => {
    const seed = Number(REPLAY_SEED);
    if (process.env.INTEROP === '1') {
      const lines: string[] = [];
      const result = runInterop(seed, (line) => lines.push(line));
      console.log(`${result.scenario}: ${result.nodes.map((n, i) => `n${i}=${n.id}${n.legacyGo ? ' (Go model)' : ''}`).join(', ')}`);
      console.log(lines.join('\n'));
      expect(result.problems).toEqual([]);
      return;
    }
    const maxNodes = Number(process.env.MAXN ?? 20);
    const schedule = generateSchedule(seed, maxNodes);
    const lines: string[] = [];
    const result = runSchedule(schedule, (line) => lines.push(line));
    console.log(`schedule ${JSON.stringify(schedule, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    console.log(lines.join('\n'));
    expect(result.problems).toEqual([]);
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
