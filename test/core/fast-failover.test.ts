// Rules: a failover round (leader timed out or resigned) confirms after failoverOkWaitMs, not
// okWaitMs; the top-ranked survivor has no skew; a higher node that answers too late still wins
// with a higher term (preempt) or follows (no preempt); cold start and go mode keep the full wait.
import { describe, expect, it } from 'vitest';
import type { Election, Message } from '../../lib/core';
import { eventsOf, followerOf, makeElection, msg, node, runUntil, types } from './harness';

const LEADER = node(20);

/** A follower of node 20 (term 1) that has heard of the given other nodes; last heartbeat at 3. */
function follower(self: number, heardOf: number[], options = {}): Election {
  const election = followerOf(node(self), LEADER, 1n, options);
  for (const other of heardOf) election.receive(msg('coordinator', node(other), 1n), 2); // not newer: only makes it known
  election.receive(msg('coordinator', LEADER, 1n), 3);
  return election;
}

const DETECTION = 3 + 350; // default heartbeat 100 ms × (misses 3 + 0.5)

describe('fast failover', () => {
  it('a candidate that sat out its skew unanswered confirms quickly', () => {
    const low = follower(7, [9]); // node 9 outranks it: rank 1, so it waits one skew step
    runUntil(low, DETECTION);
    expect(low.role).toBe('candidate');
    const { skewStepMs, failoverOkWaitMs, okWaitMs } = low.options;
    expect(failoverOkWaitMs).toBeLessThan(okWaitMs);
    const sentAt = low.nextDeadline()!;
    expect(sentAt - DETECTION).toBeGreaterThanOrEqual(skewStepMs);
    expect(types(low.tick(sentAt))).toEqual(['election']);
    // No higher node spoke during the skew: leader one failoverOkWait later, not one okWait.
    expect(low.nextDeadline()).toBe(sentAt + failoverOkWaitMs);
    const claim = runUntil(low, sentAt + failoverOkWaitMs);
    expect(types(claim)).toEqual(['coordinator']);
    expect(eventsOf(claim, 'state')[0]).toMatchObject({ from: 'candidate', to: 'leader', reason: 'no-higher-node-answered' });
    expect(low.term).toBe(2n);
  });

  it('the top-ranked survivor speaks at once: no skew, ELECTION in the same step as the timeout', () => {
    const top = follower(9, [1, 4, 7]);
    const ready = runUntil(top, DETECTION);
    expect(types(ready)).toEqual(['election']);
    expect(top.nextDeadline()).toBe(DETECTION + top.options.failoverOkWaitMs);
  });

  it('a RESIGN handover confirms after failoverOkWait, not okWait', () => {
    const next = follower(9, [1, 4]);
    const ready = next.receive(msg('resign', LEADER, 1n), 50);
    expect(types(ready)).toEqual(['election']);
    expect(types(runUntil(next, 50 + next.options.failoverOkWaitMs))).toEqual(['coordinator']);
    expect(next.role).toBe('leader');
  });

  it('a node waiting only on a higher node that resigns also confirms quickly', () => {
    const low = follower(4, [9]);
    runUntil(low, DETECTION);
    low.receive(msg('election', node(9), 1n), DETECTION + 1);
    expect(low.role).toBe('waiting');
    low.receive(msg('resign', node(9), 1n), DETECTION + 5);
    expect(low.role).toBe('candidate'); // rank 0 now: ELECTION at once
    runUntil(low, DETECTION + 5 + low.options.failoverOkWaitMs);
    expect(low.role).toBe('leader');
  });

  it('an OK from a higher node within the failover wait still makes the candidate stand down', () => {
    const low = follower(7, []); // does not know node 9 exists: believes it is top
    const election = runUntil(low, DETECTION).messages[0]!;
    expect(election.type).toBe('election');
    const higher = follower(9, []); // its leader is 350 ms stale: it answers a lower ELECTION
    runUntil(higher, DETECTION - 1);
    higher.receive(election, DETECTION + 0.5);
    // It still knows its leader (node 20): its OK waits one rank step for a higher answer first.
    const answer = runUntil(higher, DETECTION + 0.5 + higher.options.okWaitMs / 4);
    const ok = answer.messages.find((m) => m.type === 'ok')!;
    expect(ok).toBeDefined();
    low.receive(ok, DETECTION + 1 + higher.options.okWaitMs / 4);
    expect(low.role).toBe('waiting');
    expect(types(runUntil(low, DETECTION + low.options.okWaitMs))).toEqual([]);
  });

  it('a leader that dies right after its election is detected within misses × heartbeat + skew', () => {
    // Cold start: node 5 hears node 9 elect and OK it, then node 9's COORDINATOR settles the round.
    const low = makeElection(node(5));
    low.start(0);
    low.receive(msg('election', node(9), 0n), 1);
    low.receive(msg('ok', node(9), 0n), 2);
    expect(low.role).toBe('waiting');
    low.receive(msg('coordinator', node(9), 1n), 110);
    expect(low.role).toBe('follower');
    // Node 9 dies at once. The round's ELECTION/OK traffic is settled history: no extra
    // coordinator wait, the survivor (rank 0 now) speaks as soon as the leader times out.
    const { heartbeatMs, misses, failoverOkWaitMs } = low.options;
    const timeout = 110 + (misses + 0.5) * heartbeatMs;
    const detected = runUntil(low, timeout);
    expect(types(detected)).toEqual(['election']);
    expect(eventsOf(detected, 'state')[0]).toMatchObject({ from: 'follower', to: 'candidate', reason: 'leader-timeout' });
    runUntil(low, timeout + failoverOkWaitMs);
    expect(low.role).toBe('leader');
  });

  it('a cold start still waits the full okWait: nodes do not know each other yet', () => {
    const joiner = makeElection(node(7));
    expect(types(joiner.start(0))).toEqual(['election']);
    expect(joiner.nextDeadline()).toBe(joiner.options.okWaitMs);
    runUntil(joiner, joiner.options.okWaitMs - 1);
    expect(joiner.role).toBe('candidate');
  });

  it('a restart after an awaited COORDINATOR never came keeps the full okWait', () => {
    const candidate = makeElection(node(3));
    candidate.start(0);
    candidate.receive(msg('ok', node(8)), 5);
    const { coordinatorWaitMs, okWaitMs } = candidate.options;
    runUntil(candidate, 5 + coordinatorWaitMs);
    expect(candidate.role).toBe('candidate');
    expect(candidate.nextDeadline()).toBe(5 + coordinatorWaitMs + okWaitMs);
  });

  it('go mode keeps the full okWait on failover (Go nodes answer on their own 2 s clock)', () => {
    const goNode = (id: number) => ({ ...node(id), nonce: 0n });
    const election = makeElection(goNode(7), { mode: 'go' });
    election.start(0);
    election.receive(msg('coordinator', goNode(20)), 1);
    expect(election.role).toBe('follower');
    const { misses, heartbeatMs, okWaitMs, failoverOkWaitMs } = election.options;
    expect(failoverOkWaitMs).toBe(okWaitMs);
    const timeout = 1 + (misses + 0.5) * heartbeatMs;
    expect(types(runUntil(election, timeout))).toEqual(['election']); // rank 0: no skew
    expect(election.role).toBe('candidate');
    expect(election.nextDeadline()).toBe(timeout + okWaitMs);
  });
});

