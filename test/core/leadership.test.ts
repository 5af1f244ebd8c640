// Rules: a sitting leader stays leader; preempt on/off for a higher joiner; split brain heals.
import { describe, expect, it } from 'vitest';
import { eventsOf, followerOf, leaderAt, makeElection, msg, node, runUntil, types } from './harness';

describe('a sitting leader stays leader', () => {
  it('answers ELECTION from a lower node with COORDINATOR at once and keeps leading', () => {
    const leader = leaderAt(node(9));
    const term = leader.term;
    const ready = leader.receive(msg('election', node(3), 0n), 500);
    expect(types(ready)).toEqual(['coordinator']);
    expect(ready.messages[0]!.term).toBe(term);
    expect(eventsOf(ready, 'state')).toEqual([]); // no re-election, no flap
    expect(leader.role).toBe('leader');
    // Heartbeats go on; no ELECTION ever comes out of it.
    const later = runUntil(leader, 2_000);
    expect(new Set(types(later))).toEqual(new Set(['coordinator']));
    expect(leader.role).toBe('leader');
  });

  it('a lower joiner follows the sitting leader without anyone changing state', () => {
    const leader = leaderAt(node(9));
    const joiner = makeElection(node(3));
    const election = joiner.start(1_000).messages[0]!;
    const answer = leader.receive(election, 1_001).messages[0]!;
    const ready = joiner.receive(answer, 1_002);
    expect(joiner.role).toBe('follower');
    expect(joiner.leader).toEqual(node(9));
    expect(eventsOf(ready, 'follower')).toEqual([{ type: 'follower', leader: node(9), term: leader.term }]);
    expect(leader.role).toBe('leader');
  });

  it('coalesces answers: many ELECTIONs at once get one COORDINATOR per answer window, none lost', () => {
    const leader = leaderAt(node(9));
    let sent = 0;
    for (let i = 1; i <= 8; i++) sent += types(leader.receive(msg('election', node(i), 0n), 500 + i)).length;
    expect(sent).toBe(1);
    // The later ELECTIONs are answered by a COORDINATOR pulled forward, within a quarter heartbeat.
    expect(leader.nextDeadline()).toBeLessThanOrEqual(501 + 25);
    expect(types(runUntil(leader, 526))).toEqual(['coordinator']);
  });

  it('with preempt on, a HIGHER node that joins takes over', () => {
    const leader = leaderAt(node(5));
    const joiner = makeElection(node(9));
    const election = joiner.start(1_000).messages[0]!;
    const answer = leader.receive(election, 1_001).messages[0]!;
    joiner.receive(answer, 1_002); // learns the sitting leader's term, does not follow a lower node
    expect(joiner.role).toBe('candidate');
    const claim = runUntil(joiner, 1_000 + joiner.options.okWaitMs).messages[0]!;
    expect(joiner.role).toBe('leader');
    expect(claim.type).toBe('coordinator');
    expect(claim.term).toBeGreaterThan(leader.term);
    const stepDown = leader.receive(claim, 1_200);
    expect(leader.role).toBe('follower');
    expect(leader.leader).toEqual(node(9));
    expect(eventsOf(stepDown, 'state')[0]).toMatchObject({ from: 'leader', to: 'follower', reason: 'higher-leader' });
  });

  it('with preempt off, a higher node that joins and hears a healthy leader follows it', () => {
    const leader = leaderAt(node(5), { preempt: false });
    const joiner = makeElection(node(9), { preempt: false });
    const election = joiner.start(1_000).messages[0]!;
    const answer = leader.receive(election, 1_001).messages[0]!;
    joiner.receive(answer, 1_002);
    expect(joiner.role).toBe('follower');
    expect(joiner.leader).toEqual(node(5));
    // While the leader's heartbeats keep coming, the higher node keeps following: no round. It says
    // once that it is next in line (the leader had not noted it: its ELECTION carried no term yet).
    const sent: string[] = [];
    for (let t = 1_100; t <= 3_000; t += 100) {
      for (const heartbeat of runUntil(leader, t).messages) {
        const out = [...joiner.receive(heartbeat, t + 1).messages, ...runUntil(joiner, t + 1).messages];
        for (const m of out) leader.receive(m, t + 1);
        sent.push(...out.map((m) => m.type));
      }
      expect(joiner.role).toBe('follower');
    }
    expect(sent).toEqual(['ok']);
    expect(leader.role).toBe('leader');
  });
});

describe('split brain heals', () => {
  it('when two leaders hear each other, the lower one steps down at once (lower has the higher term)', () => {
    const high = leaderAt(node(9)); // term 1
    const low = leaderAt(node(4), {}, 5n); // term 6
    expect(low.term).toBeGreaterThan(high.term);
    // The higher leader hears the lower: it raises its term above and announces at once.
    const raised = high.receive(msg('coordinator', node(4), low.term), 1_000);
    expect(types(raised)).toEqual(['coordinator']);
    expect(raised.messages[0]!.term).toBe(low.term + 1n);
    expect(eventsOf(raised, 'leader')).toEqual([]); // it was leading already: no new 'leader'
    expect(eventsOf(raised, 'term')).toEqual([{ type: 'term', term: low.term + 1n, reason: 'lower-leader' }]);
    const stepDown = low.receive(raised.messages[0]!, 1_001);
    expect(low.role).toBe('follower');
    expect(low.leader).toEqual(node(9));
    expect(eventsOf(stepDown, 'follower')[0]!.term).toBe(7n);
    expect(high.role).toBe('leader');
  });

  it('the lower leader that hears the higher one first answers, and steps down on the reply', () => {
    const high = leaderAt(node(9));
    const low = leaderAt(node(4), {}, 5n);
    const heartbeat = msg('coordinator', node(9), high.term);
    const answer = low.receive(heartbeat, 1_000); // the higher one's term is older: tell it ours
    expect(types(answer)).toEqual(['coordinator']);
    const reply = high.receive(answer.messages[0]!, 1_001);
    low.receive(reply.messages[0]!, 1_002);
    expect(low.role).toBe('follower');
    expect(high.role).toBe('leader');
    expect(high.term).toBe(7n);
  });

  it('a lower leader steps down immediately when the higher one already has a higher term', () => {
    const low = leaderAt(node(4));
    const ready = low.receive(msg('coordinator', node(9), 10n), 1_000);
    expect(low.role).toBe('follower');
    expect(types(ready)).toEqual([]);
  });

  it('followers of the lower leader move to the higher one once it out-terms theirs', () => {
    const follower = followerOf(node(2), node(4), 6n);
    follower.receive(msg('coordinator', node(9), 3n), 1_000); // stale term: ignored
    expect(follower.leader).toEqual(node(4));
    follower.receive(msg('coordinator', node(9), 7n), 1_001);
    expect(follower.leader).toEqual(node(9));
    expect(follower.term).toBe(7n);
  });
});
