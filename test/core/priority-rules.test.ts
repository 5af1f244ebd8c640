import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster';
import type { Election } from '../../lib/core';
import { INELIGIBLE_PRIORITY, MESSAGE_FLAGS, type Ready } from '../../lib/core/types';
import { followerOf, leaderAt, makeElection, msg, node, runUntil, types } from './harness';

const HB = 100;

/** Three nodes (ids 1, 2, 3) started together and agreed; returns the cluster at rest. */
function agreed(specs: ConstructorParameters<typeof Cluster>[0]): Cluster {
  const cluster = new Cluster(specs);
  cluster.startAll();
  cluster.runUntil(2_000);
  return cluster;
}

const stateEvents = (cluster: Cluster, since: number[]) =>
  cluster.members.map((m, i) => m.events.slice(since[i]).filter((e) => e.type === 'state').length);
const marks = (cluster: Cluster) => cluster.members.map((m) => m.events.length);

describe('priority order', () => {
  it('orders by priority first: a low id with a higher priority leads', () => {
    const cluster = agreed([{ id: 1, priority: 200 }, { id: 2 }, { id: 3 }]);
    expect(cluster.agreeOn(0)).toBe(true);
  });

  it('with every priority at the default, the highest id leads as before', () => {
    const cluster = agreed([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(cluster.agreeOn(2)).toBe(true);
  });

  it('equal priorities fall back to the id', () => {
    const cluster = agreed([{ id: 1, priority: 150 }, { id: 2, priority: 150 }, { id: 3, priority: 120 }]);
    expect(cluster.agreeOn(1)).toBe(true);
  });

  it('rejects priorities outside 1..254 and priority in go mode', () => {
    for (const priority of [0, 255, 1.5]) expect(() => makeElection(node(1), { priority })).toThrow(/priority must be an integer in 1\.\.254/);
    expect(() => makeElection(node(1), { mode: 'go', priority: 100 })).toThrow(/priority is not supported in go mode/);
    const election = leaderAt(node(1));
    expect(() => election.setPriority(0, 300)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});

describe('priority changes during a term', () => {
  it('a leader that falls below a node it knows hands office to it at once: a RESIGN naming it, no round', () => {
    const cluster = agreed([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const since = cluster.sent.length;
    cluster.act(2, (e, now) => e.setPriority(now, 50));
    cluster.runUntil(cluster.now + 50);
    expect(cluster.agreeOn(1)).toBe(true);
    const resigns = cluster.sent.slice(since).filter((m) => m.type === 'resign');
    expect(resigns.length).toBe(2);
    expect(resigns[0]!.successor).toEqual(node(2));
    expect(cluster.count('election', since)).toBe(0);
    expect(cluster.members[1]!.events.some((e) => e.type === 'state' && e.reason === 'named-successor')).toBe(true);
  });

  it('without preempt a leader whose priority falls keeps office', () => {
    const cluster = agreed([{ id: 1, preempt: false }, { id: 2, preempt: false }, { id: 3, preempt: false }]);
    const leader = cluster.leaders()[0]!;
    const before = marks(cluster);
    cluster.act(leader, (e, now) => e.setPriority(now, 1));
    cluster.runUntil(cluster.now + 3_000);
    expect(cluster.leaders()).toEqual([leader]);
    expect(stateEvents(cluster, before)).toEqual([0, 0, 0]);
  });

  it('a follower that comes to outrank its leader takes over in one round (preempt, no delay)', () => {
    const cluster = agreed([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const since = cluster.sent.length;
    cluster.act(0, (e, now) => e.setPriority(now, 200));
    cluster.runUntil(cluster.now + 1_000);
    expect(cluster.agreeOn(0)).toBe(true);
    expect(cluster.count('election', since)).toBe(1);
  });

  it('…only after preemptDelayMs, and not at all if it falls back within the delay (hysteresis)', () => {
    const specs = [{ id: 1, preemptDelayMs: 400 }, { id: 2, preemptDelayMs: 400 }, { id: 3, preemptDelayMs: 400 }];
    const cluster = agreed(specs);
    const start = cluster.now;
    cluster.act(0, (e, now) => e.setPriority(now, 200));
    cluster.runUntil(start + 350);
    expect(cluster.agreeOn(2)).toBe(true);
    cluster.runUntil(start + 400 + 3 * HB);
    expect(cluster.agreeOn(0)).toBe(true);

    const again = agreed(specs);
    const before = marks(again);
    again.act(0, (e, now) => e.setPriority(now, 200));
    again.runUntil(again.now + 200);
    again.act(0, (e, now) => e.setPriority(now, 100));
    again.runUntil(again.now + 2_000);
    expect(again.agreeOn(2)).toBe(true);
    expect(stateEvents(again, before)).toEqual([0, 0, 0]);
  });

  it('without preempt a follower that outranks its leader keeps following', () => {
    const cluster = agreed([{ id: 1, preempt: false }, { id: 2, preempt: false }, { id: 3, preempt: false }]);
    const leader = cluster.leaders()[0]!;
    const other = [0, 1, 2].find((i) => i !== leader)!;
    cluster.act(other, (e, now) => e.setPriority(now, 254));
    cluster.runUntil(cluster.now + 3_000);
    expect(cluster.leaders()).toEqual([leader]);
  });

  it('a check flapping faster than the preempt delay never moves the office', () => {
    const cluster = agreed([{ id: 1, preemptDelayMs: 300 }, { id: 2, preemptDelayMs: 300 }, { id: 3, preemptDelayMs: 300 }]);
    const before = marks(cluster);
    for (let i = 0; i < 20; i++) {
      cluster.act(0, (e, now) => e.setPriority(now, i % 2 === 0 ? 200 : 100));
      cluster.runUntil(cluster.now + 100);
    }
    cluster.act(0, (e, now) => e.setPriority(now, 100));
    cluster.runUntil(cluster.now + 2_000);
    expect(cluster.agreeOn(2)).toBe(true);
    expect(stateEvents(cluster, before)).toEqual([0, 0, 0]);
  });

  it('a priority drop during an election round still ends with one leader, the highest', () => {
    const cluster = new Cluster([{ id: 1 }, { id: 2 }, { id: 3 }]);
    cluster.startAll();
    cluster.runUntil(30); // ELECTIONs out, OK waits running
    cluster.act(2, (e, now) => e.setPriority(now, 10));
    cluster.runUntil(3_000);
    expect(cluster.leaders()).toEqual([1]);
    expect(cluster.agreeOn(1)).toBe(true);
  });

  it('nothing flaps while priorities stand still', () => {
    const cluster = agreed([{ id: 1, priority: 90 }, { id: 2, priority: 180 }, { id: 3, priority: 120 }]);
    expect(cluster.agreeOn(1)).toBe(true);
    const before = marks(cluster);
    cluster.runUntil(cluster.now + 10_000);
    expect(stateEvents(cluster, before)).toEqual([0, 0, 0]);
  });
});

describe('planned handover', () => {
  it('stop() names the successor, which takes office at once: no ELECTION', () => {
    const cluster = agreed([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const since = cluster.sent.length;
    const stoppedAt = cluster.now;
    cluster.act(2, (e, now) => e.stop(now));
    cluster.kill(2);
    cluster.runUntil(cluster.now + 1);
    expect(cluster.leaders()).toEqual([1]);
    expect(cluster.members[0]!.election.leader?.id).toBe(2n);
    expect(cluster.now - stoppedAt).toBeLessThanOrEqual(1);
    expect(cluster.count('election', since)).toBe(0);
  });

  it('a named successor that is gone costs no second leader: the others hold a round as before', () => {
    const cluster = agreed([{ id: 1 }, { id: 2 }, { id: 3 }]);
    cluster.kill(1); // the successor 3 would name, gone without a word
    cluster.act(2, (e, now) => e.stop(now));
    cluster.kill(2);
    cluster.runUntil(cluster.now + 2_000);
    expect(cluster.leaders()).toEqual([0]);
  });

  it('resign({ holdMs }): office moves at once, the node follows and stays out for holdMs, then (preempt) takes it back', () => {
    const cluster = agreed([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const resignedAt = cluster.now;
    cluster.act(2, (e, now) => e.resign(now, { holdMs: 2_000 }));
    cluster.runUntil(resignedAt + 50);
    expect(cluster.agreeOn(1)).toBe(true);
    expect(cluster.members[2]!.election.role).toBe('follower');
    cluster.runUntil(resignedAt + 1_900);
    expect(cluster.agreeOn(1)).toBe(true);
    cluster.runUntil(resignedAt + 3_000);
    expect(cluster.agreeOn(2)).toBe(true);
  });

  it('a held node alone starts no round until its hold ends', () => {
    const cluster = agreed([{ id: 1 }, { id: 2 }]);
    cluster.act(1, (e, now) => e.resign(now, { holdMs: 1_500 }));
    cluster.runUntil(cluster.now + 10);
    cluster.kill(0); // the successor dies: the held node is alone
    const diedAt = cluster.now;
    cluster.runUntil(diedAt + 1_400);
    expect(cluster.leaders()).toEqual([]);
    cluster.runUntil(diedAt + 3_000);
    expect(cluster.leaders()).toEqual([1]);
  });
});

describe('whom a resigning leader knows', () => {
  const resignsOf = (ready: ReturnType<Election['stop']>) => ready.messages.filter((m) => m.type === 'resign');

  it('a joiner whose first ELECTION carries no term yet (older than the leader\'s) is named successor', () => {
    const leader = leaderAt(node(9));
    expect(leader.term).toBeGreaterThan(0n);
    leader.receive(msg('election', node(5), 0n), 10_000);
    const resigns = resignsOf(leader.stop(10_010));
    expect(resigns).toHaveLength(2);
    expect(resigns[0]!.successor).toEqual(node(5));
  });

  it('without any message from a follower the RESIGN names nobody (the round decides)', () => {
    const leader = leaderAt(node(9));
    const resigns = resignsOf(leader.stop(10_010));
    expect(resigns).toHaveLength(2);
    expect(resigns[0]!.successor).toBeUndefined();
  });

  it('a follower the leader never heard (it spoke before the leader listened) says it is next in line: the RESIGN names it', () => {
    const cluster = new Cluster([{ id: 1 }, { id: 2 }]);
    cluster.members[1]!.alive = false; // node 2's socket is not open yet: node 1's start ELECTION is lost to it
    cluster.start(0);
    cluster.runUntil(1);
    cluster.members[1]!.alive = true;
    cluster.start(1); // node 1 hears this ELECTION and waits, silent: node 2 claims without having heard it
    cluster.runUntil(1 + 2 * HB);
    expect(cluster.agreeOn(1)).toBe(true);
    cluster.runUntil(cluster.now + 2 * HB); // its OK comes within a heartbeat of following
    const since = cluster.sent.length;
    cluster.act(1, (e, now) => e.stop(now));
    cluster.kill(1);
    cluster.runUntil(cluster.now + 1);
    expect(cluster.sent.slice(since).find((m) => m.type === 'resign')?.successor).toEqual(node(1));
    expect(cluster.leaders()).toEqual([0]);
    expect(cluster.members[0]!.events.some((e) => e.type === 'state' && e.reason === 'named-successor')).toBe(true);
  });

  it('a leader that knows nobody to name says so in its COORDINATOR (NO_SUCCESSOR) until it hears an eligible node', () => {
    const leader = leaderAt(node(9));
    const flagsOf = (ready: Ready) => ready.messages.filter((m) => m.type === 'coordinator').map((m) => m.flags);
    expect(new Set(flagsOf(runUntil(leader, 10_000)))).toEqual(new Set([MESSAGE_FLAGS.NO_SUCCESSOR])); // every heartbeat so far
    expect(flagsOf(runUntil(leader, 10_000 + HB))).toEqual([MESSAGE_FLAGS.NO_SUCCESSOR]);
    leader.receive({ ...msg('ok', node(4), leader.term), priority: INELIGIBLE_PRIORITY }, 10_000 + HB + 1); // held: never named
    expect(flagsOf(runUntil(leader, 10_000 + 2 * HB))).toEqual([MESSAGE_FLAGS.NO_SUCCESSOR]);
    leader.receive(msg('ok', node(5), leader.term), 10_000 + 2 * HB + 1);
    expect(flagsOf(runUntil(leader, 10_000 + 3 * HB))).toEqual([0]);
    expect(resignsOf(leader.stop(10_000 + 3 * HB + 1))[0]!.successor).toEqual(node(5));
  });

  it('the follower next in line answers its leader\'s NO_SUCCESSOR with one OK within a heartbeat; one with a node between, or held, does not', () => {
    const flagged = (at: bigint) => ({ ...msg('coordinator', node(9), at), flags: MESSAGE_FLAGS.NO_SUCCESSOR });
    const next = followerOf(node(5), node(9), 1n);
    expect(types(next.receive(msg('coordinator', node(9), 1n), 50))).toEqual([]);
    expect(types(runUntil(next, 50 + HB))).toEqual([]); // no flag: nothing to say
    const said = [...types(next.receive(flagged(1n), 200)), ...types(runUntil(next, 200 + HB))];
    expect(said).toEqual(['ok']);

    const below = followerOf(node(3), node(9), 1n);
    below.receive(msg('ok', node(5), 1n), 10); // node 5 is between it and the leader
    expect([...types(below.receive(flagged(1n), 200)), ...types(runUntil(below, 200 + HB))]).toEqual([]);

    const held = followerOf(node(5), node(9), 1n);
    held.resign(10, { holdMs: 10_000 });
    expect([...types(held.receive(flagged(1n), 200)), ...types(runUntil(held, 200 + HB))]).toEqual([]);
  });

  it('a flood of NO_SUCCESSOR COORDINATORs (a forger without keys, say) gets at most one OK per answer window', () => {
    const follower = followerOf(node(5), node(9), 1n);
    const flagged = { flags: MESSAGE_FLAGS.NO_SUCCESSOR };
    let oks = 0;
    for (let t = 10; t < 1_010; t++) {
      oks += types(follower.receive({ ...msg('coordinator', node(9), 1n), ...flagged }, t)).filter((type) => type === 'ok').length;
      oks += types(runUntil(follower, t + 0.5)).filter((type) => type === 'ok').length;
    }
    const answerWindowMs = Math.min(HB, follower.options.okWaitMs) / 4;
    expect(oks).toBeGreaterThan(0);
    expect(oks).toBeLessThanOrEqual(1_000 / answerWindowMs + 1);
    expect(follower.role).toBe('follower');
  });

  it('an old-term ELECTION from a higher node is still not noted: it never lengthens the skew', () => {
    const follower = followerOf(node(3), node(9), 4n);
    follower.receive(msg('election', node(7), 1n), 10_000); // older than the fenced term: a replay
    const resigned = follower.receive(msg('resign', node(9), 4n), 10_001);
    // Rank 0 (only the resigned leader was above it): it speaks at once, no skew for node 7.
    expect([...types(resigned), ...types(runUntil(follower, 10_001))]).toContain('election');
  });
});

describe('a paused leader without preempt (fix)', () => {
  it('follows the successor elected meanwhile: its queued ELECTION@T, then its COORDINATOR@T+1', () => {
    const leader = leaderAt(node(9), { preempt: false });
    const term = leader.term;
    const successor = node(5);
    leader.receive(msg('election', successor, term), 10_000);
    leader.receive(msg('coordinator', successor, term + 1n), 10_000);
    expect(leader.role).toBe('follower');
    expect(leader.leader).toEqual(successor);
  });

  it('with preempt it keeps office and out-terms the lower leader', () => {
    const leader = leaderAt(node(9));
    const term = leader.term;
    leader.receive(msg('election', node(5), term), 10_000);
    leader.receive(msg('coordinator', node(5), term + 1n), 10_000);
    expect(leader.role).toBe('leader');
    expect(leader.term > term + 1n).toBe(true);
  });
});
