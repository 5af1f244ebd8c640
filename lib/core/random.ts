// A small seeded PRNG (mulberry32) so the core and the simulator stay deterministic:
// lib/core never calls Math.random, randomness is injected.
import { typeError } from '../errors';

/** Returns a function yielding numbers in [0, 1), fully determined by `seed`. */
export function seededRandom(seed: number | bigint): () => number {
  if (typeof seed === 'bigint') {
    seed = Number(BigInt.asUintN(32, seed ^ (seed >> 32n)));
  } else if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `seed must be a finite number or a bigint, got ${String(seed)}`);
  }
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
