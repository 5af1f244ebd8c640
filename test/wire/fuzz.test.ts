// Bounded fuzzing: random and mutated packets never make decode throw, every result is
// well-formed, and every accepted packet is canonical (re-encodes to the very same bytes).
import { describe, expect, it } from 'vitest';
import type { Message } from '../../lib/core/types';
import { parseAddress } from '../../lib/address';
import { DROP_REASONS, createGoCodec, createV1Codec, type Codec, type DecodeResult } from '../../lib/wire';
import { seededRandom } from '../../lib/core';
import { SECRET_ONE, message, sender } from './fixtures';

const SEED = 20261126;
const PACKETS_PER_CODEC = 20_000;

function randomBytes(random: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

function mutate(random: () => number, seed: Buffer): Buffer {
  let packet = Buffer.from(seed);
  const steps = 1 + Math.floor(random() * 4);
  for (let step = 0; step < steps; step++) {
    const at = Math.floor(random() * (packet.length + 1));
    switch (Math.floor(random() * 6)) {
      case 0: // flip one bit
        if (packet.length) packet[at % packet.length]! ^= 1 << Math.floor(random() * 8);
        break;
      case 1: // overwrite one byte
        if (packet.length) packet[at % packet.length] = Math.floor(random() * 256);
        break;
      case 2: // truncate
        packet = packet.subarray(0, at);
        break;
      case 3: // append junk
        packet = Buffer.concat([packet, randomBytes(random, 1 + Math.floor(random() * 8))]);
        break;
      case 4: // delete a byte
        packet = Buffer.concat([packet.subarray(0, at), packet.subarray(at + 1)]);
        break;
      default: // insert a byte
        packet = Buffer.concat([packet.subarray(0, at), randomBytes(random, 1), packet.subarray(at)]);
    }
  }
  return packet;
}

function checkWellFormed(result: DecodeResult): Message | undefined {
  if (!result.ok) {
    expect(DROP_REASONS).toContain(result.reason);
    expect(typeof result.detail).toBe('string');
    expect(result.detail.length).toBeGreaterThan(0);
    return undefined;
  }
  const m = result.message;
  expect(['election', 'ok', 'coordinator', 'resign']).toContain(m.type);
  for (const value of [m.term, m.seq, m.from.id, m.from.nonce]) {
    expect(typeof value).toBe('bigint');
    expect(value >= 0n && value < 1n << 64n).toBe(true);
  }
  expect(parseAddress(m.from.address)?.text).toBe(m.from.address);
  expect(Number.isInteger(m.flags) && m.flags >= 0 && m.flags <= 0x7f).toBe(true);
  if (m.metadata !== undefined) {
    expect(m.type).toBe('coordinator');
    expect(m.metadata.length).toBeGreaterThan(0);
    expect(m.metadata.length).toBeLessThanOrEqual(512);
  }
  return m;
}

function seedsFor(codec: Codec): Buffer[] {
  const base = [
    message(),
    message({ type: 'election', from: sender(5n, 'fd77::5', 9n) }),
    message({ type: 'ok', seq: 3n }),
    message({ type: 'resign', seq: 4n }),
    message({ from: sender(1n, 'fe80::1', 2n), metadata: Buffer.from('http://[fe80::1]:80/') }),
  ];
  return base.filter((m) => codec.wire === 'v1' || (m.type !== 'resign' && !m.metadata)).map((m) => codec.encode(m));
}

function fuzz(label: string, makeCodec: () => Codec, randomPrefix: Buffer) {
  it(`${label}: ${PACKETS_PER_CODEC} random and mutated packets never throw`, () => {
    const random = seededRandom(SEED); // reproducible from its seed
    const encoder = makeCodec();
    const seeds = seedsFor(encoder);
    let decoder = makeCodec();
    const reasons = new Map<string, number>();
    let accepted = 0;
    for (let i = 0; i < PACKETS_PER_CODEC; i++) {
      if (i % 500 === 0) decoder = makeCodec(); // forget replay state now and then
      let packet: Buffer;
      const kind = random();
      if (kind < 0.2) packet = randomBytes(random, Math.floor(random() * 700));
      else if (kind < 0.35) packet = Buffer.concat([randomPrefix, randomBytes(random, Math.floor(random() * 120))]);
      else packet = mutate(random, seeds[Math.floor(random() * seeds.length)]!);
      // Go packets have one valid length: often restore it so mutations reach the field parser.
      if (encoder.wire === 'go' && random() < 0.6) packet = Buffer.concat([packet, Buffer.alloc(128, '#')]).subarray(0, 128);

      let result!: DecodeResult;
      expect(() => (result = decoder.decode(packet)), `packet ${i}: ${packet.toString('hex')}`).not.toThrow();
      const decoded = checkWellFormed(result);
      reasons.set(result.ok ? 'ok' : result.reason, (reasons.get(result.ok ? 'ok' : result.reason) ?? 0) + 1);
      if (decoded) {
        accepted++;
        const reencoded = encoder.encode(decoded);
        if (encoder.wire === 'v1') expect(reencoded.equals(packet), `packet ${i} is not canonical`).toBe(true);
        else expect(makeCodec().decode(reencoded)).toEqual({ ok: true, message: decoded });
      }
    }
    // The fuzz must reach deep into the decoder, not stop at the first check.
    expect(reasons.size).toBeGreaterThanOrEqual(encoder.wire === 'v1' ? 8 : 6);
    expect(accepted).toBeGreaterThan(0);
  });
}

describe('decoder fuzz (bounded, seeded)', () => {
  fuzz('v1 without keys', () => createV1Codec({ cluster: 'default' }), Buffer.from('4d4201', 'hex'));
  fuzz('v1 with keys', () => createV1Codec({ cluster: 'default', keys: [{ id: 1, secret: SECRET_ONE }] }), Buffer.from('4d4201', 'hex'));
  fuzz('go legacy', () => createGoCodec(), Buffer.from('2|10.0.0.1|'));

  it('decode never throws for non-byte inputs', () => {
    for (const codec of [createV1Codec({ cluster: 'c' }), createGoCodec()]) {
      for (const input of [undefined, null, 42, 'MB', {}, [1, 2, 3], new ArrayBuffer(8), Symbol('x')]) {
        expect(() => codec.decode(input as never)).not.toThrow();
        expect(codec.decode(input as never)).toMatchObject({ ok: false, reason: 'bad-field' });
      }
    }
  });
});
