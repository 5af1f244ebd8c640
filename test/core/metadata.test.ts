import { describe, expect, it } from 'vitest';
import { leaderAt, makeElection, node, runUntil } from './harness';

describe('setMetadata', () => {
  it('changes what the leader announces from its next heartbeat on, and its own leaderMetadata at once', () => {
    const leader = leaderAt(node(9), { metadata: new Uint8Array([1]) });
    const bytes = new Uint8Array([7, 8]);
    leader.setMetadata(bytes);
    bytes[0] = 0; // copied: the caller's buffer may be reused
    expect([...leader.leaderMetadata!]).toEqual([7, 8]);
    const next = runUntil(leader, 1_000).messages.filter((m) => m.type === 'coordinator');
    expect(next.length).toBeGreaterThan(0);
    for (const m of next) expect([...m.metadata!]).toEqual([7, 8]);
    leader.setMetadata(new Uint8Array(0));
    expect(leader.leaderMetadata).toBeUndefined();
    expect(runUntil(leader, 2_000).messages.every((m) => m.metadata === undefined)).toBe(true);
  });

  it('rejects what the wire cannot carry', () => {
    const leader = leaderAt(node(9));
    expect(() => leader.setMetadata(new Uint8Array(513))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => leader.setMetadata('text' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    const go = makeElection(node(9), { mode: 'go' });
    expect(() => go.setMetadata(new Uint8Array([1]))).toThrow(/not supported in go mode/);
  });
});
