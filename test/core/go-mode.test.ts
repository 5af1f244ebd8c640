// Rule: Go-compatible mode — timers that interoperate with Go nodes, no terms, no RESIGN.
import { describe, expect, it } from 'vitest';
import { eventsOf, makeElection, msg, node, runUntil, types } from './harness';

const go = { mode: 'go' } as const;
const goNode = (id: number) => ({ ...node(id), nonce: 0n });

describe('go-compatible mode', () => {
  it('heartbeats every 250 ms, inside a Go follower’s 500 ms timeout', () => {
    const leader = makeElection(node(9), go);
    leader.start(0);
    const coordinatorTimes: number[] = [];
    for (let t = 0; t < 3_000; ) {
      t = leader.nextDeadline()!;
      if (types(leader.tick(t)).includes('coordinator')) coordinatorTimes.push(t);
    }
    expect(coordinatorTimes.length).toBeGreaterThan(5);
    const gaps = coordinatorTimes.slice(1).map((at, i) => at - coordinatorTimes[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(250);
  });

  it('all terms are 0, whatever it hears, and it never sends RESIGN', () => {
    const election = makeElection(node(9), go);
    election.start(0);
    election.receive(msg('election', goNode(3), 77n), 10);
    const all = runUntil(election, 2_000);
    expect(election.role).toBe('leader');
    expect(election.term).toBe(0n);
    expect([...all.messages.map((m) => m.term)]).toEqual(all.messages.map(() => 0n));
    expect(eventsOf(all, 'leader')).toEqual([{ type: 'leader', term: 0n }]);
    expect(types(election.stop(2_100))).toEqual([]);
    expect(election.role).toBe('stopped');
  });

  it('listens before its first ELECTION so it can follow a sitting Go leader without making it flap', () => {
    const election = makeElection(node(3), go);
    expect(types(election.start(0))).toEqual([]);
    election.receive(msg('coordinator', goNode(8)), 200);
    expect(election.role).toBe('follower');
    expect(election.counters.elections).toBe(0);
  });

  it('never re-sends ELECTION faster than every 2 s (a Go node restarts its election on each)', () => {
    const election = makeElection(node(3), go);
    election.start(0);
    expect(types(runUntil(election, 500))).toEqual(['election']); // after listening 2 × 250 ms
    election.receive(msg('coordinator', goNode(8)), 600);
    expect(election.role).toBe('follower');
    // The leader goes silent; it suspects at 600 + 3 × 250 but must not speak before 500 + 2000.
    const sends: number[] = [];
    for (let i = 0; i < 20; i++) {
      const at = election.nextDeadline();
      if (at === undefined || at > 2_600) break;
      if (types(election.tick(at)).includes('election')) sends.push(at);
    }
    expect(sends).toEqual([2_500]);
  });

  it('a leader answers a lower ELECTION with OK (cancels a Go candidate’s timer) and COORDINATOR', () => {
    const leader = makeElection(node(9), go);
    leader.start(0);
    runUntil(leader, 1_000);
    expect(leader.role).toBe('leader');
    expect(types(leader.receive(msg('election', goNode(3)), 1_100))).toEqual(['ok', 'coordinator']);
  });

  it('a leader yields to ELECTION from a higher node (a Go node would restart its timer on each COORDINATOR)', () => {
    const leader = makeElection(node(5), go);
    leader.start(0);
    runUntil(leader, 1_000);
    expect(leader.role).toBe('leader');
    const ready = leader.receive(msg('election', goNode(8)), 1_100);
    expect(types(ready)).toEqual([]);
    expect(leader.role).toBe('waiting');
    // The higher node never announces: it resumes after coordinatorWait, and its next ELECTION
    // respects the 2 s gap since its last one.
    const resumed = runUntil(leader, 1_100 + leader.options.coordinatorWaitMs + 3_000);
    expect(types(resumed)).toContain('election');
    expect(leader.role).toBe('leader');
  });

  it('recognises its own packets by (id, address), since Go packets carry no nonce', () => {
    const election = makeElection(node(9), go); // own nonce 9007 is not on the wire
    election.start(0);
    const ready = election.receive(msg('election', goNode(9)), 10);
    expect(ready.events).toEqual([]);
    expect(election.counters.ownIgnored).toBe(1);
    expect(election.counters.conflicts).toBe(0);
  });

  it('a leader steps down when a higher Go node announces (no term to compare)', () => {
    const leader = makeElection(node(5), go);
    leader.start(0);
    runUntil(leader, 1_000);
    leader.receive(msg('coordinator', goNode(8)), 1_100);
    expect(leader.role).toBe('follower');
    expect(leader.leader).toEqual(goNode(8));
  });
});
