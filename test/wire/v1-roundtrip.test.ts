import { describe, expect, it } from 'vitest';
import { MAX_METADATA_BYTES, type MessageType } from '../../lib/core/types';
import { MAX_V1_PACKET_BYTES, createV1Codec } from '../../lib/wire';
import { SECRET_ONE, message, sender } from './fixtures';

const TYPES: MessageType[] = ['election', 'ok', 'coordinator', 'resign'];
const SENDERS = [
  sender(42n, '10.77.0.1', 1n),
  sender(0n, '127.0.0.1', 0n),
  sender((1n << 64n) - 1n, 'fd77::a:1', (1n << 64n) - 1n),
  sender(7n, 'fe80::1ff:fe23:4567:890a', 99n),
];

describe('v1 round trips', () => {
  for (const auth of [false, true]) {
    for (const type of TYPES) {
      for (const from of SENDERS) {
        it(`${type} from ${from.address} ${auth ? 'with' : 'without'} auth`, () => {
          const options = auth ? { cluster: 'rt', keys: [{ id: 3, secret: SECRET_ONE }] } : { cluster: 'rt' };
          const sending = createV1Codec(options);
          const receiving = createV1Codec(options);
          const original = message({ type, from, term: 123456789n, seq: 77n, flags: 0x05 });
          const packet = sending.encode(original);
          const result = receiving.decode(packet);
          expect(result).toEqual({ ok: true, message: original });
        });
      }
    }
  }

  it('carries the priority (0..254) and a RESIGN\'s successor', () => {
    const codec = createV1Codec({ cluster: 'rt' });
    for (const priority of [0, 1, 100, 254]) {
      const original = message({ seq: BigInt(10 + priority), priority });
      expect(codec.decode(codec.encode(original))).toEqual({ ok: true, message: original });
    }
    for (const successor of [sender(9n, '10.77.0.9', 3n), sender((1n << 64n) - 1n, 'fe80::9', (1n << 64n) - 1n)]) {
      const original = message({ type: 'resign', seq: 300n + successor.nonce % 7n, successor });
      expect(codec.decode(codec.encode(original))).toEqual({ ok: true, message: original });
    }
  });

  it('carries metadata in COORDINATOR, up to the maximum', () => {
    const codec = createV1Codec({ cluster: 'rt' });
    for (const size of [1, 21, MAX_METADATA_BYTES]) {
      const metadata = new Uint8Array(size).map((_, i) => (i * 7 + size) & 0xff);
      const original = message({ seq: BigInt(size), metadata });
      const result = codec.decode(codec.encode(original));
      expect(result.ok && result.message.metadata).toEqual(metadata);
    }
  });

  it('treats empty metadata as absent', () => {
    const codec = createV1Codec({ cluster: 'rt' });
    const result = codec.decode(codec.encode(message({ metadata: new Uint8Array(0) })));
    expect(result.ok && 'metadata' in result.message).toBe(false);
  });

  it('copies metadata out of the packet buffer', () => {
    const codec = createV1Codec({ cluster: 'rt' });
    const packet = codec.encode(message({ metadata: Buffer.from('endpoint') }));
    const result = codec.decode(packet);
    packet.fill(0);
    expect(result.ok && Buffer.from(result.message.metadata!).toString()).toBe('endpoint');
  });

  it('decodes from a Uint8Array view at a non-zero offset', () => {
    const codec = createV1Codec({ cluster: 'rt' });
    const packet = codec.encode(message());
    const backing = new Uint8Array(packet.length + 10);
    backing.set(packet, 5);
    const result = codec.decode(backing.subarray(5, 5 + packet.length));
    expect(result).toEqual({ ok: true, message: message() });
  });

  it('folds an IPv4-mapped sender address to IPv4 (family 4 on the wire)', () => {
    const codec = createV1Codec({ cluster: 'rt' });
    const packet = codec.encode(message({ from: sender(1n, '::ffff:10.77.0.9', 2n) }));
    expect(packet[5]).toBe(4);
    const result = codec.decode(packet);
    expect(result.ok && result.message.from.address).toBe('10.77.0.9');
  });

  it('canonicalises IPv6 sender text', () => {
    const codec = createV1Codec({ cluster: 'rt' });
    const result = codec.decode(codec.encode(message({ from: sender(1n, 'FD77:0000::0001', 2n) })));
    expect(result.ok && result.message.from.address).toBe('fd77::1');
  });

  it('accepts safe integer numbers from untyped callers', () => {
    const codec = createV1Codec({ cluster: 'rt' });
    const loose = { ...message(), term: 5, seq: 6, from: { id: 7, address: '10.0.0.1', nonce: 8 } };
    const result = codec.decode(codec.encode(loose as never));
    expect(result.ok && [result.message.term, result.message.seq, result.message.from.id]).toEqual([5n, 6n, 7n]);
  });

  it('keeps packet sizes within the documented bounds', () => {
    const plain = createV1Codec({ cluster: 'rt' });
    const authed = createV1Codec({ cluster: 'rt', keys: [{ id: 0, secret: SECRET_ONE }] });
    // The headline number: an unauthenticated IPv4 heartbeat.
    expect(plain.encode(message()).length).toBe(53);
    expect(plain.encode(message()).length).toBeLessThanOrEqual(96);
    expect(authed.encode(message()).length).toBe(86);
    expect(plain.encode(message({ type: 'election' })).length).toBe(51);
    expect(plain.encode(message({ type: 'election', from: sender(1n, 'fd77::1', 1n) })).length).toBe(63);
    expect(plain.encode(message({ type: 'resign' })).length).toBe(52);
    expect(plain.encode(message({ type: 'resign', successor: sender(2n, 'fd77::2', 2n) })).length).toBe(52 + 16 + 16);
    const largest = authed.encode(
      message({ from: sender(1n, 'fd77::1', 1n), metadata: new Uint8Array(MAX_METADATA_BYTES) }),
    );
    expect(largest.length).toBe(MAX_V1_PACKET_BYTES);
    expect(MAX_V1_PACKET_BYTES).toBe(610);
  });
});

