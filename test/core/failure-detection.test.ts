// Rules: failure detection after `misses` heartbeats; priority-based skew; RESIGN; configurable timers.
import { describe, expect, it } from 'vitest';
import { eventsOf, followerOf, leaderAt, makeElection, msg, node, runUntil, types } from './harness';
import { measureFailover } from '../sim/failover';

describe('failure detection', () => {
  it('a follower suspects the leader after misses + ½ heartbeat intervals without COORDINATOR', () => {
    const follower = followerOf(node(9), node(20), 1n, { heartbeatMs: 100, misses: 3 });
    // Heartbeats keep it following.
    for (let t = 100; t <= 1_000; t += 100) follower.receive(msg('coordinator', node(20), 1n), t);
    expect(runUntil(follower, 1_349).events).toEqual([]);
    expect(follower.role).toBe('follower');
    const suspect = runUntil(follower, 1_350);
    expect(eventsOf(suspect, 'state')[0]).toMatchObject({ from: 'follower', to: 'candidate', reason: 'leader-timeout' });
    expect(follower.leader).toBeUndefined();
  });

  it('heartbeats from an older start of the leader (other nonce) do not keep it alive', () => {
    const follower = followerOf(node(9), node(20), 1n);
    const restarted = { ...node(20), nonce: 1n };
    for (let t = 100; t <= 400; t += 100) follower.receive(msg('coordinator', restarted, 0n), t);
    runUntil(follower, 351);
    expect(follower.role).not.toBe('follower');
  });
});

describe('skew: the highest surviving node speaks first', () => {
  /** A follower of node 20 that has heard of the given other nodes. */
  function follower(self: number, heardOf: number[]) {
    const election = followerOf(node(self), node(20), 1n);
    // Any current message makes a node known; a COORDINATOR at the followed term (1) from
    // another node changes nothing else (it needs a newer term).
    for (const other of heardOf) election.receive(msg('coordinator', node(other), 1n), 2);
    election.receive(msg('coordinator', node(20), 1n), 3);
    return election;
  }

  it('waits rank × skewStep before ELECTION, rank = known live nodes above it (the dead leader excluded)', () => {
    const detection = 3 + 350; // (misses + 0.5) × heartbeat after the last one
    const { skewStepMs } = follower(1, []).options;
    const top = follower(9, [1, 4, 7]);
    expect(types(runUntil(top, detection))).toEqual(['election']); // rank 0: no skew at all
    for (const [self, rank] of [[7, 1], [4, 2], [1, 3]] as const) {
      const election = follower(self, [1, 4, 7, 9].filter((n) => n !== self));
      runUntil(election, detection);
      expect(election.role).toBe('candidate');
      const deadline = election.nextDeadline()!;
      expect(deadline - detection).toBeGreaterThanOrEqual(rank * skewStepMs);
      expect(deadline - detection).toBeLessThan(rank * skewStepMs + skewStepMs / 2 + 1e-9);
      expect(types(runUntil(election, deadline))).toEqual(['election']);
    }
  });

  it('a lower node stays quiet if it hears ELECTION from a higher node during its skew', () => {
    const low = follower(4, [7, 9]);
    runUntil(low, 353);
    expect(low.role).toBe('candidate');
    low.receive(msg('election', node(9), 1n), 355);
    expect(low.role).toBe('waiting');
    expect(types(runUntil(low, 355 + low.options.coordinatorWaitMs - 1))).toEqual([]);
    low.receive(msg('coordinator', node(9), 2n), 450);
    expect(low.role).toBe('follower');
  });

  it('a follower that already heard a higher node electing waits for it instead of speaking', () => {
    const low = follower(4, [9]);
    low.receive(msg('election', node(9), 1n), 250); // node 9 noticed first
    const ready = runUntil(low, 353);
    expect(low.role).toBe('waiting');
    expect(types(ready)).toEqual([]);
  });

  it('messages per failover are O(1) on a clean network, far below the Go storm (N = 30)', () => {
    const run = measureFailover({ nodes: 30, seed: 3 });
    expect(run.converged).toBe(true);
    expect(run.messages.election).toBe(1);
    expect(run.messages.ok).toBe(0);
    expect(run.total).toBeLessThanOrEqual(4);
  });
});

