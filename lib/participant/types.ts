// The Participant's public shapes: what it says about the leader, its NIC, and its typed events.
import type { ConflictReason, FaultReason, NodeIdentity, Role, StateReason, TermReason } from '../core/types';
import type { CheckStatus } from '../health';

export interface LeaderInfo {
  readonly id: bigint;
  readonly address: string;
  readonly metadata?: Uint8Array;
}

export interface BoundInterface {
  readonly name: string;
  readonly index: number;
  /** The unicast address this node advertises (what followers learn about the leader). */
  readonly address: string;
  readonly scopeId: number;
}

export interface ParticipantEvents {
  /** This node took office. */
  leader: [{ term: bigint }];
  /** This node follows a new leader (or a new term of its leader). */
  follower: [{ leader: LeaderInfo; term: bigint }];
  /** Every role change; `reason` says why (into 'fault': a FaultReason). */
  state: [{ from: Role; to: Role; reason: StateReason; term: bigint }];
  /** A sitting leader raised its term to fence a competitor; it keeps office. */
  term: [{ term: bigint; reason: TermReason }];
  /** Right after the 'state' event into 'fault': why this node cannot take part. */
  fault: [{ reason: FaultReason; detail: string }];
  /** Another instance uses our (id, address); repeated (rate-limited) while it lasts. */
  conflict: [{ other: NodeIdentity; reason: ConflictReason }];
  /** A check (or the priority file) turned good or bad, or the effective priority changed. */
  health: [{ priority: number; checks: CheckStatus[] }];
  error: [Error];
}
