// Per-start identity: a random 64-bit nonce tells this start apart from an earlier one with
// the same (id, address), so our own looped-back packets are recognised exactly.
import { randomBytes } from 'node:crypto';
import type { NodeIdentity } from '../core/types';

export function randomNonce(): bigint {
  return randomBytes(8).readBigUInt64BE(0);
}

/** A [0, 1) source for the core backed by the OS CSPRNG (the core never uses Math.random). */
export function cryptoRandom(): number {
  // 48 random bits fit a double exactly; dividing by 2^48 gives [0, 1).
  return randomBytes(6).readUIntBE(0, 6) / 2 ** 48;
}

/** This node's identity on an address: a fresh nonce per start (the Go wire has no nonce, so 0). */
export function identityOn(id: bigint, address: string, wire: 'v1' | 'go'): NodeIdentity {
  return { id, address, nonce: wire === 'go' ? 0n : randomNonce() };
}