describe('v1 encoder rejects messages it cannot represent', () => {
  const codec = createV1Codec({ cluster: 'rt' });
  it.each([
    ['metadata over 512 bytes', message({ metadata: new Uint8Array(513) }), RangeError, /at most 512/],
    ['metadata on ELECTION', message({ type: 'election', metadata: Buffer.from('x') }), TypeError, /only carried by coordinator/],
    ['negative term', message({ term: -1n }), RangeError, /message.term/],
    ['term over 2^64-1', message({ term: 1n << 64n }), RangeError, /message.term/],
    ['fractional id', message({ from: sender(1.5 as never, '10.0.0.1', 0n) }), TypeError, /message.from.id/],
    ['string seq', message({ seq: '1' as never }), TypeError, /message.seq/],
    ['missing nonce', message({ from: { id: 1n, address: '10.0.0.1' } as never }), TypeError, /nonce/],
    ['bad address', message({ from: sender(1n, '10.0.0.256', 0n) }), RangeError, /not an IPv4 or IPv6/],
    ['zone id', message({ from: sender(1n, 'fe80::1%eth0', 0n) }), RangeError, /zone/],
    ['multicast sender', message({ from: sender(1n, '239.1.2.3', 0n) }), RangeError, /multicast/],
    ['unspecified sender', message({ from: sender(1n, '::', 0n) }), RangeError, /unspecified/],
    ['auth flag bit', message({ flags: 0x80 }), RangeError, /flags/],
    ['flags over a byte', message({ flags: 0x100 }), RangeError, /flags/],
    ['unknown type', message({ type: 'hello' as never }), TypeError, /message.type/],
    ['no from', { ...message(), from: null } as never, TypeError, /message.from/],
    ['metadata not bytes', message({ metadata: 'text' as never }), TypeError, /metadata/],
    ['priority 255', message({ priority: 255 }), TypeError, /message.priority must be an integer in 0\.\.254/],
    ['successor on a COORDINATOR', message({ successor: sender(2n, '10.0.0.2', 0n) }), TypeError, /only carried by resign/],
    ['multicast successor', message({ type: 'resign', successor: sender(2n, '239.1.1.1', 0n) }), RangeError, /message.successor.address .* multicast/],
  ])('%s', (_name, bad, errorClass, pattern) => {
    expect(() => codec.encode(bad)).toThrow(errorClass);
    expect(() => codec.encode(bad)).toThrow(pattern);
  });

  it('rejects a non-object message', () => {
    expect(() => codec.encode(null as never)).toThrow(TypeError);
    expect(() => codec.encode('coordinator' as never)).toThrow(/must be an object/);
  });
});