/** Delivers every message of `from` to each of `to` at `now`, returning what they sent back. */
function deliver(messages: readonly Message[], to: Election[], now: number): Message[] {
  const out: Message[] = [];
  for (const message of messages) for (const node of to) out.push(...node.receive(message, now).messages);
  return out;
}

describe('a late OK after a fast claim', () => {
  it('a late OK from a higher node after a fast claim still converges with a higher term', () => {
    const low = follower(7, []); // never heard of node 9
    const high = follower(9, []);
    const claimElection = runUntil(low, DETECTION).messages;
    runUntil(high, DETECTION - 1); // its event loop is stalled: it reads the ELECTION late
    const claim = runUntil(low, DETECTION + low.options.failoverOkWaitMs);
    expect(low.role).toBe('leader');
    const lowTerm = low.term;
    const lowLeaderEvents = [lowTerm];

    // Node 9 now reads both packets: it answers OK (too late) and sees a lower leader, which it preempts.
    let now = DETECTION + 30;
    const answers = deliver([...claimElection, ...claim.messages], [high], now);
    answers.push(...runUntil(high, now + high.options.okWaitMs / 4).messages); // a delayed OK, if any
    expect(answers.map((m) => m.type)).toContain('ok');
    expect(high.role).toBe('candidate');
    // The late OK does not change the sitting leader.
    deliver(answers.filter((m) => m.type === 'ok'), [low], now + 1);
    expect(low.role).toBe('leader');

    // Run the two to completion: every message goes to the other node 1 ms later.
    const nodes = [low, high];
    for (let step = 0; step < 200 && now < 5_000; step++) {
      now += 1;
      const outbox = [...answers.splice(0), ...nodes.flatMap((n) => runUntil(n, now).messages)];
      for (const message of outbox) {
        const target = message.from.id === 7n ? high : low;
        const reply = target.receive(message, now);
        answers.push(...reply.messages);
        for (const event of eventsOf(reply, 'follower')) if (target === low) lowLeaderEvents.push(event.term);
      }
      if (high.role === 'leader' && low.role === 'follower') break;
    }
    expect(high.role).toBe('leader');
    expect(low.role).toBe('follower');
    expect(low.leader).toEqual(node(9));
    expect(high.term).toBeGreaterThan(lowTerm);
    expect(low.term).toBe(high.term);
    // The terms of the low node's successive leaders strictly increase.
    for (let i = 1; i < lowLeaderEvents.length; i++) expect(lowLeaderEvents[i]!).toBeGreaterThan(lowLeaderEvents[i - 1]!);
    expect(now).toBeLessThan(DETECTION + 30 + high.options.okWaitMs + 50); // no stall
  });

  it('without preempt, a higher node that missed the fast claim follows the new leader', () => {
    const options = { preempt: false };
    const low = follower(7, [], options);
    const high = follower(9, [], options);
    const claim = runUntil(low, DETECTION + low.options.failoverOkWaitMs).messages;
    expect(low.role).toBe('leader');
    const coordinator = claim.find((m) => m.type === 'coordinator')!;
    runUntil(high, DETECTION - 1); // stalled: it never got to answer the ELECTION
    const ready = high.receive(coordinator, DETECTION + 20);
    expect(high.role).toBe('follower');
    expect(high.leader).toEqual(low.options.self);
    expect(eventsOf(ready, 'follower')[0]!.term).toBe(low.term);
  });
});
