import { describe, expect, it } from 'vitest';
import { MAX_METADATA_BYTES, resolveElectionOptions, type ElectionOptions } from '../../lib/core';
import { node } from './harness';

const self = node(5);

function resolve(options: Partial<ElectionOptions> & Record<string, unknown>) {
  return resolveElectionOptions({ self, ...options } as ElectionOptions);
}

describe('election options', () => {
  it('defaults give LAN failover within about 1 s (v1) and Go-safe timers (go)', () => {
    const v1 = resolve({});
    expect(v1).toMatchObject({ heartbeatMs: 100, misses: 3, okWaitMs: 100, coordinatorWaitMs: 500, preempt: true, mode: 'v1' });
    expect(v1.misses * v1.heartbeatMs + v1.maxSkewRank * v1.skewStepMs + v1.okWaitMs).toBeLessThanOrEqual(1000);
    const go = resolve({ mode: 'go' });
    expect(go).toMatchObject({ heartbeatMs: 250, okWaitMs: 500, coordinatorWaitMs: 2500, minElectionGapMs: 2000 });
    expect(resolve({ heartbeatMs: 50 })).toMatchObject({ okWaitMs: 50, coordinatorWaitMs: 250, skewStepMs: 10 });
  });

  it('failoverOkWaitMs defaults to heartbeat / 20 (at least 1 ms, at most okWait); go mode uses okWait', () => {
    expect(resolve({}).failoverOkWaitMs).toBe(5);
    expect(resolve({ heartbeatMs: 50 }).failoverOkWaitMs).toBe(2.5);
    expect(resolve({ heartbeatMs: 4 }).failoverOkWaitMs).toBe(1);
    expect(resolve({ heartbeatMs: 1000, okWaitMs: 10 }).failoverOkWaitMs).toBe(10);
    expect(resolve({ failoverOkWaitMs: 0 }).failoverOkWaitMs).toBe(0);
    expect(resolve({ failoverOkWaitMs: 100 }).failoverOkWaitMs).toBe(100);
    expect(resolve({ mode: 'go' }).failoverOkWaitMs).toBe(500);
  });

  it('copies metadata so a caller reusing its buffer cannot change what is announced', () => {
    const metadata = new Uint8Array([1, 2, 3]);
    const resolved = resolve({ metadata });
    metadata[0] = 9;
    expect([...resolved.metadata]).toEqual([1, 2, 3]);
  });

  const bad: [string, Record<string, unknown>, ErrorConstructor, RegExp][] = [
    ['options not an object', { self: 'x' }, TypeError, /self must be an object/],
    ['unknown option', { heartbeat: 100 }, TypeError, /unknown election option "heartbeat"/],
    ['id not a bigint', { self: { ...self, id: 5 } }, TypeError, /self\.id must be a bigint/],
    ['id negative', { self: { ...self, id: -1n } }, RangeError, /self\.id must be in 0\.\.2\^64-1/],
    ['id above 2^64-1', { self: { ...self, id: 1n << 64n } }, RangeError, /self\.id/],
    ['nonce not a bigint', { self: { ...self, nonce: 1 } }, TypeError, /self\.nonce must be a bigint/],
    ['address not a string', { self: { ...self, address: 1 } }, TypeError, /self\.address must be a string/],
    ['address not an IP', { self: { ...self, address: 'host.lan' } }, TypeError, /IPv4 or IPv6 literal/],
    ['heartbeat not a number', { heartbeatMs: '100' }, TypeError, /heartbeatMs must be a number/],
    ['heartbeat zero', { heartbeatMs: 0 }, RangeError, /heartbeatMs must be a finite number in 1\.\./],
    ['heartbeat NaN', { heartbeatMs: NaN }, RangeError, /heartbeatMs/],
    ['heartbeat infinite', { heartbeatMs: Infinity }, RangeError, /heartbeatMs/],
    ['misses fractional', { misses: 2.5 }, RangeError, /misses must be an integer in 1\.\.100/],
    ['misses zero', { misses: 0 }, RangeError, /misses/],
    ['misses 101', { misses: 101 }, RangeError, /misses/],
    ['misses not a number', { misses: '3' }, TypeError, /misses must be a number/],
    ['okWait negative', { okWaitMs: -5 }, RangeError, /okWaitMs/],
    ['okWait below heartbeat without preempt', { preempt: false, okWaitMs: 50 }, RangeError, /okWaitMs \(50\) must be at least heartbeatMs \(100\) when preempt is false/],
    ['coordinatorWait shorter than a heartbeat', { coordinatorWaitMs: 80 }, RangeError, /coordinatorWaitMs \(80\) must be longer than heartbeatMs \(100\)/],
    ['coordinatorWait equal to heartbeat', { coordinatorWaitMs: 100 }, RangeError, /longer than heartbeatMs/],
    ['coordinatorWait below okWait', { okWaitMs: 400, coordinatorWaitMs: 300 }, RangeError, /must be at least okWaitMs/],
    ['preempt not a boolean', { preempt: 'yes' }, TypeError, /preempt must be a boolean/],
    ['unknown mode', { mode: 'v2' }, TypeError, /mode must be 'v1' or 'go'/],
    ['metadata not bytes', { metadata: 'abc' }, TypeError, /metadata must be a Uint8Array/],
    ['metadata too long', { metadata: new Uint8Array(MAX_METADATA_BYTES + 1) }, RangeError, /at most 512 bytes/],
    ['random not a function', { random: 0.5 }, TypeError, /random must be a function/],
    ['skewStep negative', { skewStepMs: -1 }, RangeError, /skewStepMs/],
    ['failoverOkWait not a number', { failoverOkWaitMs: '5' }, TypeError, /failoverOkWaitMs must be a number/],
    ['failoverOkWait negative', { failoverOkWaitMs: -1 }, RangeError, /failoverOkWaitMs must be a finite number/],
    ['failoverOkWait NaN', { failoverOkWaitMs: NaN }, RangeError, /failoverOkWaitMs/],
    ['failoverOkWait above okWait', { failoverOkWaitMs: 101 }, RangeError, /failoverOkWaitMs \(101\) must be at most okWaitMs \(100\)/],
    ['failoverOkWait in go mode', { mode: 'go', failoverOkWaitMs: 10 }, RangeError, /failoverOkWaitMs is not supported in go mode/],
    ['go heartbeat too slow for Go followers', { mode: 'go', heartbeatMs: 300 }, RangeError, /at most 250 in go mode/],
    ['go coordinatorWait shorter than a Go election', { mode: 'go', coordinatorWaitMs: 1500 }, RangeError, /2000 \+ heartbeatMs in go mode/],
    ['go metadata', { mode: 'go', metadata: new Uint8Array([1]) }, RangeError, /metadata is not supported in go mode/],
  ];
  for (const [name, options, type, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => resolve(options)).toThrow(type);
      expect(() => resolve(options)).toThrow(message);
    });
  }

  it('rejects a non-object', () => {
    expect(() => resolveElectionOptions(null as unknown as ElectionOptions)).toThrow(TypeError);
  });
});
