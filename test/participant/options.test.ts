import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseGroupAddress } from '../../lib/address';
import { resolveParticipantOptions, type ParticipantOptions } from '../../lib/participant/options';
import { Participant } from '../../lib/participant';
import { listInterfaces } from '../../lib/socket';

const GOOD: ParticipantOptions = { address: '239.77.0.9:45000', interface: 'lo', id: 1 };

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('group address parsing', () => {
  it('parses IPv4 and bracketed IPv6 forms', () => {
    expect(parseGroupAddress('239.1.2.3:9999')).toEqual({ group: '239.1.2.3', port: 9999, family: 4 });
    expect(parseGroupAddress('[FF02::1234]:1')).toEqual({ group: 'ff02::1234', port: 1, family: 6 });
  });

  it('gives the canonical text of an IPv6 group in the parser', () => {
    expect(parseGroupAddress('[ff02:0:0:0:0:0:0:1]:9999').group).toBe('ff02::1');
    expect(parseGroupAddress('[FF05:0:0:0:0:0:0:00FB]:9999').group).toBe('ff05::fb');
  });

  // (Constructing opens nothing. Linux lo cannot carry an IPv6 group: a NIC with IPv6 is needed.)
  const nicWithIPv6 = listInterfaces().find((nic) => !nic.flags.loopback && nic.addresses.some((a) => a.family === 6));
  it.runIf(nicWithIPv6)('the Participant.group getter is an object with the canonical text of the group', () => {
    const node = new Participant({ address: '[ff02:0:0:0:0:0:0:1234]:45000', interface: nicWithIPv6!.name, id: 1 });
    expect(node.group).toEqual({ group: 'ff02::1234', port: 45000, family: 6 });
  });

  it('accepts a 224.0.0.0/24 group but logs a warning (local network control block)', () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_obj: unknown, msg?: string) => warnings.push(msg ?? '') };
    new Participant({ address: '239.77.0.9:45000', interface: 'lo', id: 1, logger });
    expect(warnings).toEqual([]);
    new Participant({ address: '224.0.0.77:45000', interface: 'lo', id: 1, logger });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/224\.0\.0\.0\/24/);
  });

  it.each([
    ['239.1.2.3', 'ERR_MULTIBULLY_BAD_ADDRESS'],
    ['239.1.2.3:0', 'ERR_MULTIBULLY_BAD_ADDRESS'],
    ['239.1.2.3:65536', 'ERR_MULTIBULLY_BAD_ADDRESS'],
    ['10.0.0.1:9999', 'ERR_MULTIBULLY_NOT_MULTICAST'],
    ['240.0.0.1:9999', 'ERR_MULTIBULLY_NOT_MULTICAST'],
    ['239.1.2:9999', 'ERR_MULTIBULLY_BAD_ADDRESS'],
    ['ff02::1:9999', 'ERR_MULTIBULLY_BAD_ADDRESS'],
    ['[fe80::1]:9999', 'ERR_MULTIBULLY_NOT_MULTICAST'],
    ['[ff02::1%eth0]:9999', 'ERR_MULTIBULLY_BAD_ADDRESS'],
    ['[zz::1]:9999', 'ERR_MULTIBULLY_BAD_ADDRESS'],
    ['[::ffff:239.1.2.3]:9999', 'ERR_MULTIBULLY_BAD_ADDRESS'],
    ['224.0.0.0:9999', 'ERR_MULTIBULLY_RESERVED_GROUP'],
  ])('rejects %s', (text, code) => {
    expect(() => parseGroupAddress(text)).toThrow(expect.objectContaining({ code }));
  });
});

