// Shared message builders for the wire tests.
import type { Message, MessageType } from '../../lib/core/types';

export const SECRET_ONE = 'correct horse battery staple';
export const SECRET_TWO = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

export function message(overrides: Partial<Message> & { type?: MessageType } = {}): Message {
  return {
    type: 'coordinator',
    term: 7n,
    from: { id: 42n, address: '10.77.0.1', nonce: 0x0123456789abcdefn },
    seq: 1000n,
    flags: 0,
    ...overrides,
  };
}

export function sender(id: bigint, address: string, nonce: bigint): Message['from'] {
  return { id, address, nonce };
}

/** Deterministic PRNG (mulberry32) so fuzz runs are reproducible from their seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
