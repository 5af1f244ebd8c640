// The handover rehearsal at start(): two throwaway cores and codecs run a planned handover on a
// simulated clock, so the real one runs warm code. It must complete the handover it rehearses
// (else it warms the wrong path), for every option set a v1 participant can have, and open nothing.
import { describe, expect, it } from 'vitest';
import { resolveParticipantOptions } from '../../lib/participant/options';
import { rehearseHandover } from '../../lib/participant/rehearsal';

const base = { id: 7, interface: 'lo', address: '239.77.3.1:4100' } as const;

describe('the handover rehearsal', () => {
  it.each([
    ['defaults', {}],
    ['a secret', { secret: 'a rehearsal secret of 32 bytes!!' }],
    ['rotating keys', { keys: [{ id: 1, secret: 'first key of the cluster' }, { id: 2, secret: 'second key of the cluster' }], sendKeyId: 2 }],
    ['an IPv6 group', { address: '[ff15::77]:4100' }],
    ['fast timers and a priority', { heartbeatMs: 20, misses: 2, priority: 7, preemptDelayMs: 500 }],
    ['no preempt', { preempt: false }],
  ])('ends with the named successor in office, with %s', (_, extra) => {
    expect(rehearseHandover(resolveParticipantOptions({ ...base, ...extra }))).toBe(true);
  });

  it('does not run in go mode (no RESIGN there)', () => {
    expect(rehearseHandover(resolveParticipantOptions({ ...base, wire: 'go' }))).toBe(false);
  });

  it('opens no socket, timer or other handle', () => {
    const before = process.getActiveResourcesInfo().sort();
    rehearseHandover(resolveParticipantOptions(base));
    expect(process.getActiveResourcesInfo().sort()).toEqual(before);
  });
});
