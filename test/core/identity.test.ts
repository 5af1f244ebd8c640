// Rule: own packets are recognised by the full identity; another start of our (id, address) is a conflict.
import { describe, expect, it } from 'vitest';
import { eventsOf, leaderAt, makeElection, msg, node, types } from './harness';

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

  it('another live node with the same (id, address) and a different nonce raises conflict, once per nonce', () => {
    const self = node(5);
    const election = makeElection(self);
    election.start(0);
    const twin = { ...self, nonce: 999n };
    const first = election.receive(msg('election', twin), 1);
    expect(eventsOf(first, 'conflict')).toEqual([
      { type: 'conflict', other: twin, reason: expect.stringContaining('same id 5 and address 10.77.1.5') },
    ]);
    expect(types(first)).toEqual([]); // not treated as a peer: no OK
    expect(eventsOf(election.receive(msg('coordinator', twin, 3n), 2), 'conflict')).toEqual([]);
    expect(eventsOf(election.receive(msg('election', { ...self, nonce: 1000n }), 3), 'conflict')).toHaveLength(1);
    expect(election.counters.conflicts).toBe(3);
    expect(election.role).toBe('candidate');
  });

  it('the same id on another address is a normal peer (address breaks the tie)', () => {
    const election = makeElection(node(5, '10.77.1.9'));
    election.start(0);
    expect(types(election.receive(msg('election', node(5, '10.77.1.2')), 1))).toEqual(['ok']);
    expect(eventsOf(election.receive(msg('election', node(5, '10.77.1.20')), 2), 'conflict')).toEqual([]);
    expect(election.role).toBe('waiting');
  });
});
