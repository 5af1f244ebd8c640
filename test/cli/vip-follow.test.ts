// --vip wiring: the floating addresses follow leadership, and are released before anything else
// reacts to leaving office.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { reportTransitions } from '../../lib/cli/run';
import { followLeadership, type VipControl, type VipParticipant } from '../../lib/cli/vip-follow';
import type { Logger } from '../../lib/participant/logger';

function setup(options: { failAcquire?: boolean } = {}) {
  const emitter = new EventEmitter();
  let nic = { name: 'eth0', index: 2, address: '10.77.1.5', scopeId: 0 };
  Object.defineProperty(emitter, 'interface', { get: () => nic });
  Object.defineProperty(emitter, 'leader', { get: () => undefined });
  Object.defineProperty(emitter, 'self', { value: { id: 5n, address: '10.77.1.5', nonce: 1n } });
  const calls: string[] = [];
  let held = false;
  const vip: VipControl = {
    acquire: () => {
      calls.push('acquire');
      if (options.failAcquire) throw new Error('EPERM');
      held = true;
    },
    release: () => {
      calls.push('release');
      held = false;
    },
    setInterface: (index, name) => void calls.push(`setInterface ${index} ${name}`),
    close: () => void calls.push('close'),
    get held() {
      return held;
    },
  };
  const errors: string[] = [];
  const logger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (_o: unknown, m?: string) => errors.push(String(m)) };
  followLeadership(emitter as unknown as VipParticipant, vip, logger);
  // The CLI's printing and hooks, registered after the VIP wiring as in run.ts.
  reportTransitions(emitter as never, {
    id: 5n,
    print: (event) => void calls.push(`print ${event}`),
    hooks: { notify: (c) => (calls.push(`hook ${c.state}`), Promise.resolve()), supersede: () => {} },
    logger,
  });
  return { emitter, calls, errors, setNic: (index: number, name: string) => (nic = { ...nic, index, name }) };
}

describe('--vip follows leadership', () => {
  it('acquires on taking office', () => {
    const t = setup();
    t.emitter.emit('state', { from: 'candidate', to: 'leader', reason: 'won', term: 1n });
    t.emitter.emit('leader', { term: 1n });
    expect(t.calls).toEqual(['acquire', 'print leader', 'hook leader']);
  });

  it.each([
    ['follower', { from: 'leader', to: 'follower', reason: 'higher', term: 2n }],
    ['candidate', { from: 'leader', to: 'candidate', reason: 'x', term: 2n }],
    ['fault', { from: 'leader', to: 'fault', reason: 'nic-down', term: 2n }],
    ['stopped', { from: 'leader', to: 'stopped', reason: 'stop', term: 2n }],
  ])('releases first when leaving office for %s, before any line or hook', (_to, event) => {
    const t = setup();
    t.emitter.emit('leader', { term: 1n });
    t.calls.length = 0;
    t.emitter.emit('state', event);
    expect(t.calls[0]).toBe('release');
    expect(t.calls.filter((c) => c === 'release')).toHaveLength(1);
  });

  it('releases on fault even when not leading, and leaves a follower change alone', () => {
    const t = setup();
    t.emitter.emit('state', { from: 'candidate', to: 'follower', reason: 'coordinator', term: 1n });
    expect(t.calls).toEqual([]);
    t.emitter.emit('state', { from: 'follower', to: 'fault', reason: 'nic-gone', term: 1n });
    expect(t.calls[0]).toBe('release');
  });

  it('moves to a re-created interface (new index) at the next taking of office', () => {
    const t = setup();
    t.emitter.emit('leader', { term: 1n });
    t.emitter.emit('state', { from: 'leader', to: 'fault', reason: 'nic-gone', term: 1n });
    t.setNic(7, 'eth0');
    t.emitter.emit('state', { from: 'fault', to: 'candidate', reason: 'nic-recovered', term: 1n });
    t.emitter.emit('leader', { term: 2n });
    expect(t.calls.filter((c) => !c.startsWith('print') && !c.startsWith('hook'))).toEqual(['acquire', 'release', 'setInterface 7 eth0', 'acquire']);
    // Same index again: no setInterface.
    t.emitter.emit('state', { from: 'leader', to: 'follower', reason: 'x', term: 3n });
    t.emitter.emit('leader', { term: 4n });
    expect(t.calls.filter((c) => c.startsWith('setInterface'))).toHaveLength(1);
  });

  it('a failing VIP call is logged; the transition is still printed and hooked', () => {
    const t = setup({ failAcquire: true });
    t.emitter.emit('leader', { term: 1n });
    expect(t.calls).toEqual(['acquire', 'print leader', 'hook leader']);
    expect(t.errors).toEqual(['floating address: acquire failed']);
  });
});
