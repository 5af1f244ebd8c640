// The Go MultiBully text format: "<kind>|<ip>|<pid>|" then '#' up to exactly 128 bytes.
import { describe, expect, it } from 'vitest';
import { GO_PACKET_BYTES, createGoCodec, type DropReason } from '../../lib/wire';
import { message, sender } from './fixtures';

const goMessage = (type: 'election' | 'ok' | 'coordinator', id: bigint, address: string) => ({
  type,
  term: 0n,
  from: { id, address, nonce: 0n },
  seq: 0n,
  flags: 0,
});

const golden: [string, ReturnType<typeof goMessage>][] = [
  ['0|10.0.0.1|42|' + '#'.repeat(114), goMessage('election', 42n, '10.0.0.1')],
  ['1|10.0.0.1|42|' + '#'.repeat(114), goMessage('ok', 42n, '10.0.0.1')],
  ['2|10.0.0.1|42|' + '#'.repeat(114), goMessage('coordinator', 42n, '10.0.0.1')],
  ['2|192.168.100.200|0|' + '#'.repeat(108), goMessage('coordinator', 0n, '192.168.100.200')],
  ['0|10.77.0.3|18446744073709551615|' + '#'.repeat(95), goMessage('election', 18446744073709551615n, '10.77.0.3')],
  ['1|fd77::1:3|31337|' + '#'.repeat(110), goMessage('ok', 31337n, 'fd77::1:3')],
  [
    '2|2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff|9|' + '#'.repeat(85),
    goMessage('coordinator', 9n, '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'),
  ],
];

// "2|10.0.0.1|42|" + 114 '#', as a hex dump.
const HEX_COORDINATOR = '327c31302e302e302e317c34327c' + '23'.repeat(114);

describe('Go legacy codec golden vectors', () => {
  for (const [text, decoded] of golden) {
    it(`encodes ${decoded.type} ${decoded.from.id}@${decoded.from.address} byte for byte`, () => {
      expect(text.length).toBe(128);
      const packet = createGoCodec().encode(decoded);
      expect(packet.length).toBe(GO_PACKET_BYTES);
      expect(packet.toString('latin1')).toBe(text);
    });
    it(`decodes ${JSON.stringify(text.slice(0, 40))}`, () => {
      expect(createGoCodec().decode(Buffer.from(text, 'latin1'))).toEqual({ ok: true, message: decoded });
    });
  }

  it('matches the hex dump of a COORDINATOR from 42@10.0.0.1', () => {
    const packet = createGoCodec().encode(goMessage('coordinator', 42n, '10.0.0.1'));
    expect(packet.toString('hex')).toBe(HEX_COORDINATOR);
    expect(createGoCodec().decode(Buffer.from(HEX_COORDINATOR, 'hex')).ok).toBe(true);
  });

  it('drops v1-only fields silently and writes canonical address text', () => {
    const packet = createGoCodec().encode(
      message({ type: 'coordinator', term: 99n, seq: 5n, flags: 3, from: sender(7n, '::ffff:10.0.0.7', 1234n) }),
    );
    expect(packet.toString('latin1')).toBe('2|10.0.0.7|7|' + '#'.repeat(115));
    const v6 = createGoCodec().encode(message({ type: 'ok', from: sender(7n, 'FD77:0:0::0007', 0n) }));
    expect(v6.toString('latin1')).toBe('1|fd77::7|7|' + '#'.repeat(116));
  });

  it('accepts non-canonical IPv6 text from other implementations and canonicalises it', () => {
    const text = '2|FD77:0000:0000:0000:0000:0000:0000:0001|5|'.padEnd(128, '#');
    const result = createGoCodec().decode(Buffer.from(text));
    expect(result.ok && result.message.from.address).toBe('fd77::1');
  });

  it('does not track replays: the same packet decodes every time', () => {
    const codec = createGoCodec();
    const packet = Buffer.from(golden[2]![0], 'latin1');
    for (let i = 0; i < 3; i++) expect(codec.decode(packet).ok).toBe(true);
  });
});

describe('Go legacy encoder refuses what Go cannot carry', () => {
  it('RESIGN has no Go equivalent', () => {
    expect(() => createGoCodec().encode(message({ type: 'resign' }))).toThrow(TypeError);
    expect(() => createGoCodec().encode(message({ type: 'resign' }))).toThrow(/no resign message/);
  });
  it('metadata cannot be carried', () => {
    expect(() => createGoCodec().encode(message({ metadata: Buffer.from('x') }))).toThrow(/cannot carry metadata/);
  });
  it('bad ids and addresses are rejected', () => {
    expect(() => createGoCodec().encode(message({ from: sender(-1n, '10.0.0.1', 0n) }))).toThrow(RangeError);
    expect(() => createGoCodec().encode(message({ from: sender(1n, 'not-an-ip', 0n) }))).toThrow(RangeError);
    expect(() => createGoCodec().encode(message({ from: sender(1n, '224.0.0.1', 0n) }))).toThrow(/multicast/);
  });
});

