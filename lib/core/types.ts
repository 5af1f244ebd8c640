// The contract between the pure election core, the wire codecs and the Participant.
// Nothing here does I/O; every value is plain data so that the simulator, the codecs and
// the real socket all speak the same language.

/** Message kinds on the wire. COORDINATOR doubles as the leader's heartbeat. */
export const MESSAGE_TYPES = Object.freeze(['election', 'ok', 'coordinator', 'resign'] as const);
export type MessageType = (typeof MESSAGE_TYPES)[number];

/**
 * Who sent a message. Priority is (id, address); the nonce tells two starts of the same
 * (id, address) apart, so a node recognises its own packets by all three.
 */
export interface NodeIdentity {
  /** Priority id, unsigned 64-bit. */
  readonly id: bigint;
  /** Unicast address in canonical text form (IPv4 dotted quad or RFC 5952 IPv6). */
  readonly address: string;
  /** Random per-start instance nonce, unsigned 64-bit. 0n in Go-compatible mode. */
  readonly nonce: bigint;
}

/** One election message, decoded or about to be encoded. */
export interface Message {
  readonly type: MessageType;
  /** Election term (fencing token), unsigned 64-bit. 0n in Go-compatible mode. */
  readonly term: bigint;
  readonly from: NodeIdentity;
  /** Per-sender sequence number, strictly increasing within one instance. */
  readonly seq: bigint;
  /** Bit flags (MESSAGE_FLAGS); see docs/PROTOCOL.md. */
  readonly flags: number;
  /**
   * The sender's effective priority, 1..254, or 0 (INELIGIBLE_PRIORITY) while it may not lead.
   * Absent (DEFAULT_PRIORITY) in Go-compatible mode, whose format has none.
   */
  readonly priority?: number;
  /** Leader metadata, only in COORDINATOR; at most MAX_METADATA_BYTES. */
  readonly metadata?: Uint8Array;
  /** Only in RESIGN: the node the leader hands office to (the highest it knows), if any. */
  readonly successor?: NodeIdentity;
}

/**
 * Message flags: advisory bits, ignored by a node that does not know them (docs/PROTOCOL.md).
 * NO_SUCCESSOR, on a COORDINATOR: its leader knows no node it could name in a RESIGN (it never
 * heard one: say, its followers' ELECTIONs went out before it listened).
 */
export const MESSAGE_FLAGS = Object.freeze({ NO_SUCCESSOR: 0x01 });

/** A node's priority, apart from its id: the election orders by (priority, id, address). */
export const DEFAULT_PRIORITY = 100;
export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 254;
/** The priority a node advertises while it may not lead (after resign({ holdMs })): below every other. */
export const INELIGIBLE_PRIORITY = 0;

export const MAX_METADATA_BYTES = 512;

/** Ids, terms, nonces and sequence numbers are unsigned 64-bit. */
export const UINT64_MAX = (1n << 64n) - 1n;

/** Node roles as the outside world sees them. */
export type Role = 'idle' | 'candidate' | 'waiting' | 'leader' | 'follower' | 'fault' | 'stopped';

/** Why a node cannot take part: its network interface (or sending on it) is broken, or a health check with no weight failed. */
export type FaultReason = 'nic-down' | 'nic-no-address' | 'nic-gone' | 'send-failing' | 'check-failed';

/** Why a node leaves 'fault': the Participant's reasons, or the core's default. */
export type RecoveryReason = 'nic-recovered' | 'send-recovered' | 'check-recovered' | 'recovered';

/** Why a round starts: the node becomes a candidate. */
export type CandidacyReason =
  | 'start'
  | 'lower-leader'
  | 'leader-timeout'
  | 'leader-resigned'
  | 'higher-node-resigned'
  | 'coordinator-timeout'
  | RecoveryReason;

/** Why a candidate waits for a higher node instead of claiming office. */
export type WaitingReason = 'higher-node-electing' | 'ok-from-higher-node' | 'leader-timeout' | 'handed-over';

/** Why a node follows a leader. */
export type FollowerReason = 'higher-leader' | 'newer-leader' | 'coordinator' | 'new-leader';

/** Why a node takes office. */
export type LeaderReason = 'no-higher-node-answered' | 'named-successor';

/** The `reason` of a 'state' event: every reason the election core gives for a role change. */
export type StateReason =
  | CandidacyReason
  | WaitingReason
  | FollowerReason
  | LeaderReason
  | FaultReason
  | 'stopped';

/** The `reason` of a 'term' event: what made a sitting leader raise its term. */
export type TermReason = 'election-at-our-term' | 'newer-term-heard' | 'lower-leader';

/** The `reason` of a 'conflict' event: a sentence naming the other instance. */
export type ConflictReason = `another instance (nonce ${bigint}) runs with the same id ${bigint} and address ${string}`;

/** What the core tells its driver besides messages to send. */
export type CoreEvent =
  | {
      readonly type: 'state';
      readonly from: Role;
      readonly to: Role;
      readonly reason: StateReason;
      readonly term: bigint;
    }
  /** This node took office. */
  | { readonly type: 'leader'; readonly term: bigint }
  /** A sitting leader raised its term (fencing a competitor) and keeps office. */
  | { readonly type: 'term'; readonly term: bigint; readonly reason: TermReason }
  | {
      readonly type: 'follower';
      readonly leader: NodeIdentity;
      readonly term: bigint;
      readonly metadata?: Uint8Array;
    }
  | { readonly type: 'conflict'; readonly other: NodeIdentity; readonly reason: ConflictReason };

/** Result of every call into the core: what to multicast and what happened. */
export interface Ready {
  readonly messages: readonly Message[];
  readonly events: readonly CoreEvent[];
}
