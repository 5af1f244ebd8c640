// Another start of our own (id, address) is an operator error worth an event, but one that lasts:
// reported when first heard, then at most every CONFLICT_REPORT_HEARTBEATS while it is heard.
import { LruMap } from '../lru';
import type { CoreEvent, NodeIdentity } from './types';

/** A duplicate identity is reported again at most this often (in heartbeats) while it lasts. */
const CONFLICT_REPORT_HEARTBEATS = 20;
/** Forged nonces must not grow the table: the instance reported longest ago is forgotten. */
const MAX_TRACKED_CONFLICTS = 64;

export type ConflictEvent = Extract<CoreEvent, { type: 'conflict' }>;

export class ConflictReports {
  readonly #intervalMs: number;
  /** When each other instance (by nonce) was last reported. */
  readonly #reportedAt = new LruMap<bigint, number>(MAX_TRACKED_CONFLICTS);

  constructor(heartbeatMs: number) {
    this.#intervalMs = CONFLICT_REPORT_HEARTBEATS * heartbeatMs;
  }

  /** The event to report for `other`, heard at `now`, or undefined while its last report is recent. */
  report(other: NodeIdentity, now: number): ConflictEvent | undefined {
    other = { id: other.id, address: other.address, nonce: other.nonce }; // the identity alone, as events carry it
    const last = this.#reportedAt.get(other.nonce);
    if (last !== undefined && now - last < this.#intervalMs) return undefined;
    this.#reportedAt.set(other.nonce, now);
    return {
      type: 'conflict',
      other,
      reason: `another instance (nonce ${other.nonce}) runs with the same id ${other.id} and address ${other.address}`,
    };
  }
}