const pad = (text: string) => Buffer.from(text.padEnd(128, '#'), 'latin1');

const malformed: [string, () => Uint8Array, DropReason, RegExp][] = [
  ['127 bytes', () => pad('2|10.0.0.1|42|').subarray(0, 127), 'truncated', /127 bytes/],
  ['empty', () => new Uint8Array(0), 'truncated', /0 bytes/],
  ['129 bytes', () => Buffer.concat([pad('2|10.0.0.1|42|'), Buffer.from('#')]), 'oversized', /129 bytes/],
  ['a v1 packet', () => Buffer.from('4d4201030004', 'hex'), 'truncated', /6 bytes/],
  ['kind 3', () => pad('3|10.0.0.1|42|'), 'bad-type', /kind "3"/],
  ['kind 9', () => pad('9|10.0.0.1|42|'), 'bad-type', /kind "9"/],
  ['empty kind', () => pad('|10.0.0.1|42|'), 'bad-type', /kind ""/],
  ['kind 00', () => pad('00|10.0.0.1|42|'), 'bad-type', /kind "00"/],
  ['kind with space', () => pad(' 2|10.0.0.1|42|'), 'bad-type', /kind " 2"/],
  ['all padding', () => pad(''), 'bad-field', /no '\|' after the kind/],
  ['all zero bytes', () => new Uint8Array(128), 'bad-field', /no '\|' after the kind/],
  ['missing ip separator', () => pad('2|10.0.0.1'), 'bad-field', /no '\|' after the ip/],
  ['missing pid separator', () => pad('2|10.0.0.1|42'), 'bad-field', /no '\|' after the pid/],
  ['bad ip', () => pad('2|10.0.0.256|42|'), 'bad-field', /ip "10.0.0.256"/],
  ['host name', () => pad('2|localhost|42|'), 'bad-field', /not an IPv4 or IPv6/],
  ['ip with zone', () => pad('2|fe80::1%eth0|42|'), 'bad-field', /not an IPv4 or IPv6/],
  ['empty ip', () => pad('2||42|'), 'bad-field', /ip ""/],
  ['multicast ip', () => pad('2|239.0.0.1|42|'), 'bad-field', /multicast/],
  ['empty pid', () => pad('2|10.0.0.1||'), 'bad-field', /pid ""/],
  ['signed pid', () => pad('2|10.0.0.1|+42|'), 'bad-field', /pid "\+42"/],
  ['negative pid', () => pad('2|10.0.0.1|-1|'), 'bad-field', /pid "-1"/],
  ['pid with leading zero', () => pad('2|10.0.0.1|042|'), 'bad-field', /pid "042"/],
  ['pid with junk', () => pad('2|10.0.0.1|42x|'), 'bad-field', /pid "42x"/],
  ['pid with space', () => pad('2|10.0.0.1| 42|'), 'bad-field', /pid " 42"/],
  ['pid 2^64', () => pad('2|10.0.0.1|18446744073709551616|'), 'bad-field', /exceeds 2\^64-1/],
  ['pid of 21 digits', () => pad('2|10.0.0.1|100000000000000000000|'), 'bad-field', /not a plain decimal/],
  ['hex pid', () => pad('2|10.0.0.1|0x2a|'), 'bad-field', /pid "0x2a"/],
  ['junk in padding', () => pad('2|10.0.0.1|42|#x'), 'trailing-bytes', /0x78 at offset 15/],
  ['extra field', () => pad('2|10.0.0.1|42|7|'), 'trailing-bytes', /offset 14/],
  ['zero byte padding', () => Buffer.concat([Buffer.from('2|10.0.0.1|42|'), Buffer.alloc(114)]), 'trailing-bytes', /0x00/],
  ['not a Uint8Array', () => 'x'.repeat(128) as never, 'bad-field', /not a Uint8Array/],
];

describe('Go legacy strict decoder', () => {
  it.each(malformed)('%s → %s', (_name, build, reason, detail) => {
    const result = createGoCodec().decode(build());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe(reason);
    expect(result.detail).toMatch(detail);
  });
});
