// Hostile sender (issue 7), in an unauthenticated cluster and in one with a shared secret. Real
// traffic goes through the v1 codec, one codec (one replay filter) per node instance; the attacker
// forges, corrupts and replays packets (see hostile.ts). With a secret it cannot make valid tags:
// it replays recorded genuine packets (random ones, a dead leader's stream in order, a node's own
// previous instance at its fresh restart), flips bits, truncates, forges sequence numbers, and
// sends forgeries without a tag, under a wrong secret or an unknown key id. Invariants, named in
// the test titles:
// (H1) never throws, never wedges: no exception from the core or the codec (an encoder refusing a
//      term counts), every live node keeps a timer, and after the leaders crash, ELECTIONs are sent
//      and someone takes office;
// (H2) soft state (open): within 3 × the detection bound + 2 election rounds after the last hostile
//      packet, exactly one leader, the highest live real node, followed by every live node; it stays so;
// (H3) (secret) leadership never moves from the highest live node once the cluster is stable: no
//      steady node changes state; a node restarted under replay follows the highest live node within
//      3 × the detection bound of its start and stays;
// (H4) (open) forged term 2^64 − 1: elections go on, a leader is elected after the real leader crashes;
// (H5) duplicate identity: exactly one of two instances with the same (id, address) leads;
// (H6) a sitting leader flooded with 2,000 forged ELECTIONs with rising terms (with a secret: no
//      valid tag) keeps leading and emits at most one 'leader' event.
// A failure prints: SEED=<seed> HOSTILE=<key> npx vitest run test/sim/hostile.test.ts -t replay
import { describe, expect, it } from 'vitest';
import { ATTACK_KINDS, describeResult, runByKey, runH1, runH2, runH3, runH4, runH5, runH6, type HostileResult } from './hostile';
import { runHostileBatch } from './hostile-run';

const FILE = 'test/sim/hostile.test.ts';
const REPLAY_SEED = process.env.SEED;
const SOAK = process.env.SOAK === '1';
const scale = (n: number) => (SOAK ? n * 20 : n);
const budget = (ms: number) => (SOAK ? ms * 20 : ms);

/** One property checked on seeds firstSeed, firstSeed + 1, … (target and budget before SOAK scaling). */
interface HostileCase {
  readonly title: string;
  /** HOSTILE=<key> replays one of its seeds. */
  readonly key: string;
  readonly firstSeed: number;
  readonly target: number;
  /** Fewer seeds than this within the budget fails the test. */
  readonly minimum: number;
  readonly budgetMs: number;
  readonly run: (seed: number) => HostileResult;
}

const SUITES: ReadonlyArray<{ readonly title: string; readonly cases: readonly HostileCase[] }> = [
  {
    title: 'hostile sender, unauthenticated',
    cases: [
      {
        title: '(H1) never throws, never wedges: after a mixed hostile burst every live node keeps a timer, and when the leaders crash an election is held',
        key: 'H1:open', firstSeed: 1, target: 40, minimum: 10, budgetMs: 3_000, run: (seed) => runH1(seed, 'open'),
      },
      ...ATTACK_KINDS.map((kind): HostileCase => ({
        title: `(H2) soft state after ${kind}: within 3× detection bound + 2 rounds of the last hostile packet the highest live real node leads, all follow, and it stays so`,
        key: `H2:${kind}`, firstSeed: 100, target: 60, minimum: 10, budgetMs: 1_800, run: (seed) => runH2(seed, kind),
      })),
      {
        title: '(H4) forged term 2^64−1 (all four types, fake ids below and above): elections continue, the highest live node is elected after the real leader crashes',
        key: 'H4', firstSeed: 1, target: 100, minimum: 15, budgetMs: 1_500, run: (seed) => runH4(seed),
      },
      {
        title: '(H5) duplicate identity (same id and address, other nonce): exactly one of the two instances leads within a few rounds, everyone follows it, and it keeps leading',
        key: 'H5:open', firstSeed: 1, target: 100, minimum: 15, budgetMs: 1_500, run: (seed) => runH5(seed, 'open'),
      },
      {
        title: "(H6) a sitting leader flooded with 2,000 forged ELECTIONs with rising terms keeps leading and emits at most 1 'leader' event",
        key: 'H6:open', firstSeed: 1, target: 15, minimum: 4, budgetMs: 2_500, run: (seed) => runH6(seed, 'open'),
      },
    ],
  },
  {
    title: 'hostile sender, with a secret',
    cases: [
      {
        title: '(H1) never throws, never wedges: after a burst of replays, corrupt packets and unauthenticated forgeries every live node keeps a timer, and when the leaders crash an election is held',
        key: 'H1:secret', firstSeed: 1, target: 30, minimum: 10, budgetMs: 3_000, run: (seed) => runH1(seed, 'secret'),
      },
      {
        title: '(H3) leadership never moves from the highest live node under replays, bit flips, forged seq and forgeries; a node restarted under replay follows it within 3× detection bound',
        key: 'H3', firstSeed: 1, target: 50, minimum: 12, budgetMs: 8_000, run: (seed) => runH3(seed),
      },
      {
        title: '(H5) duplicate identity (same id and address, other nonce): exactly one of the two instances leads within a few rounds, everyone follows it, and it keeps leading',
        key: 'H5:secret', firstSeed: 1, target: 100, minimum: 15, budgetMs: 2_500, run: (seed) => runH5(seed, 'secret'),
      },
      {
        title: "(H6) a sitting leader sent 2,000 forged ELECTIONs with rising terms (no valid tag) keeps leading and emits at most 1 'leader' event",
        key: 'H6:secret', firstSeed: 1, target: 8, minimum: 3, budgetMs: 2_000, run: (seed) => runH6(seed, 'secret'),
      },
    ],
  },
];

for (const suite of SUITES) {
  describe.skipIf(REPLAY_SEED !== undefined)(suite.title, () => {
    for (const c of suite.cases) {
      it(c.title, async () => {
        const { ran, failures, report } = await runHostileBatch(
          { key: c.key, firstSeed: c.firstSeed, target: scale(c.target), minimum: c.minimum, budgetMs: budget(c.budgetMs), file: FILE }, c.run);
        expect(failures, report).toEqual([]);
        expect(ran).toBeGreaterThanOrEqual(c.minimum);
      });
    }
  });
}

/** The keys the batches above print in their replay commands. */
const REPLAYABLE = new Set(SUITES.flatMap((suite) => suite.cases.map((c) => c.key)));

describe.skipIf(REPLAY_SEED === undefined || !REPLAYABLE.has(process.env.HOSTILE ?? ''))('replay', () => {
  it(`replay seed ${REPLAY_SEED ?? ''} ${process.env.HOSTILE ?? ''} with a trace`, () => {
    const result = runByKey(process.env.HOSTILE!, Number(REPLAY_SEED), true);
    console.log((result.trace ?? []).join('\n'));
    console.log(describeResult(result));
    expect(result.problems).toEqual([]);
  });
});
