// Rules: no stall after OK; no election storm (one round in flight, one OK answers all).
import { describe, expect, it } from 'vitest';
import { eventsOf, followerOf, makeElection, msg, node, runUntil, types } from './harness';

describe('no stall', () => {
  it('after OK from a higher node, waits coordinatorWaitMs for COORDINATOR, then restarts the election', () => {
    const candidate = makeElection(node(3));
    candidate.start(0);
    const waiting = candidate.receive(msg('ok', node(8)), 10);
    expect(candidate.role).toBe('waiting');
    expect(eventsOf(waiting, 'state')[0]).toMatchObject({ from: 'candidate', to: 'waiting', reason: 'ok-from-higher-node' });
    const { coordinatorWaitMs } = candidate.options;
    expect(candidate.nextDeadline()).toBe(10 + coordinatorWaitMs);
    // Nothing happens before the deadline …
    expect(runUntil(candidate, 10 + coordinatorWaitMs - 1).messages).toEqual([]);
    expect(candidate.role).toBe('waiting');
    // … then it restarts: the node that promised to lead is forgotten, so it speaks without skew.
    const restart = runUntil(candidate, 10 + coordinatorWaitMs + candidate.options.skewStepMs);
    expect(eventsOf(restart, 'state')[0]).toMatchObject({ from: 'waiting', to: 'candidate', reason: 'coordinator-timeout' });
    expect(types(restart)).toEqual(['election']);
    // And with nobody answering this time, it leads.
    runUntil(candidate, 10 + coordinatorWaitMs + 500);
    expect(candidate.role).toBe('leader');
    expect(candidate.counters.elections).toBe(2);
  });

  it('a COORDINATOR from the higher node ends the wait', () => {
    const candidate = makeElection(node(3));
    candidate.start(0);
    candidate.receive(msg('ok', node(8)), 10);
    candidate.receive(msg('coordinator', node(8), 1n), 50);
    expect(candidate.role).toBe('follower');
    expect(candidate.leader).toEqual(node(8));
  });
});

describe('no election storm', () => {
  it('at most one election round in flight: more ELECTIONs from lower nodes do not start another', () => {
    const candidate = makeElection(node(9));
    expect(types(candidate.start(0))).toEqual(['election']);
    const sent: string[] = [];
    for (let i = 1; i <= 8; i++) sent.push(...types(candidate.receive(msg('election', node(i)), 1 + i)));
    expect(sent.filter((t) => t === 'election')).toEqual([]);
    expect(candidate.counters.elections).toBe(1);
  });

  it('one multicast OK answers every lower node: a burst of lower ELECTIONs gets one OK now and at most one deferred', () => {
    const candidate = makeElection(node(9));
    candidate.start(0);
    let oks = 0;
    for (let i = 1; i <= 8; i++) oks += types(candidate.receive(msg('election', node(i)), 1 + i)).length;
    expect(oks).toBe(1);
    // ELECTIONs that arrived after the first OK get one more OK at the end of the answer window (25 ms).
    const deferred = runUntil(candidate, 30);
    expect(types(deferred)).toEqual(['ok']);
    // A lone ELECTION later is answered at once again.
    expect(types(candidate.receive(msg('election', node(2)), 60))).toEqual(['ok']);
  });

  it('an OK waits rank × okStep, so the highest node it knows of answers first', () => {
    const candidate = makeElection(node(5));
    candidate.start(0);
    // It has heard of two higher nodes (their OKs to its own ELECTION: it now waits for them).
    candidate.receive(msg('ok', node(8), 0n), 1);
    candidate.receive(msg('ok', node(9), 0n), 1);
    expect(candidate.role).toBe('waiting');
    const { okWaitMs, maxSkewRank } = candidate.options;
    const step = okWaitMs / (4 * maxSkewRank);
    expect(types(candidate.receive(msg('election', node(2), 1n), 10))).toEqual([]);
    expect(types(runUntil(candidate, 10 + 2 * step - 0.01))).toEqual([]);
    expect(types(runUntil(candidate, 10 + 2 * step))).toEqual(['ok']);
  });

  it('a pending OK is dropped when a higher node speaks first: every lower candidate heard it too', () => {
    const candidate = makeElection(node(5));
    candidate.start(0);
    candidate.receive(msg('ok', node(9), 0n), 1);
    candidate.receive(msg('election', node(2), 1n), 10);
    candidate.receive(msg('ok', node(9), 1n), 11);
    expect(types(runUntil(candidate, 40))).toEqual([]);
    expect(candidate.counters.okSuppressed).toBe(1);
  });

  it('a candidate that hears ELECTION from a higher node stops its round and waits (an implicit OK)', () => {
    const candidate = makeElection(node(3));
    candidate.start(0);
    const ready = candidate.receive(msg('election', node(8)), 5);
    expect(types(ready)).toEqual([]);
    expect(candidate.role).toBe('waiting');
    runUntil(candidate, 5 + candidate.options.okWaitMs * 2);
    expect(candidate.role).toBe('waiting'); // did not claim while a higher node is electing
  });
});

