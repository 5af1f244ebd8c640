// Hostile sender, cluster with a shared secret (issue 7). The outsider cannot make valid tags: it
// replays recorded genuine packets (random ones, a dead leader's stream in order, a node's own
// previous instance at its fresh restart), flips bits, truncates, forges sequence numbers, and
// sends forgeries without a tag, under a wrong secret or an unknown key id (see hostile.ts).
// (H1) never throws, never wedges (as in hostile-open.test.ts);
// (H3) leadership never moves from the highest live node once the cluster is stable: no steady node
//      changes state; a node restarted under replay follows the highest live node within 3 × the
//      detection bound of its start and stays;
// (H5) duplicate identity: exactly one of the two instances leads;
// (H6) forged ELECTIONs (no valid tag) leave a sitting leader alone.
// A failure prints: SEED=<seed> HOSTILE=<key> npx vitest run test/sim/hostile-secret.test.ts -t replay
import { describe, expect, it } from 'vitest';
import { describeResult, runByKey, runH1, runH3, runH5, runH6 } from './hostile';
import { runHostileBatch } from './hostile-run';

const FILE = 'test/sim/hostile-secret.test.ts';
const REPLAY_SEED = process.env.SEED;
const SOAK = process.env.SOAK === '1';
const scale = (n: number) => (SOAK ? n * 20 : n);
const budget = (ms: number) => (SOAK ? ms * 20 : ms);

describe.skipIf(REPLAY_SEED !== undefined)('hostile sender, with a secret', () => {
  it('(H1) never throws, never wedges: after a burst of replays, corrupt packets and unauthenticated forgeries every live node keeps a timer, and when the leaders crash an election is held', async () => {
    const { ran, failures, report } = await runHostileBatch(
      { key: 'H1:secret', firstSeed: 1, target: scale(30), minimum: 10, budgetMs: budget(3_000), file: FILE }, (seed) => runH1(seed, 'secret'));
    expect(failures, report).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(10);
  });

  it('(H3) leadership never moves from the highest live node under replays, bit flips, forged seq and forgeries; a node restarted under replay follows it within 3× detection bound', async () => {
    const { ran, failures, report } = await runHostileBatch(
      { key: 'H3', firstSeed: 1, target: scale(50), minimum: 12, budgetMs: budget(8_000), file: FILE }, (seed) => runH3(seed));
    expect(failures, report).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(12);
  });

  it('(H5) duplicate identity (same id and address, other nonce): exactly one of the two instances leads within a few rounds, everyone follows it, and it keeps leading', async () => {
    const { ran, failures, report } = await runHostileBatch(
      { key: 'H5:secret', firstSeed: 1, target: scale(100), minimum: 15, budgetMs: budget(2_500), file: FILE }, (seed) => runH5(seed, 'secret'));
    expect(failures, report).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(15);
  });

  it("(H6) a sitting leader sent 2,000 forged ELECTIONs with rising terms (no valid tag) keeps leading and emits at most 1 'leader' event", async () => {
    const { ran, failures, report } = await runHostileBatch(
      { key: 'H6:secret', firstSeed: 1, target: scale(8), minimum: 3, budgetMs: budget(2_000), file: FILE }, (seed) => runH6(seed, 'secret'));
    expect(failures, report).toEqual([]);
    expect(ran).toBeGreaterThanOrEqual(3);
  });
});

describe.skipIf(REPLAY_SEED === undefined || !(process.env.HOSTILE ?? '').match(/^(H3|H[1-6]:secret)$/))('replay', () => {
  it(`replay seed ${REPLAY_SEED ?? ''} ${process.env.HOSTILE ?? ''} with a trace`, () => {
    const result = runByKey(process.env.HOSTILE!, Number(REPLAY_SEED), true);
    console.log((result.trace ?? []).join('\n'));
    console.log(describeResult(result));
    expect(result.problems).toEqual([]);
  });
});
