// Rule: terms are fencing tokens.
import { describe, expect, it } from 'vitest';
import { eventsOf, followerOf, leaderAt, makeElection, msg, node, runUntil } from './harness';

describe('terms are fencing tokens', () => {
  it('a new leader takes a term greater than every term it has seen', () => {
    const candidate = makeElection(node(9));
    candidate.start(0);
    for (const [from, term] of [[1, 3n], [2, 7n], [3, 5n]] as const) candidate.receive(msg('election', node(from), term), 5);
    const won = runUntil(candidate, 200);
    expect(candidate.role).toBe('leader');
    expect(candidate.term).toBe(8n);
    expect(eventsOf(won, 'leader')).toEqual([{ type: 'leader', term: 8n }]);
    expect(won.messages.find((m) => m.type === 'coordinator')!.term).toBe(8n);
  });

  it('a leader that hears a higher term raises its own above it and keeps leading', () => {
    const leader = leaderAt(node(9));
    for (const type of ['ok', 'election', 'coordinator'] as const) {
      const before = leader.term;
      const ready = leader.receive(msg(type, node(2), before + 10n), 1_000);
      expect(leader.role).toBe('leader');
      expect(leader.term).toBe(before + 11n);
      expect(eventsOf(ready, 'leader')).toEqual([]); // still in office: reported as a term raise
      expect(eventsOf(ready, 'term')).toEqual([{ type: 'term', term: before + 11n, reason: expect.any(String) }]);
    }
  });

  it('a follower ignores a COORDINATOR whose term is lower than its leader term', () => {
    const follower = followerOf(node(2), node(5), 6n);
    const ready = follower.receive(msg('coordinator', node(9), 3n), 10);
    expect(ready.events).toEqual([]);
    expect(follower.leader).toEqual(node(5));
    expect(follower.counters.staleIgnored).toBe(1);
    // Equal term from another node is not newer either.
    follower.receive(msg('coordinator', node(9), 6n), 11);
    expect(follower.leader).toEqual(node(5));
  });

  it('an old leader’s stale COORDINATOR must not make followers go back', () => {
    const follower = followerOf(node(2), node(5), 3n);
    follower.receive(msg('coordinator', node(6), 4n), 10); // a newer leader (after a partition)
    expect(follower.leader).toEqual(node(6));
    follower.receive(msg('coordinator', node(5), 3n), 20); // the old one, still heartbeating
    expect(follower.leader).toEqual(node(6));
    expect(follower.term).toBe(4n);
  });

  it('a restarted node learns the current term from the cluster before it claims', () => {
    const sitting = leaderAt(node(5), {}, 5n); // term 6
    const restarted = makeElection({ ...node(9), nonce: 77n }); // term memory lost: starts at 0
    const election = restarted.start(1_000).messages[0]!;
    expect(election.term).toBe(0n);
    restarted.receive(sitting.receive(election, 1_001).messages[0]!, 1_002);
    runUntil(restarted, 1_200);
    expect(restarted.role).toBe('leader');
    expect(restarted.term).toBe(7n);
  });

  it('a restarted leader with term 0 cannot pull followers back until it out-terms them', () => {
    const follower = followerOf(node(2), node(9), 5n);
    const restarted = { ...node(9), nonce: 123n };
    follower.receive(msg('coordinator', restarted, 1n), 50);
    expect(follower.leader).toEqual(node(9)); // still the old instance: term 1 < 5
    // The old instance is silent: the follower times out and runs an election carrying term 5 …
    const suspicion = runUntil(follower, 351);
    const election = suspicion.messages.find((m) => m.type === 'election')!;
    expect(election.term).toBe(5n);
    // … the restarted leader hears it, fences above it, and the follower accepts.
    const leader = makeElection(restarted);
    leader.start(0);
    runUntil(leader, 200);
    const answer = leader.receive(election, 302);
    expect(answer.messages[0]!.term).toBe(6n);
    follower.receive(answer.messages[0]!, 303);
    expect(follower.leader).toEqual(restarted);
    expect(follower.term).toBe(6n);
  });

  it('the terms a node sees from its successive leaders strictly increase', () => {
    const follower = followerOf(node(2), node(5), 1n);
    const seen: bigint[] = [1n];
    const feed = (from: number, term: bigint, at: number) => {
      for (const e of eventsOf(follower.receive(msg('coordinator', node(from), term), at), 'follower')) seen.push(e.term);
    };
    feed(7, 1n, 10); // ignored
    feed(7, 2n, 20);
    feed(5, 2n, 30); // ignored (not newer, other node)
    feed(8, 9n, 40);
    feed(7, 8n, 50); // ignored
    feed(8, 9n, 60); // heartbeat: no new event
    expect(seen).toEqual([1n, 2n, 9n]);
  });

  it('a fresh leader that outranks a newer-term lower leader keeps its followers until it out-terms it', () => {
    const follower = followerOf(node(2), node(7), 2n);
    follower.receive(msg('coordinator', node(4), 5n), 10); // lower node, newer term: the leaders settle it
    expect(follower.leader).toEqual(node(7));
    follower.receive(msg('coordinator', node(7), 6n), 11); // node 7 raised above 5
    expect(follower.leader).toEqual(node(7));
    expect(follower.term).toBe(6n);
  });
});
