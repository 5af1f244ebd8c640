// Under `exactOptionalPropertyTypes` the optional options are typed `T | undefined`, so users can
// pass `secret: process.env.X`. The resolver must then treat an explicit `undefined` exactly as
// an absent option: same defaults, no "unknown option", no "not available with wire 'go'".
import { describe, expect, it } from 'vitest';
import { Participant, type ParticipantOptions } from '../lib';
import { resolveParticipantOptions } from '../lib/participant/options';

const REQUIRED = { address: '239.77.0.1:9999', interface: 'lo', id: 7 } as const;
// A Record over every optional key: a new option that is missing here fails the typecheck.
const OPTIONAL_KEYS: Record<Exclude<keyof ParticipantOptions, keyof typeof REQUIRED>, true> = {
  cluster: true, secret: true, keys: true, sendKeyId: true, heartbeatMs: true, misses: true, okWaitMs: true,
  failoverOkWaitMs: true, coordinatorWaitMs: true, preempt: true, ttl: true, loopback: true, metadata: true,
  wire: true, logger: true, signal: true, probeLeader: true, priority: true, preemptDelayMs: true, checks: true, priorityFile: true, peers: true,
};
const OPTIONAL = Object.keys(OPTIONAL_KEYS);
const allUndefined: ParticipantOptions = { ...REQUIRED, ...Object.fromEntries(OPTIONAL.map((key) => [key, undefined])) };

describe('optional options given as undefined', () => {
  it('covers options the resolver knows (an unknown key would throw)', () => {
    expect(OPTIONAL.length).toBe(22);
    expect(() => resolveParticipantOptions({ ...REQUIRED, bogus: undefined } as ParticipantOptions)).toThrow(/unknown option "bogus"/);
    expect(() => resolveParticipantOptions(allUndefined)).not.toThrow();
  });

  it('resolve exactly like absent options', () => {
    const resolvedAbsent = resolveParticipantOptions({ ...REQUIRED });
    const resolvedUndefined = resolveParticipantOptions(allUndefined);
    expect(resolvedUndefined).toEqual(resolvedAbsent);
    expect(resolvedUndefined.cluster).toBe('default');
    expect(resolvedUndefined.ttl).toBe(1);
    expect(resolvedUndefined.loopback).toBe(true);
    expect(resolvedUndefined.probeLeader).toBe(true);
    expect(resolvedUndefined.wire).toBe('v1');
    expect(resolvedUndefined.keys).toBeUndefined();
  });

  it('an undefined secret (an unset environment variable) means no authentication', () => {
    const secret: string | undefined = undefined;
    expect(resolveParticipantOptions({ ...REQUIRED, secret }).keys).toBeUndefined();
    // secret undefined next to keys is not "both given".
    const keys = [{ id: 3, secret: 'k'.repeat(16) }];
    expect(resolveParticipantOptions({ ...REQUIRED, secret, keys }).keys).toEqual(keys);
  });

  it("undefined v1-only options are accepted with wire 'go'", () => {
    const options: ParticipantOptions = { ...REQUIRED, wire: 'go', cluster: undefined, secret: undefined, keys: undefined, sendKeyId: undefined, metadata: undefined };
    expect(resolveParticipantOptions(options).wire).toBe('go');
    // …while a given one is still rejected.
    expect(() => resolveParticipantOptions({ ...options, cluster: 'x' })).toThrow(expect.objectContaining({ code: 'ERR_MULTIBULLY_GO_INCOMPATIBLE' }));
  });

  it('a Participant built with every optional option undefined runs the default timers', () => {
    const plain = new Participant({ ...REQUIRED });
    const withUndefined = new Participant(allUndefined);
    expect(withUndefined.timers).toEqual(plain.timers);
    expect(withUndefined.timers.heartbeatMs).toBe(100);
    expect(withUndefined.state).toBe('idle');
  });
});
