// Small helpers to drive one Election by hand in unit tests.
import { Election, seededRandom, type ElectionOptions } from '../../lib/core';
import type { CoreEvent, Message, MessageType, NodeIdentity, Ready } from '../../lib/core/types';

export function node(id: number, address = `10.77.1.${id}`, nonce = BigInt(id) * 1000n + 7n): NodeIdentity {
  return { id: BigInt(id), address, nonce };
}

export function makeElection(self: NodeIdentity, options: Omit<ElectionOptions, 'self'> = {}): Election {
  return new Election({ random: seededRandom(42), ...options, self });
}

let seq = 0n;
export function msg(type: MessageType, from: NodeIdentity, term = 0n, metadata?: Uint8Array): Message {
  seq += 1n;
  return { type, from, term, seq, flags: 0, ...(metadata !== undefined && { metadata }) };
}

export function types(ready: Ready): MessageType[] {
  return ready.messages.map((m) => m.type);
}

export function eventsOf<T extends CoreEvent['type']>(ready: Ready, type: T): Extract<CoreEvent, { type: T }>[] {
  return ready.events.filter((e): e is Extract<CoreEvent, { type: T }> => e.type === type);
}

/** Fires every deadline up to `until` in order, returning everything that came out. */
export function runUntil(election: Election, until: number): Ready {
  const messages: Message[] = [];
  const events: CoreEvent[] = [];
  for (let i = 0; i < 10_000; i++) {
    const deadline = election.nextDeadline();
    if (deadline === undefined || deadline > until) break;
    const ready = election.tick(deadline);
    messages.push(...ready.messages);
    events.push(...ready.events);
  }
  return { messages, events };
}

/** A started node that won an uncontested election at term 1 (or above `term`). */
export function leaderAt(self: NodeIdentity, options: Omit<ElectionOptions, 'self'> = {}, term = 0n): Election {
  const election = makeElection(self, options);
  election.start(0);
  if (term > 0n) election.receive(msg('ok', node(1, '10.77.9.9'), term), 0); // learn the term from a lower node
  runUntil(election, election.options.okWaitMs);
  if (election.role !== 'leader') throw new Error(`expected leader, got ${election.role}`);
  return election;
}

/** A started node following `leader` at `term`. */
export function followerOf(self: NodeIdentity, leader: NodeIdentity, term = 1n, options: Omit<ElectionOptions, 'self'> = {}): Election {
  const election = makeElection(self, options);
  election.start(0);
  election.receive(msg('coordinator', leader, term), 1);
  if (election.role !== 'follower') throw new Error(`expected follower, got ${election.role}`);
  return election;
}
