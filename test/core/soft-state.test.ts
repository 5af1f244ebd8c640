// Rule: what a node learns from one packet is soft state. Terms cannot be exhausted, a newer-term
// leader wins unless ours out-terms it within a heartbeat, stale higher traffic does not hold up
// a round, `misses` means misses, a resumed stale leader does not take office back without
// preemption, and a faulted node leaves office and rejoins with a round.
import { describe, expect, it } from 'vitest';
import { nextTerm, termNewer, UINT64_MAX } from '../../lib/core';
import { eventsOf, followerOf, leaderAt, makeElection, msg, node, runUntil, types } from './harness';

describe('terms compare as serial numbers', () => {
  it('newer is antisymmetric, wraps after 2^64 − 1, and nextTerm never overflows', () => {
    expect(termNewer(2n, 1n)).toBe(true);
    expect(termNewer(1n, 2n)).toBe(false);
    expect(termNewer(5n, 5n)).toBe(false);
    expect(nextTerm(UINT64_MAX)).toBe(0n);
    expect(termNewer(0n, UINT64_MAX)).toBe(true);
    expect(termNewer(UINT64_MAX, 0n)).toBe(false);
    const half = 1n << 63n;
    // Exactly half-way apart: undefined in RFC 1982, numeric order here, never both ways.
    expect(termNewer(half, 0n)).not.toBe(termNewer(0n, half));
    expect(termNewer(half + 1n, 0n)).toBe(false);
    expect(termNewer(0n, half + 1n)).toBe(true);
  });

  it('forged terms up to 2^64 − 1 do not wedge: the leader fences past them and the next election still works', () => {
    const leader = leaderAt(node(9)); // term 1
    const forger = node(1, '10.77.9.1');
    // 2^64 − 1 is 2 behind term 1 in serial order: ignored.
    leader.receive(msg('coordinator', forger, UINT64_MAX), 1_000);
    expect(leader.term).toBe(1n);
    // The farthest term ahead (2^63) is fenced past; then 2^64 − 1 is ahead and wraps to 0.
    leader.receive(msg('coordinator', forger, 1n << 63n), 1_001);
    expect(leader.term).toBe((1n << 63n) + 1n);
    const ready = leader.receive(msg('coordinator', forger, UINT64_MAX), 1_002);
    expect(leader.term).toBe(0n);
    expect(leader.role).toBe('leader');
    expect(types(runUntil(leader, 1_100))).toContain('coordinator');
    expect(eventsOf(ready, 'leader')).toEqual([]);
    // A follower that learnt 2^64 − 1 elects a successor with term 0 when the leader dies.
    const follower = followerOf(node(5), node(9), UINT64_MAX);
    runUntil(follower, 1_000);
    expect(follower.role).toBe('leader');
    expect(follower.term).toBe(0n);
  });
});

describe('a newer-term leader wins unless ours out-terms it', () => {
  it('a follower of a higher node that stays silent about a newer-term leader switches after one heartbeat', () => {
    // Node 9's heartbeats keep coming at term 3 (e.g. replayed), node 4 leads at term 5.
    const follower = followerOf(node(2), node(9), 3n);
    expect(eventsOf(follower.receive(msg('coordinator', node(4), 5n), 10), 'follower')).toEqual([]);
    follower.receive(msg('coordinator', node(9), 3n), 50);
    expect(follower.leader).toEqual(node(9));
    const switched = runUntil(follower, 110);
    expect(eventsOf(switched, 'follower')).toEqual([{ type: 'follower', leader: node(4), term: 5n }]);
    // Node 9's old term is now stale.
    follower.receive(msg('coordinator', node(9), 3n), 120);
    expect(follower.leader).toEqual(node(4));
    expect(follower.counters.staleIgnored).toBeGreaterThan(0);
  });

  it('a live higher leader that out-terms the challenger keeps its follower (no flap)', () => {
    const follower = followerOf(node(2), node(9), 3n);
    follower.receive(msg('coordinator', node(4), 5n), 10);
    const kept = follower.receive(msg('coordinator', node(9), 6n), 12);
    expect(eventsOf(kept, 'follower')).toEqual([{ type: 'follower', leader: node(9), term: 6n }]);
    expect(eventsOf(runUntil(follower, 200), 'follower')).toEqual([]);
    expect(follower.leader).toEqual(node(9));
  });

  it('ELECTION and OK of a higher node with a term older than the leader\'s do not hold up a round', () => {
    const follower = followerOf(node(2), node(4), 5n);
    follower.receive(msg('ok', node(9), 3n), 10);
    follower.receive(msg('election', node(9), 3n), 20);
    expect(follower.counters.staleHigherIgnored).toBe(2);
    // The leader dies: the follower (top of what it knows) speaks at once instead of waiting for node 9.
    const detected = runUntil(follower, 1 + 350);
    expect(types(detected)).toEqual(['election']);
  });
});