describe('RESIGN on clean stop', () => {
  it('RESIGN is sent twice, so one lost copy does not cost a follower the detection bound', () => {
    const leader = leaderAt(node(20));
    const [first, second] = leader.stop(1_000).messages;
    const follower = followerOf(node(9), node(20), leader.term);
    // The first copy is lost; the second alone starts the handover.
    const ready = follower.receive(second!, 1_001);
    expect(eventsOf(ready, 'state')[0]).toMatchObject({ to: 'candidate', reason: 'leader-resigned' });
    // Both copies arriving is harmless: the second changes nothing.
    const both = followerOf(node(9), node(20), leader.term);
    both.receive(first!, 1_001);
    expect(both.receive(second!, 1_001.1)).toEqual({ messages: [], events: [] });
    expect(both.role).toBe('candidate');
  });

  it('a leader that stops sends RESIGN; its followers start the election at once (skew only)', () => {
    const leader = leaderAt(node(20));
    const stop = leader.stop(1_000);
    expect(types(stop)).toEqual(['resign', 'resign']);
    expect(stop.messages[0]!.term).toBe(leader.term);
    expect(stop.messages[1]!.seq).toBeGreaterThan(stop.messages[0]!.seq); // not a replay
    expect(leader.role).toBe('stopped');

    const follower = followerOf(node(9), node(20), leader.term);
    const ready = follower.receive(stop.messages[0]!, 1_001);
    expect(eventsOf(ready, 'state')[0]).toMatchObject({ to: 'candidate', reason: 'leader-resigned' });
    expect(follower.leader).toBeUndefined();
    // Highest known survivor: rank 0, so ELECTION at once, and leader one failoverOkWait later.
    expect(types(ready)).toEqual(['election']);
    const { failoverOkWaitMs } = follower.options;
    expect(types(runUntil(follower, 1_001 + failoverOkWaitMs - 0.01))).toEqual([]);
    expect(types(runUntil(follower, 1_001 + failoverOkWaitMs))).toEqual(['coordinator']);
    expect(follower.role).toBe('leader');
    expect(follower.term).toBe(leader.term + 1n);
  });

  it('a RESIGN from a node that is not our leader changes nothing', () => {
    const follower = followerOf(node(9), node(20));
    const ready = follower.receive(msg('resign', node(15), 1n), 10);
    expect(ready.events).toEqual([]);
    expect(follower.role).toBe('follower');
  });

  it('a planned handover is much faster than a crash failover', () => {
    const stopped = measureFailover({ nodes: 10, seed: 5, how: 'stop' });
    const crashed = measureFailover({ nodes: 10, seed: 5, how: 'crash' });
    expect(stopped.converged && crashed.converged).toBe(true);
    expect(stopped.failoverMs).toBeLessThan(crashed.failoverMs - 150);
  });
});

describe('timers are configurable', () => {
  it('with heartbeat 50 ms, failover completes within (misses + 0.5) × heartbeat + failoverOkWait (+ delivery)', () => {
    const config = { heartbeatMs: 50, misses: 3 };
    const run = measureFailover({ nodes: 10, seed: 11, config });
    expect(run.converged).toBe(true);
    // Highest survivor: rank 0, no skew; it waits failoverOkWait (2.5 ms); delivery ≤ 1 ms each way.
    expect(run.failoverMs).toBeLessThanOrEqual(3.5 * 50 + 2.5 + 3);
    const handover = measureFailover({ nodes: 10, seed: 11, config, how: 'stop' });
    expect(handover.converged).toBe(true);
    expect(handover.failoverMs).toBeLessThanOrEqual(2.5 + 3);
    const slow = measureFailover({ nodes: 10, seed: 11, config: { heartbeatMs: 200 } });
    expect(slow.failoverMs).toBeGreaterThan(run.failoverMs * 2);
  });

  it('LAN defaults give failover within about 1 s', () => {
    const run = measureFailover({ nodes: 10, seed: 12 });
    expect(run.converged).toBe(true);
    expect(run.failoverMs).toBeLessThan(1_000);
  });

  it('a leader heartbeats every heartbeatMs', () => {
    const leader = leaderAt(node(5), { heartbeatMs: 40 });
    const start = leader.nextDeadline()!;
    const ready = runUntil(leader, start + 400);
    expect(types(ready)).toEqual(new Array(11).fill('coordinator'));
  });
});

describe('RESIGN while waiting', () => {
  it('a node waiting only on the higher node that resigns restarts at once instead of waiting it out', () => {
    const candidate = makeElection(node(3));
    candidate.start(0);
    candidate.receive(msg('ok', node(8)), 5);
    expect(candidate.role).toBe('waiting');
    const ready = candidate.receive(msg('resign', node(8), 1n), 20);
    expect(eventsOf(ready, 'state')[0]).toMatchObject({ from: 'waiting', to: 'candidate', reason: 'higher-node-resigned' });
    runUntil(candidate, 20 + candidate.options.skewStepMs + candidate.options.okWaitMs);
    expect(candidate.role).toBe('leader');
  });
});
