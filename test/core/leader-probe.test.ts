// A probe hint (ICMP port unreachable from the leader's host) only shortens the leader timeout to
// one heartbeat plus the margin; a live leader's next heartbeat undoes it. Only the follower next
// in line probes.
import { describe, expect, it } from 'vitest';
import { followerOf, makeElection, msg, node, runUntil, types } from './harness';

const HEARTBEAT = 100; // the default; misses 3 → a normal timeout 350 ms after the last heartbeat

describe('leaderUnreachable', () => {
  it('a follower told the leader is unreachable gives up 1.5 heartbeats after last hearing it, not 3.5', () => {
    const follower = followerOf(node(5), node(9)); // heard at 1
    expect(follower.nextDeadline()).toBe(1 + 3.5 * HEARTBEAT);
    follower.leaderUnreachable(40, node(9).address);
    expect(follower.nextDeadline()).toBe(1 + 1.5 * HEARTBEAT);
    expect(follower.counters.leaderUnreachable).toBe(1);
    const ready = runUntil(follower, 1 + 1.5 * HEARTBEAT);
    expect(types(ready)).toEqual(['election']);
    expect(follower.role).toBe('candidate');
  });

  it("a live leader's next heartbeat restores the full bound: a stray or forged hint moves nothing", () => {
    const follower = followerOf(node(5), node(9));
    follower.leaderUnreachable(40, node(9).address);
    follower.receive(msg('coordinator', node(9), 1n), 101);
    expect(follower.nextDeadline()).toBe(101 + 3.5 * HEARTBEAT);
    expect(types(runUntil(follower, 101 + 3.4 * HEARTBEAT))).toEqual([]);
    expect(follower.role).toBe('follower');
    expect(follower.leader).toEqual(node(9));
  });

  it('never lengthens the timeout, and a hint arriving after the shortened deadline fires at once', () => {
    const follower = followerOf(node(5), node(9));
    follower.leaderUnreachable(40, node(9).address);
    follower.leaderUnreachable(60, node(9).address);
    expect(follower.nextDeadline()).toBe(1 + 1.5 * HEARTBEAT);
    const late = followerOf(node(5), node(9));
    late.leaderUnreachable(300, node(9).address);
    expect(late.nextDeadline()).toBe(1 + 1.5 * HEARTBEAT);
    expect(types(late.tick(300))).toEqual(['election']);
  });

  it('is ignored for another address, by a candidate or leader, and in go mode', () => {
    const follower = followerOf(node(5), node(9));
    follower.leaderUnreachable(40, '10.77.1.8');
    expect(follower.nextDeadline()).toBe(1 + 3.5 * HEARTBEAT);
    expect(follower.counters.leaderUnreachable).toBe(0);

    const candidate = makeElection(node(5));
    candidate.start(0);
    const before = candidate.nextDeadline();
    candidate.leaderUnreachable(10, node(9).address);
    expect(candidate.nextDeadline()).toBe(before);
    expect(candidate.counters.leaderUnreachable).toBe(0);

    const go = followerOf(node(5), node(9), 0n, { mode: 'go' });
    const goDeadline = go.nextDeadline();
    go.leaderUnreachable(40, node(9).address);
    expect(go.nextDeadline()).toBe(goDeadline);
  });
});

describe('probeTarget', () => {
  it('the follower next in line probes the leader; lower ones, candidates and go mode do not', () => {
    const top = followerOf(node(8), node(9));
    expect(top.probeTarget).toEqual(node(9));

    // Node 6 learns of node 7 above it (besides the leader): it leaves probing to node 7.
    const low = followerOf(node(6), node(9));
    expect(low.probeTarget).toEqual(node(9)); // knows nobody else yet
    low.receive(msg('ok', node(7), 1n), 10);
    expect(low.probeTarget).toBeUndefined();

    const candidate = makeElection(node(5));
    candidate.start(0);
    expect(candidate.probeTarget).toBeUndefined();

    expect(followerOf(node(5), node(9), 0n, { mode: 'go' }).probeTarget).toBeUndefined();
  });
});

describe('a follower that did not suspect the old leader itself', () => {
  it('forgets it once a lower node takes office, so a later resign of the new leader has no stale skew', () => {
    // Node 5 follows 9 and knows 7 (next in line). 7 probes 9, claims; 5 never times out on 9.
    const follower = followerOf(node(5), node(9), 1n, { heartbeatMs: 100 });
    follower.receive(msg('ok', node(7), 1n), 10);
    follower.receive(msg('coordinator', node(9), 1n), 100);
    follower.receive(msg('election', node(7), 1n), 260);
    follower.receive(msg('coordinator', node(7), 2n), 265);
    expect(follower.leader).toEqual(node(7));
    // 7 resigns: node 5 knows nobody above it any more, so it speaks at once (no skew).
    expect(types(follower.receive(msg('resign', node(7), 2n), 400))).toEqual(['election']);
  });
});

