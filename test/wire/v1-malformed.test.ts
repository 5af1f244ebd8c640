import { describe, expect, it } from 'vitest';
import { createV1Codec, type DropReason } from '../../lib/wire';
import { message, sender } from './fixtures';

const encoder = createV1Codec({ cluster: 'default' });
const heartbeat = () => encoder.encode(message()); // 53 bytes, IPv4, metadata length 0 at offset 51
const election6 = () => encoder.encode(message({ type: 'election', from: sender(5n, 'fd77::5', 9n) }));
// 52 bytes without a successor; its own seq, so that the replay filter keeps it after a heartbeat.
const resign = (successor?: ReturnType<typeof sender>) => encoder.encode(message({ type: 'resign', seq: successor ? 1002n : 1001n, ...(successor && { successor }) }));

function patched(packet: Buffer, offset: number, ...bytes: number[]): Buffer {
  const copy = Buffer.from(packet);
  bytes.forEach((byte, i) => (copy[offset + i] = byte));
  return copy;
}

const cases: [string, () => Uint8Array, DropReason, RegExp][] = [
  ['empty packet', () => new Uint8Array(0), 'truncated', /0 bytes/],
  ['5 bytes', () => heartbeat().subarray(0, 5), 'truncated', /prefix/],
  ['cut inside the header', () => heartbeat().subarray(0, 40), 'truncated', /coordinator header/],
  ['cut inside the metadata length', () => heartbeat().subarray(0, 52), 'truncated', /needs 53/],
  ['cut inside the IPv6 address', () => election6().subarray(0, 62), 'truncated', /needs 63/],
  [
    'metadata length pointing past the end',
    () => patched(heartbeat(), 51, 0x00, 0x10),
    'truncated',
    /needs 69/,
  ],
  ['auth flag without trailer', () => patched(heartbeat(), 4, 0x80), 'truncated', /needs 86/],
  ['larger than any v1 packet', () => new Uint8Array(611), 'oversized', /611 bytes/],
  ['a 64 KiB datagram', () => new Uint8Array(65507), 'oversized', /largest v1 packet is 610/],
  ['wrong magic', () => patched(heartbeat(), 0, 0x4d, 0x43), 'bad-magic', /0x4d43/],
  ['Go legacy packet on a v1 socket', () => Buffer.from('2|10.0.0.1|42|'.padEnd(128, '#')), 'bad-magic', /0x327c/],
  ['short Go-looking text', () => Buffer.from('2|10.0.0.1|42|###'), 'bad-magic', /expected 0x4d42/],
  ['version 0', () => patched(heartbeat(), 2, 0), 'bad-version', /version 0/],
  ['version 1 (unreleased, no priority)', () => patched(heartbeat(), 2, 1), 'bad-version', /version 1/],
  ['version 3', () => patched(heartbeat(), 2, 3), 'bad-version', /version 3/],
  ['type 0', () => patched(heartbeat(), 3, 0), 'bad-type', /type code 0/],
  ['type 5', () => patched(heartbeat(), 3, 5), 'bad-type', /type code 5/],
  ['address family 5', () => patched(heartbeat(), 5, 5), 'bad-field', /family 5/],
  ['address family 0', () => patched(heartbeat(), 5, 0), 'bad-field', /family 0/],
  ['priority 255', () => patched(heartbeat(), 6, 255), 'bad-field', /priority 255/],
  ['metadata length over 512', () => patched(heartbeat(), 51, 0x02, 0x01), 'bad-length', /513/],
  ['metadata length 0xffff', () => patched(heartbeat(), 51, 0xff, 0xff), 'bad-length', /65535/],
  ['RESIGN without its successor byte', () => resign().subarray(0, 51), 'truncated', /resign header needs 52/],
  ['RESIGN successor family 5', () => patched(resign(), 51, 5), 'bad-field', /successor family 5/],
  ['RESIGN naming an IPv4 successor, cut short', () => resign(sender(9n, '10.77.0.9', 3n)).subarray(0, 60), 'truncated', /needs 72/],
  ['RESIGN naming a multicast successor', () => patched(resign(sender(9n, '10.77.0.9', 3n)), 68, 239, 1, 2, 3), 'bad-field', /successor address 239\.1\.2\.3 is an IPv4 multicast/],
  ['one trailing byte', () => Buffer.concat([heartbeat(), Buffer.from([0])]), 'trailing-bytes', /1 bytes/],
  [
    'metadata bytes after an ELECTION',
    () => Buffer.concat([encoder.encode(message({ type: 'election' })), Buffer.from([0, 1, 0x41])]),
    'trailing-bytes',
    /3 bytes after the end of the election/,
  ],
  ['unspecified IPv4 sender', () => patched(heartbeat(), 47, 0, 0, 0, 0), 'bad-field', /unspecified/],
  ['multicast IPv4 sender', () => patched(heartbeat(), 47, 239, 1, 2, 3), 'bad-field', /multicast/],
  ['multicast IPv6 sender', () => patched(election6(), 47, 0xff, 0x02), 'bad-field', /multicast/],
  [
    'IPv4-mapped IPv6 sender',
    () => patched(election6(), 47, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1),
    'bad-field',
    /IPv4-mapped/,
  ],
  ['other cluster', () => createV1Codec({ cluster: 'other' }).encode(message()), 'other-cluster', /cluster id/],
  ['not a Uint8Array', () => 'MB' as never, 'bad-field', /not a Uint8Array/],
  ['null', () => null as never, 'bad-field', /not a Uint8Array/],
];

describe('v1 strict decoder', () => {
  it.each(cases)('%s → %s', (_name, build, reason, detail) => {
    const decoder = createV1Codec({ cluster: 'default' });
    const result = decoder.decode(build());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe(reason);
    expect(result.detail).toMatch(detail);
  });

  it('accepts the unmodified packets the malformed cases start from', () => {
    const decoder = createV1Codec({ cluster: 'default' });
    expect(decoder.decode(heartbeat()).ok).toBe(true);
    expect(decoder.decode(election6()).ok).toBe(true);
    expect(decoder.decode(resign()).ok).toBe(true);
    expect(decoder.decode(resign(sender(9n, '10.77.0.9', 3n))).ok).toBe(true);
  });

  it('carries unknown message flag bits instead of rejecting them', () => {
    const decoder = createV1Codec({ cluster: 'default' });
    const result = decoder.decode(patched(heartbeat(), 4, 0x41));
    expect(result.ok && result.message.flags).toBe(0x41);
  });
});
