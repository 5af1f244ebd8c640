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

/**
 * This node's term: the newest one heard (v1), or its own while it leads; always 0n in go mode.
 * A fresh node adopts the first term it hears as is.
 */
export class TermBook {
  readonly #go: boolean;
  #term = 0n;
  #known = false;
  #fromAnswer = false;

  constructor(go: boolean) {
    this.#go = go;
  }

  get current(): bigint {
    return this.#term;
  }

  /** Our term came from answering a lower candidate's ELECTION at our term (see Election's #stepLeader). */
  get fromAnswer(): boolean {
    return this.#fromAnswer;
  }

  /** A term heard (or our leader's): adopted when newer, or when it is the first. */
  learn(term: bigint): void {
    if (this.#go) return;
    if (!this.#known || termNewer(term, this.#term)) this.#term = term;
    this.#known = true;
  }

  /** A sitting leader moves to `term`; `answering`: to answer a lower candidate's ELECTION. */
  raise(term: bigint, { answering = false } = {}): void {
    this.#term = term;
    this.#known = true;
    this.#fromAnswer = answering;
  }

  /** Taking office: a term newer than every term heard (fenced leaders' included). */
  takeOffice(): bigint {
    if (!this.#go) this.raise(nextTerm(this.#term));
    this.#fromAnswer = false;
    return this.#term;
  }
}
