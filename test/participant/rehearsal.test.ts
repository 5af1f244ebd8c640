// The handover rehearsal at start(): two throwaway cores and codecs run a planned handover on a
// simulated clock, so the real one runs warm code. It must complete the handover it rehearses
// (else it warms the wrong path), for every option set a v1 participant can have, and open nothing.
import { describe, expect, it } from 'vitest';
import { resolveParticipantOptions } from '../../lib/participant/options';
import { HandoverWarmUp, rehearseHandover, WARM_UP_REHEARSALS } from '../../lib/participant/rehearsal';

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

// The rest of the warm-up runs after start, one rehearsal per unref'd timer slice.
describe('the handover warm-up', () => {
  const resolved = resolveParticipantOptions(base);
  const untilDone = async (warmUp: HandoverWarmUp): Promise<void> => {
    for (let i = 0; i < 200 && warmUp.left > 0; i++) await new Promise((done) => setTimeout(done, 5));
  };

  it('runs the given number of rehearsals, one per slice, then stops', async () => {
    const errors: unknown[] = [];
    const warmUp = new HandoverWarmUp(resolved, (error) => errors.push(error), 3);
    expect(warmUp.left).toBe(3);
    warmUp.start();
    expect(warmUp.left).toBe(3); // nothing runs inside start()
    await untilDone(warmUp);
    expect(warmUp.left).toBe(0);
    expect(errors).toEqual([]);
  });

  it('runs nothing more once stopped', async () => {
    const warmUp = new HandoverWarmUp(resolved, () => {}, 5);
    warmUp.start();
    warmUp.stop();
    await new Promise((done) => setTimeout(done, 60));
    expect(warmUp.left).toBe(5);
  });

  it('has nothing to run in go mode', () => {
    expect(new HandoverWarmUp(resolveParticipantOptions({ ...base, wire: 'go' }), () => {}).left).toBe(0);
    expect(new HandoverWarmUp(resolved, () => {}).left).toBe(WARM_UP_REHEARSALS);
  });

  it('keeps no handle alive while it runs', () => {
    const before = process.getActiveResourcesInfo().sort();
    const warmUp = new HandoverWarmUp(resolved, () => {}, 2);
    warmUp.start();
    try {
      expect(process.getActiveResourcesInfo().sort()).toEqual(before);
    } finally {
      warmUp.stop();
    }
  });

  it('ends at the first failing rehearsal and reports it', async () => {
    const broken = { ...resolved };
    Object.defineProperty(broken, 'family', { get: () => { throw new Error('broken options'); } });
    const errors: unknown[] = [];
    const warmUp = new HandoverWarmUp(broken, (error) => errors.push(error), 4);
    warmUp.start();
    await untilDone(warmUp);
    expect(warmUp.left).toBe(0);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('broken options');
  });
});