describe('followers and lower ELECTIONs', () => {
  it('a follower of a fresh leader leaves a lower joiner to the leader; after a missed heartbeat it answers OK', () => {
    const follower = followerOf(node(6), node(9), 1n, { heartbeatMs: 100 });
    // Node 7 is next in line (it tells joiners so): node 6 is not.
    follower.receive(msg('ok', node(7), 1n), 50);
    follower.receive(msg('coordinator', node(9), 1n), 100);
    expect(types(follower.receive(msg('election', node(2)), 150))).toEqual([]); // the leader answers it
    // No heartbeat since t=100: at t=260 the leader is a heartbeat and a half late. The OK waits
    // rank × okStep (node 9 outranks it) in case the leader or another higher node answers first.
    expect(types(follower.receive(msg('election', node(3)), 260))).toEqual([]);
    expect(types(runUntil(follower, 260 + follower.options.okWaitMs / 4))).toEqual(['ok']);
    expect(follower.role).toBe('follower');
  });

  it('a follower next in line answers a lower joiner at once, and the leader\'s answer does not cancel it', () => {
    const follower = followerOf(node(7), node(9), 1n, { heartbeatMs: 100 });
    follower.receive(msg('coordinator', node(9), 1n), 100);
    expect(follower.probeTarget).toEqual(node(9));
    expect(types(follower.receive(msg('election', node(2), 1n), 150))).toEqual(['ok']);
    // A second joiner within the answer window: one coalesced OK at the window's end, even though
    // the leader answers in between.
    expect(types(follower.receive(msg('election', node(3), 1n), 151))).toEqual([]);
    follower.receive(msg('coordinator', node(9), 1n), 152);
    expect(types(runUntil(follower, 150 + follower.options.okWaitMs / 4))).toEqual(['ok']);
    expect(follower.role).toBe('follower');
    // A higher follower's OK (it is next in line, not us) does cancel a pending one.
    follower.receive(msg('coordinator', node(9), 1n), 390);
    expect(types(follower.receive(msg('election', node(4), 1n), 400))).toEqual(['ok']);
    expect(types(follower.receive(msg('election', node(5), 1n), 401))).toEqual([]);
    follower.receive(msg('ok', node(8), 1n), 402);
    expect(types(runUntil(follower, 500))).toEqual([]);
    expect(follower.probeTarget).toBeUndefined();
    // The joiner, hearing that OK, knows node 7 above it and leaves probing to it.
    const joiner = followerOf(node(2), node(9), 1n);
    expect(joiner.probeTarget).toEqual(node(9));
    joiner.receive(msg('ok', node(7), 1n), 10);
    expect(joiner.probeTarget).toBeUndefined();
  });
});
