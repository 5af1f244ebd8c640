// Bounded state under forged traffic (issue 20): no table of the core grows with what strangers
// send, and a flood of made-up nodes cannot evict the leader or the nodes next in line.
import { describe, expect, it } from 'vitest';
import type { Election } from '../../lib/core';
import { KnownNodes, MAX_KNOWN_NODES, PROTECTED_BELOW_LEADER } from '../../lib/core/known-nodes';
import type { Message } from '../../lib/core/types';
import { heapAfterGc, MiB } from '../heap';
import { followerOf, leaderAt, msg, node } from './harness';

/** The i-th made-up instance: a distinct (address, nonce), with the id `idOf(i)`. */
function stranger(i: number, idOf: (i: number) => number) {
  return node(idOf(i), `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, BigInt(i) * 7919n + 1n);
}

/** Feeds `count` forged ELECTIONs, with a heartbeat of `leader` every 500; returns the clock. */
function flood(election: Election, leader: ReturnType<typeof node>, count: number, idOf: (i: number) => number, term: bigint, start: number): number {
  let now = start;
  for (let i = 0; i < count; i++) {
    now += 0.1;
    election.receive(msg('election', stranger(i, idOf), term), now);
    if (i % 500 === 0) election.receive(msg('coordinator', leader, term), now);
  }
  return now;
}

describe('bounded state', () => {
  it('a follower fed 1,000,000 forged higher instances keeps its heap within a fixed bound and its leader', () => {
    const leader = node(5);
    const follower = followerOf(node(3), leader, 2n, { heartbeatMs: 50 });
    // Warm-up: the tables fill to their bounds first, so what follows measures growth past them.
    let now = flood(follower, leader, 20_000, (i) => 1_000 + i, 2n, 10);
    const before = heapAfterGc();
    now = flood(follower, leader, 1_000_000, (i) => 2_000_000 + i, 2n, now);
    const grown = heapAfterGc() - before;
    // Unbounded, the higher nodes' waiting set alone kept ~280 bytes per instance: ~270 MiB here.
    expect(grown).toBeLessThan(8 * MiB);
    expect(follower.role).toBe('follower');
    expect(follower.leader).toEqual(leader);
  }, 120_000);

  it('a flood of strangers below it does not evict the successor a resigning leader names', () => {
    const leader = leaderAt(node(250));
    leader.receive(msg('election', node(200), 0n), 1_000); // a joiner: the one to name
    flood(leader, node(250), 3 * MAX_KNOWN_NODES, (i) => i % 200, 0n, 1_000); // all below 200
    const resigns = leader.stop(5_000).messages.filter((m: Message) => m.type === 'resign');
    expect(resigns[0]!.successor).toEqual(node(200));
  });

  it('a flood does not make a follower forget the node above it: it stays not next in line (no probe)', () => {
    const leader = node(250);
    const follower = followerOf(node(10), leader, 2n);
    follower.receive(msg('ok', node(20), 2n), 2); // a node between it and the leader
    expect(follower.probeTarget).toBeUndefined();
    flood(follower, leader, 3 * MAX_KNOWN_NODES, (i) => 1_000 + i, 2n, 3); // above the leader: no protection for them
    flood(follower, leader, 3 * MAX_KNOWN_NODES, (i) => i % 10, 2n, 2_000); // below it
    expect(follower.role).toBe('follower');
    expect(follower.probeTarget).toBeUndefined();
  });
});

describe('KnownNodes eviction', () => {
  const options = { skewStepMs: 20, maxSkewRank: 10, random: () => 0.5 };
  const withPriority = (id: number) => ({ ...node(id), priority: 100 });

  it('evicts the node heard longest ago, never the leader or the highest nodes below it', () => {
    const known = new KnownNodes(withPriority(1), options, 30);
    known.leader = withPriority(900);
    known.note(withPriority(900));
    for (const id of [500, 400, 300]) known.note(withPriority(id));
    for (let i = 0; i < 10_000; i++) known.note({ ...node(2, `10.9.${(i >> 8) & 255}.${i & 255}`, BigInt(i)), priority: 100 });
    expect(known.size).toBe(30);
    for (const id of [900, 500, 400, 300]) expect(known.isProtected(node(id))).toBe(true);
    expect(known.highest()).toEqual(withPriority(900));
  });

  it('protects at most PROTECTED_BELOW_LEADER nodes: a newcomer displaces one only by outranking it', () => {
    const known = new KnownNodes(withPriority(1), options, 100);
    known.leader = withPriority(10_000);
    for (let id = 100; id < 100 + PROTECTED_BELOW_LEADER; id++) known.note(withPriority(id));
    expect(known.isProtected(node(100))).toBe(true);
    known.note(withPriority(5_000)); // outranks every protected one: the lowest leaves protection
    expect(known.isProtected(node(5_000))).toBe(true);
    expect(known.isProtected(node(100))).toBe(false);
    known.note(withPriority(50)); // below them all: not protected
    expect(known.isProtected(node(50))).toBe(false);
    known.forget(node(5_000)); // a protected one forgotten: the next below takes its place
    expect(known.isProtected(node(100))).toBe(true);
  });

  it('measures protection from the leader: nodes above it are not protected, and a new leader rebuilds it', () => {
    const known = new KnownNodes(withPriority(1), options, 100);
    known.leader = withPriority(50);
    known.note(withPriority(70));
    known.note(withPriority(40));
    expect(known.isProtected(node(70))).toBe(false);
    expect(known.isProtected(node(40))).toBe(true);
    known.leader = withPriority(80);
    expect(known.isProtected(node(70))).toBe(true);
    known.leader = undefined; // a round: the highest known nodes are protected
    expect(known.isProtected(node(70))).toBe(true);
  });

  it('a full table takes a newcomer only if it ranks among the protected, and then the oldest unprotected goes', () => {
    const known = new KnownNodes(withPriority(1), options, 20);
    known.leader = withPriority(900);
    for (let id = 2; id < 21; id++) known.note(withPriority(id)); // full: the leader entry and 2..20
    known.leader = withPriority(900); // (already the leader: no change)
    const size = known.size;
    known.note(withPriority(1_000)); // above the leader: not remembered
    known.note(withPriority(3)); // known already: nothing changes
    expect(known.size).toBe(size);
    expect(known.highest()).toEqual(withPriority(900));
    known.note(withPriority(800)); // would be protected: in, and the oldest unprotected (2) goes
    expect(known.size).toBe(size);
    expect(known.isProtected(node(800))).toBe(true);
    expect(known.highest({ aboveSelf: true })).toEqual(withPriority(900));
    known.leader = undefined;
    expect(known.highest()).toEqual(withPriority(900));
  });

  it('a leader first heard while the table is full is remembered once it takes office', () => {
    const known = new KnownNodes(withPriority(1), options, 20);
    for (let id = 100; id < 120; id++) known.note(withPriority(id));
    known.leader = withPriority(150);
    known.note(withPriority(150));
    expect(known.size).toBe(20);
    expect(known.highest()).toEqual(withPriority(150));
    expect(known.isProtected(node(150))).toBe(true);
  });

  it('a protected node heard with a priority above the leader leaves protection', () => {
    const known = new KnownNodes(withPriority(1), options, 100);
    known.leader = withPriority(50);
    known.note(withPriority(40));
    expect(known.isProtected(node(40))).toBe(true);
    known.note({ ...node(40), priority: 200 });
    expect(known.isProtected(node(40))).toBe(false);
  });
});
