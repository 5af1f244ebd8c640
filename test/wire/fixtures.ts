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
    priority: 100,
    ...overrides,
  };
}

export function sender(id: bigint, address: string, nonce: bigint): Message['from'] {
  return { id, address, nonce };
}
