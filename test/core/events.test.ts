// Rule: state events; plus the lifecycle and input checks of the Election API.
import { describe, expect, it } from 'vitest';
import { MESSAGE_FLAGS, type Message } from '../../lib/core/types';
import { eventsOf, followerOf, leaderAt, makeElection, msg, node, runUntil, types } from './harness';

describe('state events', () => {
  it('every transition emits {type: state, from, to, reason, term}; becoming leader emits {type: leader, term}', () => {
    const election = makeElection(node(5));
    const started = election.start(0);
    expect(started.events).toEqual([{ type: 'state', from: 'idle', to: 'candidate', reason: 'start', term: 0n }]);
    const won = runUntil(election, 1_000);
    expect(won.events.slice(0, 2)).toEqual([
      { type: 'state', from: 'candidate', to: 'leader', reason: 'no-higher-node-answered', term: 1n },
      { type: 'leader', term: 1n },
    ]);
    const stopped = election.stop(1_001);
    expect(eventsOf(stopped, 'state')).toEqual([{ type: 'state', from: 'leader', to: 'stopped', reason: 'stopped', term: 1n }]);
  });

  it('following a new leader emits follower with metadata; re-emitted on leader or term change, not on heartbeats', () => {
    const metadata = new TextEncoder().encode('http://10.77.1.9:8080');
    const election = makeElection(node(2));
    election.start(0);
    const first = election.receive(msg('coordinator', node(9), 1n, metadata), 5);
    expect(eventsOf(first, 'follower')).toEqual([{ type: 'follower', leader: node(9), term: 1n, metadata }]);
    expect(eventsOf(first, 'state')).toEqual([{ type: 'state', from: 'candidate', to: 'follower', reason: 'coordinator', term: 1n }]);
    expect(election.leaderMetadata).toEqual(metadata);
    for (let t = 100; t < 1_000; t += 100) {
      expect(election.receive(msg('coordinator', node(9), 1n, metadata), t).events).toEqual([]);
    }
    expect(eventsOf(election.receive(msg('coordinator', node(9), 2n), 1_000), 'follower')).toHaveLength(1);
    expect(eventsOf(election.receive(msg('coordinator', node(10), 3n), 1_050), 'follower')).toEqual([
      { type: 'follower', leader: node(10), term: 3n },
    ]);
  });

  it('a leader sends its metadata in every COORDINATOR, and only there', () => {
    const metadata = new Uint8Array([1, 2, 3]);
    const leader = leaderAt(node(5), { metadata });
    expect(leader.leaderMetadata).toEqual(metadata);
    const ready = runUntil(leader, 1_000);
    expect(ready.messages.every((m) => m.type === 'coordinator' && m.metadata?.length === 3)).toBe(true);
    expect(leader.stop(1_001).messages[0]!.metadata).toBeUndefined();
  });
});

describe('messages and lifecycle', () => {
  it('fills from (self), strictly increasing seq, term and flags (0, but NO_SUCCESSOR on a lone leader\'s COORDINATOR)', () => {
    const self = node(5);
    const leader = makeElection(self);
    const messages: Message[] = [...leader.start(0).messages, ...runUntil(leader, 1_000).messages];
    expect(messages.length).toBeGreaterThan(5);
    messages.forEach((m, i) => {
      expect(m.from).toEqual(self);
      // Alone, it knows nobody it could name its successor.
      expect(m.flags).toBe(m.type === 'coordinator' ? MESSAGE_FLAGS.NO_SUCCESSOR : 0);
      if (i > 0) expect(m.seq).toBeGreaterThan(messages[i - 1]!.seq);
    });
  });

  it('after stop, every call returns an empty Ready and no deadline remains', () => {
    const follower = followerOf(node(2), node(9));
    follower.stop(10);
    expect(follower.role).toBe('stopped');
    expect(follower.leader).toBeUndefined();
    expect(follower.nextDeadline()).toBeUndefined();
    const empty = { messages: [], events: [] };
    expect(follower.tick(1_000)).toEqual(empty);
    expect(follower.receive(msg('election', node(1)), 1_000)).toEqual(empty);
    expect(follower.stop(1_000)).toEqual(empty);
    expect(follower.start(1_000)).toEqual(empty);
  });

  it('start twice is an error with a code; messages before start are ignored', () => {
    const election = makeElection(node(2));
    expect(election.receive(msg('coordinator', node(9), 1n), 0)).toEqual({ messages: [], events: [] });
    expect(election.role).toBe('idle');
    expect(election.nextDeadline()).toBeUndefined();
    election.start(0);
    expect(() => election.start(1)).toThrow(expect.objectContaining({ code: 'ERR_ELECTION_STARTED' }));
  });

  it('rejects bad times and malformed messages with TypeError/RangeError', () => {
    const election = makeElection(node(2));
    expect(() => election.start('0' as unknown as number)).toThrow(TypeError);
    expect(() => election.start(NaN)).toThrow(RangeError);
    election.start(0);
    expect(() => election.tick(Infinity)).toThrow(RangeError);
    expect(() => election.receive({ ...msg('ok', node(1)), type: 'hello' } as unknown as Message, 1)).toThrow(/message.type/);
    expect(() => election.receive({ ...msg('ok', node(1)), term: 1 } as unknown as Message, 1)).toThrow(TypeError);
    expect(() => election.receive({ ...msg('ok', node(1)), from: { id: 1 } } as unknown as Message, 1)).toThrow(/message.from/);
    expect(() => election.receive(null as unknown as Message, 1)).toThrow(TypeError);
  });

  it('a clock that goes backwards is treated as standing still', () => {
    const election = makeElection(node(2));
    election.start(1_000);
    const deadline = election.nextDeadline()!;
    expect(election.tick(500)).toEqual({ messages: [], events: [] });
    expect(types(election.tick(deadline))).toEqual(['coordinator']);
  });

  it('tick fires every timer due, and nextDeadline names the one time to call it', () => {
    const election = makeElection(node(2));
    election.start(0);
    expect(election.nextDeadline()).toBe(election.options.okWaitMs);
    // A late tick (driver slept) fires the okWait once and the heartbeat re-arms from now.
    const late = election.tick(10_000);
    expect(types(late)).toEqual(['coordinator']);
    expect(election.nextDeadline()).toBe(10_000 + election.options.heartbeatMs);
  });
});
