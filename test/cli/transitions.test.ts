// How the CLI turns participant events into stdout lines and hooks (issues 7 and 8), against a
// plain EventEmitter standing in for the Participant.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { HookContext } from '../../lib/cli/hooks';
import { eventLine, type EventLine, type ExtraFields, type LeaderRef } from '../../lib/cli/output';
import { reportTransitions, type ReportedParticipant } from '../../lib/cli/run';
import type { Logger } from '../../lib/participant/logger';

const SELF = { id: 5n, address: '10.77.1.5', nonce: 111n };

function setup() {
  const emitter = new EventEmitter();
  let leader: { id: bigint; address: string; metadata?: Uint8Array } | undefined;
  Object.defineProperty(emitter, 'leader', { get: () => leader });
  Object.defineProperty(emitter, 'self', { value: SELF });
  Object.defineProperty(emitter, 'interface', { value: { name: 'eth0', index: 2, address: SELF.address, scopeId: 0 } });
  const participant = emitter as unknown as ReportedParticipant;
  const lines: EventLine[] = [];
  const notified: HookContext[] = [];
  const superseded: string[] = [];
  const logs: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (_obj: unknown, msg?: string) => logs.push({ level, msg: String(msg) });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  let term = 0n;
  reportTransitions(participant, {
    id: SELF.id,
    print: (event: string, ref: LeaderRef | undefined, extra?: ExtraFields) => lines.push(eventLine(event, SELF.id, term, ref, 0, extra)),
    hooks: {
      notify: (context: HookContext) => {
        notified.push(context);
        return Promise.resolve();
      },
      supersede: (state: string) => void superseded.push(state),
    },
    logger,
  });
  return {
    emit: (name: string, payload: unknown) => {
      if (typeof (payload as { term?: unknown }).term === 'bigint') term = (payload as { term: bigint }).term;
      emitter.emit(name, payload);
    },
    setLeader: (value: typeof leader) => (leader = value),
    lines,
    notified,
    superseded,
    logs,
  };
}

describe('CLI transitions', () => {
  it('prints a fault line with the reason and a null leader, then a candidate line on recovery', () => {
    const t = setup();
    t.emit('state', { from: 'idle', to: 'candidate', reason: 'start', term: 0n });
    t.emit('state', { from: 'candidate', to: 'leader', reason: 'no-higher', term: 1n });
    t.emit('leader', { term: 1n });
    t.setLeader({ id: SELF.id, address: SELF.address });
    t.emit('state', { from: 'leader', to: 'fault', reason: 'nic-down', term: 1n });
    t.emit('fault', { reason: 'nic-down', detail: 'eth0 is down' });
    t.setLeader(undefined);
    t.emit('state', { from: 'fault', to: 'candidate', reason: 'nic-recovered', term: 1n });
    expect(t.lines.map((l) => l.event)).toEqual(['candidate', 'leader', 'fault', 'candidate']);
    expect(t.lines[2]).toEqual({ time: 0, event: 'fault', id: '5', term: '1', leader: null, reason: 'nic-down' });
    expect(Object.keys(t.lines[3]!)).toEqual(['time', 'event', 'id', 'term', 'leader']);
    // Entering fault is hooked (replacing a waiting hook); the participant logs the fault, the CLI does not.
    expect(t.superseded).toEqual(['candidate', 'candidate']);
    expect(t.notified.map((c) => c.state)).toEqual(['leader', 'fault']);
    expect(t.notified[1]).toEqual({ state: 'fault', id: '5', term: '1', leaderId: '', leaderAddress: '', reason: 'nic-down' });
    expect(t.logs.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });

  it('a sitting leader raising its term prints no line and runs no hook, only a debug log', () => {
    const t = setup();
    t.emit('leader', { term: 4n });
    t.emit('term', { term: 6n, reason: 'fence' });
    t.emit('term', { term: 9n, reason: 'fence' });
    expect(t.lines.map((l) => [l.event, l.term])).toEqual([['leader', '4']]);
    expect(t.notified).toEqual([{ state: 'leader', id: '5', term: '4', leaderId: '5', leaderAddress: '10.77.1.5' }]);
    expect(t.logs.filter((l) => l.level === 'debug')).toHaveLength(2);
    expect(t.logs.filter((l) => l.level !== 'debug')).toEqual([]);
  });

  it('hooks each leader and follower event once, with the event term', () => {
    const t = setup();
    t.emit('follower', { leader: { id: 9n, address: '10.77.1.9' }, term: 2n });
    t.emit('follower', { leader: { id: 9n, address: '10.77.1.9' }, term: 3n });
    t.emit('leader', { term: 4n });
    expect(t.notified.map((c) => [c.state, c.term, c.leaderId])).toEqual([['follower', '2', '9'], ['follower', '3', '9'], ['leader', '4', '5']]);
    expect(t.lines.map((l) => [l.event, l.leader?.id])).toEqual([['follower', '9'], ['follower', '9'], ['leader', '5']]);
  });

  it("puts the leader's metadata and a link-local leader's zone in the lines and the hooks", () => {
    const t = setup();
    t.emit('follower', { leader: { id: 9n, address: 'fe80::9', metadata: Buffer.from('http://[fe80::9]:8080/') }, term: 2n });
    expect(t.lines[0]!.leader).toEqual({ id: '9', address: 'fe80::9%eth0', metadata: 'http://[fe80::9]:8080/', metadataEncoding: 'utf8' });
    expect(t.notified[0]).toEqual({
      state: 'follower', id: '5', term: '2', leaderId: '9', leaderAddress: 'fe80::9%eth0', leaderMetadata: 'http://[fe80::9]:8080/', leaderMetadataEncoding: 'utf8',
    });
    // Taking office: our own leader info, with the metadata we send.
    t.setLeader({ id: SELF.id, address: SELF.address, metadata: Uint8Array.of(0xff) });
    t.emit('leader', { term: 3n });
    expect(t.lines[1]!.leader).toEqual({ id: '5', address: '10.77.1.5', metadata: '/w==', metadataEncoding: 'base64' });
    expect(t.notified[1]).toMatchObject({ state: 'leader', leaderId: '5', leaderMetadata: '/w==', leaderMetadataEncoding: 'base64' });
  });

  it('prints one conflict line per conflict event, naming the other instance, and logs nothing itself', () => {
    const t = setup();
    t.setLeader({ id: SELF.id, address: SELF.address });
    const other = { id: SELF.id, address: SELF.address, nonce: 18446744073709551557n };
    for (let i = 0; i < 3; i++) t.emit('conflict', { other, reason: 'same-identity' });
    expect(t.lines).toHaveLength(3);
    for (const line of t.lines) {
      expect(line).toEqual({
        time: 0, event: 'conflict', id: '5', term: '0', leader: { id: '5', address: '10.77.1.5' },
        other: { id: '5', address: '10.77.1.5', nonce: '18446744073709551557' },
      });
    }
    expect(t.logs).toEqual([]);
  });

  it('does not print stopped from the state event (it follows stop()) but drops a waiting hook', () => {
    const t = setup();
    t.emit('state', { from: 'follower', to: 'stopped', reason: 'stop', term: 3n });
    expect(t.lines).toEqual([]);
    expect(t.superseded).toEqual(['stopped']);
  });
});
