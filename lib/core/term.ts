// Terms compare as serial numbers over uint64 (RFC 1982), so a term can never run out: after
// 2^64 − 1 comes 0, which is newer. A forged huge term therefore moves terms along but cannot
// wedge an election. The price: "newer" only means something for terms less than 2^63 apart,
// which honest nodes never are (each election adds one).
import { UINT64_MAX } from './types';

const HALF = 1n << 63n;

/** True when term a is newer than term b. */
export function termNewer(a: bigint, b: bigint): boolean {
  if (a === b) return false;
  const distance = (a - b) & UINT64_MAX;
  // RFC 1982 leaves a distance of exactly 2^63 undefined; numeric order keeps "newer" antisymmetric.
  if (distance === HALF) return a > b;
  return distance < HALF;
}

/** The term after t (2^64 − 1 is followed by 0). */
export function nextTerm(t: bigint): bigint {
  return (t + 1n) & UINT64_MAX;
}
