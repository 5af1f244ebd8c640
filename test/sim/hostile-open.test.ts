// Hostile sender, unauthenticated cluster (issue 7). Real traffic goes through the v1 codec, one
// codec (one replay filter) per node instance; the attacker forges, corrupts and replays packets
// (see hostile.ts). Invariants, named in the test titles:
// (H1) never throws, never wedges: no exception from the core or the codec (an encoder refusing a
//      term counts), every live node keeps a timer, and after the leaders crash, ELECTIONs are sent
//      and someone takes office;
// (H2) soft state: within 3 × the detection bound + 2 election rounds after the last hostile packet,
//      exactly one leader, the highest live real node, followed by every live node; it stays so;
// (H4) forged term 2^64 − 1: elections go on, a leader is elected after the real leader crashes;
// (H5) duplicate identity: exactly one of two instances with the same (id, address) leads;
// (H6) a sitting leader flooded with 2,000 forged ELECTIONs with rising terms keeps leading and
//      emits at most one 'leader' event.
// A failure prints: SEED=<seed> HOSTILE=<key> npx vitest run test/sim/hostile-open.test.ts -t replay
import { describe, expect, it } from 'vitest';
import { ATTACK_KINDS, describeResult, runByKey, runH1, runH2, runH4, runH5, runH6 } from './hostile';
import { runHostileBatch } from './hostile-run';

const FILE = 'test/sim/hostile-open.test.ts';
const REPLAY_SEED = process.env.SEED;
const SOAK = process.env.SOAK === '1';
const scale = (n: number) => (SOAK ? n * 20 : n);
const budget = (ms: number) => (SOAK ? ms * 20 : ms);

describe.skipIf(REPLAY_SEED !== undefined)('hostile sender, unauthenticated', () => {
  it('(H1) never throws, never wedges: after a mixed hostile burst every live node keeps a timer, and when the leaders crash an election is held', async () => {
    const { ran, failures, report } = await runHostileBatch(
      { key: 'H1:open', firstSeed: 1, target: scale(40), minimum: 10, budgetMs: budget(3_000), file: FILE }, (seed) => runH1(seed, 'open'));
    expect(failures, report).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(10);
  });

  for (const kind of ATTACK_KINDS) {
    it(`(H2) soft state after ${kind}: within 3× detection bound + 2 rounds of the last hostile packet the highest live real node leads, all follow, and it stays so`, async () => {
      const { ran, failures, report } = await runHostileBatch(
        { key: `H2:${kind}`, firstSeed: 100, target: scale(60), minimum: 10, budgetMs: budget(1_800), file: FILE }, (seed) => runH2(seed, kind));
      expect(failures, report).toEqual([]);
      expect(ran).toBeGreaterThanOrEqual(10);
    });
  }

  it('(H4) forged term 2^64−1 (all four types, fake ids below and above): elections continue, the highest live node is elected after the real leader crashes', async () => {
    const { ran, failures, report } = await runHostileBatch(
      { key: 'H4', firstSeed: 1, target: scale(100), minimum: 15, budgetMs: budget(1_500), file: FILE }, (seed) => runH4(seed));
    expect(failures, report).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(15);
  });

  it('(H5) duplicate identity (same id and address, other nonce): exactly one of the two instances leads within a few rounds, everyone follows it, and it keeps leading', async () => {
    const { ran, failures, report } = await runHostileBatch(
      { key: 'H5:open', firstSeed: 1, target: scale(100), minimum: 15, budgetMs: budget(1_500), file: FILE }, (seed) => runH5(seed, 'open'));
    expect(failures, report).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(15);
  });

  it("(H6) a sitting leader flooded with 2,000 forged ELECTIONs with rising terms keeps leading and emits at most 1 'leader' event", async () => {
    const { ran, failures, report } = await runHostileBatch(
      { key: 'H6:open', firstSeed: 1, target: scale(15), minimum: 4, budgetMs: budget(2_500), file: FILE }, (seed) => runH6(seed, 'open'));
    expect(failures, report).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(4);
  });
});

describe.skipIf(REPLAY_SEED === undefined || !/^(H1:open|H2:[a-z-]+|H4|H5:open|H6:open)$/.test(process.env.HOSTILE ?? ''))('replay', () => {
  it(`replay seed ${REPLAY_SEED ?? ''} ${process.env.HOSTILE ?? ''} with a trace`, () => {
    const result = runByKey(process.env.HOSTILE!, Number(REPLAY_SEED), true);
    console.log((result.trace ?? []).join('\n'));
    console.log(describeResult(result));
    expect(result.problems).toEqual([]);
  });
});