describe('a leader whose host refuses probes while it lives', () => {
  it('is heard half a heartbeat or more after a refusal: its refusals are ignored and it is not probed any more', () => {
    const follower = followerOf(node(8), node(9), 1n, { heartbeatMs: 100 });
    follower.leaderUnreachable(20, node(9).address);
    follower.receive(msg('coordinator', node(9), 1n), 101); // 81 ms after the hint: alive
    expect(follower.leaderRefusesProbes).toBe(true);
    expect(follower.counters.probeContradicted).toBe(1);
    expect(follower.probeTarget).toBeUndefined();
    follower.leaderUnreachable(150, node(9).address);
    expect(follower.nextDeadline()).toBe(101 + 3.5 * 100);
  });

  it('a heartbeat already in flight when the process died (heard soon after the refusal) is no contradiction; the next one is', () => {
    const follower = followerOf(node(8), node(9), 1n, { heartbeatMs: 100 });
    follower.leaderUnreachable(100, node(9).address);
    follower.receive(msg('coordinator', node(9), 1n), 101);
    expect(follower.leaderRefusesProbes).toBe(false);
    expect(follower.probeTarget).toEqual(node(9));
    // A dead leader sends no further heartbeat; this one is alive behind a reject rule.
    follower.receive(msg('coordinator', node(9), 1n), 201);
    expect(follower.leaderRefusesProbes).toBe(true);
  });
});

describe('after a leader change, the follower next in line says so once', () => {
  it('sends one OK at a random moment of the next heartbeat, cancelled by a higher follower’s OK', () => {
    // Node 6 knows only 9 (leader) and 8 (next in line). 9 dies, 8 takes office: node 6 is now
    // next in line as far as it knows, and says so.
    const follower = followerOf(node(6), node(9), 1n, { heartbeatMs: 100 });
    follower.receive(msg('ok', node(8), 1n), 10);
    follower.receive(msg('coordinator', node(8), 2n), 400);
    expect(follower.leader).toEqual(node(8));
    expect(follower.probeTarget).toEqual(node(8));
    expect(types(runUntil(follower, 500))).toEqual(['ok']);
    // The same change, but node 7 (higher, also next in line as far as it knows) speaks first.
    const lower = followerOf(node(6), node(9), 1n, { heartbeatMs: 100 });
    lower.receive(msg('ok', node(8), 1n), 10);
    lower.receive(msg('coordinator', node(8), 2n), 400);
    lower.receive(msg('ok', node(7), 2n), 400);
    expect(types(runUntil(lower, 500))).toEqual([]);
    expect(lower.probeTarget).toBeUndefined();
  });

  it('a fault drops a pending next-in-line OK for good: a later ordinary OK is still cancelled by the leader', () => {
    const follower = followerOf(node(6), node(9), 1n, { heartbeatMs: 100 });
    follower.receive(msg('ok', node(8), 1n), 10);
    follower.receive(msg('coordinator', node(8), 2n), 400); // a next-in-line OK is now pending
    follower.fault(401, 'nic-down');
    follower.recover(500);
    follower.receive(msg('coordinator', node(8), 2n), 501);
    expect(follower.role).toBe('follower');
    // 200 ms without a heartbeat: the leader is not fresh, so node 6 answers a joiner itself, after
    // its rank delay, unless a higher node (here the leader) speaks first.
    expect(types(follower.receive(msg('election', node(2), 2n), 700))).toEqual([]);
    follower.receive(msg('coordinator', node(8), 2n), 701);
    expect(types(runUntil(follower, 760))).toEqual([]);
  });
});

describe('OKs that are not an election', () => {
  it("a higher follower's OK under a fresh leader does not make a later leader timeout wait for it", () => {
    const follower = followerOf(node(5), node(9), 1n, { heartbeatMs: 100 }); // heard at 1
    follower.receive(msg('ok', node(7), 1n), 50); // 7 tells a joiner it is next in line
    // 9 dies: at 351 node 5 times out and, after its skew (it knows 7 above it), speaks; it does
    // not sit in 'waiting' for 7 until 550.
    expect(types(runUntil(follower, 400))).toContain('election');
  });

  it('taking office drops an OK still pending from the round', () => {
    const candidate = makeElection(node(5), { heartbeatMs: 100 });
    candidate.start(0); // ELECTION; ok-wait until 100
    expect(types(candidate.receive(msg('election', node(2)), 90))).toEqual(['ok']);
    expect(types(candidate.receive(msg('election', node(3)), 95))).toEqual([]); // coalesced to 115
    const after = runUntil(candidate, 200);
    expect(candidate.role).toBe('leader');
    expect(types(after)).not.toContain('ok');
  });
});