describe('misses mean misses', () => {
  it('misses − 1 lost heartbeats never time out, misses do (period running 1% long)', () => {
    const heartbeatMs = 100;
    const period = heartbeatMs * 1.01;
    const follower = followerOf(node(2), node(9), 1n, { heartbeatMs, misses: 3 });
    let t = 1;
    // Two of every three... the leader's heartbeats arrive every 3rd period: 2 lost in a row.
    for (let i = 0; i < 20; i++) {
      t += 3 * period;
      runUntil(follower, t - 0.01);
      expect(follower.role).toBe('follower');
      follower.receive(msg('coordinator', node(9), 1n), t);
    }
    // Three lost in a row: the fourth period passes the timeout.
    runUntil(follower, t + 4 * period);
    expect(follower.role).not.toBe('follower');
  });
});

describe('a resumed stale leader', () => {
  it('without preemption, a leader that hears a newer-term lower leader steps down to follow it', () => {
    const stale = leaderAt(node(9), { preempt: false }, 0n); // term 1
    const ready = stale.receive(msg('coordinator', node(4), 2n), 2_000);
    expect(stale.role).toBe('follower');
    expect(eventsOf(ready, 'follower')).toEqual([{ type: 'follower', leader: node(4), term: 2n }]);
  });

  it('with preemption, it out-terms the lower leader in one answer (a single leader again)', () => {
    const stale = leaderAt(node(9)); // term 1
    const ready = stale.receive(msg('coordinator', node(4), 2n), 2_000);
    expect(stale.role).toBe('leader');
    expect(stale.term).toBe(3n);
    expect(types(ready)).toEqual(['coordinator']);
  });
});

describe('fault', () => {
  it('a leader in fault leaves office, sends nothing and ignores the network; recover starts a cold round', () => {
    const leader = leaderAt(node(9));
    const term = leader.term;
    const ready = leader.fault(500, 'nic-down');
    expect(types(ready)).toEqual([]);
    expect(eventsOf(ready, 'state')).toEqual([{ type: 'state', from: 'leader', to: 'fault', reason: 'nic-down', term }]);
    expect(leader.role).toBe('fault');
    expect(leader.leader).toBeUndefined();
    expect(leader.nextDeadline()).toBeUndefined();
    expect(leader.receive(msg('election', node(1, '10.77.9.1'), 9n), 600)).toEqual({ messages: [], events: [] });
    expect(leader.fault(700, 'nic-gone').events).toEqual([]); // already faulted
    const back = leader.recover(1_000, 'nic-recovered');
    expect(eventsOf(back, 'state')).toEqual([{ type: 'state', from: 'fault', to: 'candidate', reason: 'nic-recovered', term }]);
    expect(types(back)).toEqual(['election']);
    runUntil(leader, 1_000 + leader.options.okWaitMs);
    expect(leader.role).toBe('leader');
    expect(termNewer(leader.term, term)).toBe(true);
  });

  it('recover outside fault and fault before start are no-ops', () => {
    const election = makeElection(node(3));
    expect(election.fault(0, 'nic-down').events).toEqual([]);
    election.start(0);
    expect(election.recover(1).events).toEqual([]);
    expect(election.role).toBe('candidate');
  });
});
