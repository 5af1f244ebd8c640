// Per-start identity: a random 64-bit nonce tells this start apart from an earlier one with
// the same (id, address), so our own looped-back packets are recognised exactly.
import { randomBytes, randomInt } from 'node:crypto';
import type { NodeIdentity } from '../core/types';

export function randomNonce(): bigint {
  return randomBytes(8).readBigUInt64BE(0);
}

const RANDOM_RANGE = 2 ** 48;

/** A [0, 1) source for the core backed by the OS CSPRNG (the core never uses Math.random). */
export function cryptoRandom(): number {
  return randomInt(RANDOM_RANGE) / RANDOM_RANGE;
}

export function sameIdentity(a: NodeIdentity, b: NodeIdentity): boolean {
  return a.id === b.id && a.address === b.address && a.nonce === b.nonce;
}
