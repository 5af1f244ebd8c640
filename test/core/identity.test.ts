// Rule: own packets are recognised by the full identity; another start of our (id, address) is a conflict.
import { describe, expect, it } from 'vitest';
import { eventsOf, leaderAt, makeElection, msg, node, runUntil, types } from './harness';

describe('own packets recognised by the full identity', () => {
  it('ignores its own looped-back messages in every role', () => {
    const self = node(5);
    const candidate = makeElection(self);
    const own = candidate.start(0).messages[0]!;
    expect(candidate.receive(own, 1)).toEqual({ messages: [], events: [] });
    expect(candidate.role).toBe('candidate');
    const leader = leaderAt(self);
    expect(leader.receive(msg('coordinator', self, 50n), 300)).toEqual({ messages: [], events: [] });
    expect(leader.term).toBe(1n); // its own echo never raises its term
    expect(leader.counters.ownIgnored).toBe(1);
  });

  it('another live node with the same (id, address) and a different nonce raises conflict, rate-limited per nonce', () => {
    const self = node(5); // nonce 5007
    const election = makeElection(self);
    election.start(0);
    const twin = { ...self, nonce: 999n };
    const first = election.receive(msg('election', twin), 1);
    expect(eventsOf(first, 'conflict')).toEqual([
      { type: 'conflict', other: twin, reason: expect.stringContaining('same id 5 and address 10.77.1.5') },
    ]);
    expect(types(first)).toEqual(['ok']); // the nonce orders the two: the lower twin is told to stand down
    expect(eventsOf(election.receive(msg('coordinator', twin, 3n), 2), 'conflict')).toEqual([]);
    expect(eventsOf(election.receive(msg('election', { ...self, nonce: 1000n }, 3n), 3), 'conflict')).toHaveLength(1);
    // Traffic of another start older than the fenced term is a replay of an earlier start: not reported.
    expect(eventsOf(election.receive(msg('election', { ...self, nonce: 1001n }, 1n), 4), 'conflict')).toEqual([]);
    expect(election.counters.conflicts).toBe(3);
    expect(election.role).toBe('candidate');
  });

  it('a conflict that lasts is reported again, at most once per 20 heartbeats', () => {
    const self = node(5);
    const election = makeElection(self);
    election.start(0);
    const twin = { ...self, nonce: 1n };
    let reports = 0;
    for (let t = 1; t <= 4_001; t += 100) reports += eventsOf(election.receive(msg('coordinator', twin, 1n), t), 'conflict').length;
    expect(reports).toBe(3); // at 1, 2001 and 4001 ms (heartbeat 100 ms)
  });

  it('of two starts of the same (id, address), the one with the higher nonce leads and the other follows it', () => {
    const low = makeElection({ ...node(5), nonce: 10n });
    const high = makeElection({ ...node(5), nonce: 20n });
    low.start(0);
    high.start(0);
    runUntil(low, 100);
    runUntil(high, 100);
    expect(low.role).toBe('leader');
    expect(high.role).toBe('leader');
    // The two leaders hear each other's heartbeats: the lower one steps down.
    const fromHigh = runUntil(high, 200).messages.find((m) => m.type === 'coordinator')!;
    const answer = low.receive(fromHigh, 200.5).messages.find((m) => m.type === 'coordinator')!;
    expect(low.role).toBe('leader'); // same term: the lower one answers, the higher one must out-term it
    high.receive(answer, 201);
    const raised = runUntil(high, 230).messages.find((m) => m.type === 'coordinator')!;
    expect(raised.term).toBe(2n);
    low.receive(raised, 231);
    expect(low.role).toBe('follower');
    expect(low.leader).toEqual({ ...node(5), nonce: 20n });
    expect(high.role).toBe('leader');
  });

  it('the same id on another address is a normal peer (address breaks the tie)', () => {
    const election = makeElection(node(5, '10.77.1.9'));
    election.start(0);
    expect(types(election.receive(msg('election', node(5, '10.77.1.2')), 1))).toEqual(['ok']);
    expect(eventsOf(election.receive(msg('election', node(5, '10.77.1.20')), 2), 'conflict')).toEqual([]);
    expect(election.role).toBe('waiting');
  });
});