describe('Participant options', () => {
  it('fills defaults', () => {
    const resolved = resolveParticipantOptions(GOOD);
    expect(resolved).toMatchObject({ id: 1n, cluster: 'default', ttl: 1, loopback: true, wire: 'v1', keys: undefined });
  });

  it('turns a secret into key 0 and metadata text into bytes', () => {
    const resolved = resolveParticipantOptions({ ...GOOD, secret: 'correct horse battery staple', metadata: 'hé' });
    expect(resolved.keys).toEqual([{ id: 0, secret: 'correct horse battery staple' }]);
    expect(Buffer.from(resolved.metadata!).toString('utf8')).toBe('hé');
  });

  const bad: Array<[string, Partial<Record<keyof ParticipantOptions | 'bogus', unknown>>, RegExp]> = [
    ['unknown option', { bogus: 1 }, /unknown option "bogus"/],
    ['missing address', { address: undefined }, /address must be a string/],
    ['non-multicast group', { address: '10.1.1.1:9' }, /not a multicast group/],
    ['missing interface', { interface: undefined }, /interface must be/],
    ['negative interface index', { interface: -1 }, /interface must be/],
    ['negative id', { id: -1 }, /id must be ≥ 0/],
    ['unsafe number id', { id: 2 ** 60 }, /safe integer/],
    ['fractional id', { id: 1.5 }, /integer/],
    ['id too large', { id: 1n << 64n }, /0\.\.2\^64-1/],
    ['string id', { id: '5' }, /number or a bigint/],
    ['empty cluster', { cluster: '' }, /cluster must be 1\.\.64 bytes/],
    ['long cluster', { cluster: 'x'.repeat(65) }, /cluster must be 1\.\.64 bytes/],
    ['empty secret', { secret: '' }, /secret must not be empty/],
    ['secret shorter than the wire minimum', { secret: 'x'.repeat(15) }, /secret must be at least 16 bytes \(got 15\)/],
    ['short key secret', { keys: [{ id: 1, secret: new Uint8Array(8) }] }, /keys\[0\]\.secret must be at least 16 bytes/],
    ['key id above the wire maximum', { keys: [{ id: 256, secret: 'b'.repeat(20) }] }, /keys\[0\]\.id must be an integer in 0\.\.255/],
    ['sendKeyId above the wire maximum', { secret: 'b'.repeat(20), sendKeyId: 256 }, /sendKeyId must be an integer in 0\.\.255/],
    ['cluster over the wire maximum in UTF-8 bytes', { cluster: 'é'.repeat(33) }, /cluster must be 1\.\.64 bytes/],
    ['secret of wrong type', { secret: 42 }, /secret must be a string or a Uint8Array/],
    ['secret and keys', { secret: 'a'.repeat(20), keys: [{ id: 1, secret: 'b'.repeat(20) }] }, /either secret or keys/],
    ['empty keys', { keys: [] }, /non-empty array/],
    ['bad key id', { keys: [{ id: -1, secret: 'b'.repeat(20) }] }, /keys\[0\]\.id/],
    ['zero heartbeat', { heartbeatMs: 0 }, /heartbeatMs must be a finite number in 1\.\./],
    ['NaN heartbeat', { heartbeatMs: NaN }, /heartbeatMs must be a finite number/],
    ['ttl too big', { ttl: 256 }, /ttl must be in 0\.\.255/],
    ['loopback not boolean', { loopback: 'yes' }, /loopback must be a boolean/],
    ['preempt not boolean', { preempt: 1 }, /preempt must be a boolean/],
    ['metadata too long', { metadata: 'x'.repeat(513) }, /at most 512 bytes/],
    ['metadata of wrong type', { metadata: 5 }, /metadata must be a string/],
    ['bad wire', { wire: 'v2' }, /wire must be/],
    ['go with secret', { wire: 'go', secret: 'a'.repeat(20) }, /"secret" is not available with wire 'go'/],
    ['go with cluster', { wire: 'go', cluster: 'x' }, /"cluster" is not available with wire 'go'/],
    ['go with keys', { wire: 'go', keys: [{ id: 1, secret: 'b'.repeat(20) }] }, /"keys" is not available/],
    ['go with metadata', { wire: 'go', metadata: 'x' }, /"metadata" is not available/],
    ['logger without methods', { logger: { info() {} } }, /pino-compatible/],
    ['signal of wrong type', { signal: {} }, /AbortSignal/],
  ];

  it.each(bad)('rejects %s with a clear error and a code', (_name, change, message) => {
    const options = { ...GOOD, ...change } as ParticipantOptions;
    let thrown: unknown;
    try {
      resolveParticipantOptions(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown instanceof TypeError || thrown instanceof RangeError).toBe(true);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as { code?: string }).code).toMatch(/^ERR_/);
  });

  it('never echoes a secret in an error message', () => {
    const secret = 'do-not-print-this-secret';
    expect(() => resolveParticipantOptions({ ...GOOD, keys: [{ id: -5, secret }] })).toThrow(expect.not.objectContaining({ message: expect.stringContaining(secret) }));
  });

  it('rejects every bad option in the constructor before opening anything', () => {
    const before = openFds();
    const cases: Array<Partial<ParticipantOptions> & Record<string, unknown>> = [
      { interface: 'no-such-nic0' },
      { id: -1 },
      { heartbeatMs: -5 },
      { address: '1.2.3.4:5' },
      { secret: 'short' },
      { keys: [{ id: 1, secret: 'a'.repeat(32) }], sendKeyId: 2 },
      { misses: 0.5 },
      { heartbeatMs: 100, coordinatorWaitMs: 10 },
    ];
    for (const change of cases) {
      expect(() => new Participant({ ...GOOD, ...change } as ParticipantOptions), JSON.stringify(change)).toThrow();
    }
    expect(openFds()).toBe(before);
  });

  it.each([
    ['okWaitMs below heartbeatMs without preempt', { heartbeatMs: 100, okWaitMs: 50, preempt: false }, RangeError, 'ERR_OUT_OF_RANGE', /okWaitMs/],
    ['coordinatorWaitMs not above heartbeatMs', { heartbeatMs: 100, coordinatorWaitMs: 100 }, RangeError, 'ERR_OUT_OF_RANGE', /coordinatorWaitMs/],
    ['fractional misses', { misses: 1.5 }, RangeError, 'ERR_OUT_OF_RANGE', /misses/],
    ['heartbeat too long for go mode', { wire: 'go', heartbeatMs: 400 }, RangeError, 'ERR_OUT_OF_RANGE', /heartbeatMs/],
    ['failoverOkWaitMs above okWaitMs', { heartbeatMs: 100, okWaitMs: 100, failoverOkWaitMs: 150 }, RangeError, 'ERR_OUT_OF_RANGE', /failoverOkWaitMs/],
    ['failoverOkWaitMs in go mode', { wire: 'go', failoverOkWaitMs: 5 }, RangeError, 'ERR_OUT_OF_RANGE', /failoverOkWaitMs/],
  ] as const)('timer rules checked by the core carry a code too: %s', (_name, change, kind, code, message) => {
    let thrown: unknown;
    try {
      new Participant({ ...GOOD, ...change } as ParticipantOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(kind);
    expect(thrown).toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('passes failoverOkWaitMs through to the election core', () => {
    const participant = new Participant({ ...GOOD, heartbeatMs: 100, failoverOkWaitMs: 7 });
    expect(participant.timers.failoverOkWaitMs).toBe(7);
    expect(new Participant({ ...GOOD, heartbeatMs: 100 }).timers.failoverOkWaitMs).toBe(5);
    // 0 is the core's lower bound (claim right after the skew); the participant must not be stricter.
    expect(new Participant({ ...GOOD, heartbeatMs: 100, failoverOkWaitMs: 0 }).timers.failoverOkWaitMs).toBe(0);
    expect(() => new Participant({ ...GOOD, failoverOkWaitMs: -1 })).toThrow(/failoverOkWaitMs must be a finite number in 0\.\./);
  });

  it('names the existing interfaces when the NIC is unknown', () => {
    expect(() => new Participant({ ...GOOD, interface: 'no-such-nic0' })).toThrow(/lo/);
  });
});
