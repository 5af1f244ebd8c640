// Election options: defaults derived from the heartbeat, and validation that rejects timer
// combinations that cannot work (see the design note in election.ts for why each bound exists).
import { describeValue, rangeError, typeError } from '../errors';
import { checkOptionsObject, toUint64 } from '../validate';
import { checkMetadataSize } from './message';
import { addressBytes } from './priority';
import { seededRandom } from './random';
import { DEFAULT_PRIORITY, MAX_PRIORITY, MIN_PRIORITY, type NodeIdentity } from './types';

export type ElectionMode = 'v1' | 'go';

export interface ElectionOptions {
  /** Own identity (id, unicast address, per-start nonce). */
  self: NodeIdentity;
  /** Leader's COORDINATOR (heartbeat) period in ms. Default 100 (v1), 250 (go). */
  heartbeatMs?: number;
  /** Heartbeat periods without COORDINATOR before a follower suspects the leader. Default 3. */
  misses?: number;
  /** How long a candidate waits for OK before it declares itself leader. Default heartbeat (go: 2 × heartbeat). */
  okWaitMs?: number;
  /** After OK from a higher node, how long to wait for COORDINATOR before restarting. */
  coordinatorWaitMs?: number;
  /** A higher node that joins takes over a sitting lower leader. Default true. */
  preempt?: boolean;
  /**
   * Priority apart from the id, 1..254 (v1 only): the election orders by (priority, id, address).
   * Default DEFAULT_PRIORITY (100); with every node at the default the order is by id.
   */
  priority?: number;
  /**
   * With preempt: how long a node that outranks the sitting leader (it joined, or its priority
   * rose above the leader's) keeps following before it takes over (keepalived's preempt_delay).
   * Default 0. A leader whose own priority falls below a node it knows hands over at once.
   */
  preemptDelayMs?: number;
  /** 'go' interoperates with the Go library: no terms, no RESIGN, Go-safe timers. Default 'v1'. */
  mode?: ElectionMode;
  /** Sent in COORDINATOR (v1 only), at most MAX_METADATA_BYTES. */
  metadata?: Uint8Array;
  /** [0, 1) source; default: a PRNG seeded from the identity (the core never uses Math.random). */
  random?: () => number;
  /** Skew per rank: a node with k known higher live nodes waits about k × this. Default heartbeat / 5. */
  skewStepMs?: number;
  /**
   * OK wait of a failover round (leader timed out or resigned, v1 only): the candidate already sat
   * out its skew unanswered, so this only covers LAN round trip and event-loop jitter.
   * Default heartbeat / 20, at least 1 ms, at most okWaitMs. Cold start always waits okWaitMs.
   */
  failoverOkWaitMs?: number;
}

export interface ResolvedElectionOptions {
  readonly self: NodeIdentity;
  readonly heartbeatMs: number;
  readonly misses: number;
  readonly okWaitMs: number;
  /** Equal to okWaitMs in go mode (Go nodes need their full round). */
  readonly failoverOkWaitMs: number;
  readonly coordinatorWaitMs: number;
  readonly preempt: boolean;
  /** The priority this node starts with (setPriority changes it). */
  readonly priority: number;
  readonly preemptDelayMs: number;
  readonly mode: ElectionMode;
  /** Empty when none. */
  readonly metadata: Uint8Array;
  readonly random: () => number;
  readonly skewStepMs: number;
  /** Ranks beyond this share the last skew slot, so the worst skew is bounded. */
  readonly maxSkewRank: number;
  /** Minimum gap between two ELECTION sends (Go nodes restart a 2 s election on each one). */
  readonly minElectionGapMs: number;
  /** Quiet listening before the first ELECTION (go mode: do not make a sitting Go leader flap). */
  readonly startListenMs: number;
}

/** A Go node re-runs its 2 s election on every ELECTION from a lower node. */
export const GO_ELECTION_MS = 2000;
/** A Go follower gives up on a leader 500 ms after its last COORDINATOR. */
export const GO_FOLLOWER_TIMEOUT_MS = 500;
export const MAX_SKEW_RANK = 10;
/** The heartbeat period by mode: Go followers give up 500 ms after a COORDINATOR. */
export const DEFAULT_HEARTBEAT_MS: Readonly<Record<ElectionMode, number>> = Object.freeze({ v1: 100, go: 250 });
export const DEFAULT_MISSES = 3;
const MAX_HEARTBEAT_MS = 60_000;
const MAX_WAIT_MS = 600_000;

const KNOWN_SETTINGS = new Set([
  'heartbeatMs', 'misses', 'okWaitMs', 'coordinatorWaitMs', 'preempt', 'priority', 'preemptDelayMs', 'mode', 'metadata', 'random',
  'skewStepMs', 'failoverOkWaitMs',
]);
const KNOWN_OPTIONS = new Set([...KNOWN_SETTINGS, 'self']);

function checkMs(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be a number of milliseconds, got ${typeof value}`);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw rangeError('ERR_OUT_OF_RANGE', `${name} must be a finite number in ${min}..${max} ms, got ${value}`);
  }
  return value;
}

function checkIdentity(value: unknown): NodeIdentity {
  if (typeof value !== 'object' || value === null) throw typeError('ERR_INVALID_ARG_TYPE', 'self must be an object { id, address, nonce }');
  const { id, address, nonce } = value as Record<string, unknown>;
  toUint64(id, 'self.id', 'bigint');
  toUint64(nonce, 'self.nonce', 'bigint');
  if (typeof address !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `self.address must be a string, got ${typeof address}`);
  addressBytes(address); // throws a TypeError naming the bad address
  return { id: id as bigint, address, nonce: nonce as bigint };
}

/** A priority as an operator sets it: an integer MIN_PRIORITY..MAX_PRIORITY; go mode has only the default. */
export function checkPriority(priority: unknown, path: string, mode: ElectionMode = 'v1'): asserts priority is number {
  const problem = `${path} must be an integer in ${MIN_PRIORITY}..${MAX_PRIORITY}, got ${describeValue(priority)}`;
  if (typeof priority !== 'number' || !Number.isInteger(priority)) throw typeError('ERR_INVALID_ARG_TYPE', problem);
  if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) throw rangeError('ERR_OUT_OF_RANGE', problem);
  if (mode === 'go' && priority !== DEFAULT_PRIORITY) {
    throw rangeError('ERR_OUT_OF_RANGE', `${path} is not supported in go mode: the Go wire format carries none (order by id instead)`);
  }
}

/** What the leader's COORDINATOR carries, as the core keeps it: its own copy (callers may reuse their buffer). */
export function metadataCopy(metadata: unknown, mode: ElectionMode): Uint8Array {
  if (!(metadata instanceof Uint8Array)) throw typeError('ERR_INVALID_ARG_TYPE', 'metadata must be a Uint8Array');
  checkMetadataSize(metadata, 'metadata');
  if (mode === 'go' && metadata.length > 0) throw rangeError('ERR_OUT_OF_RANGE', 'metadata is not supported in go mode (the Go wire format has no room for it)');
  return Uint8Array.from(metadata);
}

/** How long resign() keeps a node from leading: a finite number of ms ≥ 0. */
export function checkHoldMs(holdMs: unknown): asserts holdMs is number {
  if (typeof holdMs !== 'number' || !Number.isFinite(holdMs) || holdMs < 0) {
    throw rangeError('ERR_OUT_OF_RANGE', `holdMs must be a finite number ≥ 0, got ${describeValue(holdMs)}`);
  }
}

/** 'v1' or 'go' (the Participant's `wire` option is this mode). */
export function checkElectionMode(mode: unknown, path: string): asserts mode is ElectionMode {
  if (mode !== 'v1' && mode !== 'go') throw typeError('ERR_INVALID_ARG_VALUE', `${path} must be 'v1' or 'go', got ${JSON.stringify(mode)}`);
}

/** Fills in defaults and validates; throws TypeError/RangeError with the offending option named, and a code. */
export function resolveElectionOptions(options: ElectionOptions): ResolvedElectionOptions {
  checkOptionsObject(options, { owner: 'election', known: KNOWN_OPTIONS });
  const self = checkIdentity(options.self);
  const settings = resolveSettings(options);
  return { self, ...settings, random: settings.random ?? seededRandom(self.nonce ^ self.id) };
}

/**
 * Checks every option but the identity, by the same rules: for a driver that validates its
 * configuration before it knows its own address.
 */
export function checkElectionSettings(settings: Omit<ElectionOptions, 'self'>): void {
  checkOptionsObject(settings, { owner: 'election', known: KNOWN_SETTINGS });
  resolveSettings(settings);
}

function resolveSettings(options: Omit<ElectionOptions, 'self'>): Omit<ResolvedElectionOptions, 'self' | 'random'> & { random: (() => number) | undefined } {
  const mode = options.mode ?? 'v1';
  checkElectionMode(mode, 'mode');
  const go = mode === 'go';

  const heartbeatMs = checkMs(options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS[mode], 'heartbeatMs', 1, MAX_HEARTBEAT_MS);
  const misses = options.misses ?? DEFAULT_MISSES;
  if (typeof misses !== 'number') throw typeError('ERR_INVALID_ARG_TYPE', `misses must be a number, got ${typeof misses}`);
  if (!Number.isInteger(misses) || misses < 1 || misses > 100) {
    throw rangeError('ERR_OUT_OF_RANGE', `misses must be an integer in 1..100, got ${misses}`);
  }
  const preempt = options.preempt ?? true;
  if (typeof preempt !== 'boolean') throw typeError('ERR_INVALID_ARG_TYPE', `preempt must be a boolean, got ${typeof preempt}`);
  if (go && options.priority !== undefined) {
    throw rangeError('ERR_OUT_OF_RANGE', 'priority is not supported in go mode: the Go wire format carries none (order by id instead)');
  }
  const priority = options.priority ?? DEFAULT_PRIORITY;
  checkPriority(priority, 'priority', mode);
  const preemptDelayMs = checkMs(options.preemptDelayMs ?? 0, 'preemptDelayMs', 0, MAX_WAIT_MS);

  // OK answers come back within a round trip plus the answer window (a quarter heartbeat), so one
  // heartbeat is ample on a LAN and also lets a joiner hear a sitting leader's regular heartbeat.
  const okWaitMs = checkMs(options.okWaitMs ?? (go ? 2 : 1) * heartbeatMs, 'okWaitMs', 1, MAX_WAIT_MS);
  if (!preempt && okWaitMs < heartbeatMs) {
    // Without preemption a joiner must hear a sitting leader before it may claim: one full period.
    throw rangeError('ERR_OUT_OF_RANGE', `okWaitMs (${okWaitMs}) must be at least heartbeatMs (${heartbeatMs}) when preempt is false`);
  }
  const coordinatorWaitMs = checkMs(
    options.coordinatorWaitMs ?? (go ? GO_ELECTION_MS + 2 * heartbeatMs : 5 * heartbeatMs),
    'coordinatorWaitMs', 1, MAX_WAIT_MS,
  );
  if (coordinatorWaitMs <= heartbeatMs) {
    throw rangeError('ERR_OUT_OF_RANGE', `coordinatorWaitMs (${coordinatorWaitMs}) must be longer than heartbeatMs (${heartbeatMs})`);
  }
  if (coordinatorWaitMs < okWaitMs) {
    throw rangeError('ERR_OUT_OF_RANGE', `coordinatorWaitMs (${coordinatorWaitMs}) must be at least okWaitMs (${okWaitMs}): a higher node needs its own okWait to win`);
  }
  // A failover candidate has sat out its skew: any live higher node that noticed the failure has
  // spoken already, so the OK wait need only cover a round trip plus event-loop jitter. A late OK
  // is safe (preemption and terms converge), it only costs a second leader change.
  if (go && options.failoverOkWaitMs !== undefined) {
    throw rangeError('ERR_OUT_OF_RANGE', 'failoverOkWaitMs is not supported in go mode: Go nodes need the full okWaitMs to answer');
  }
  const failoverOkWaitMs = go
    ? okWaitMs
    : checkMs(options.failoverOkWaitMs ?? Math.min(okWaitMs, Math.max(1, heartbeatMs / 20)), 'failoverOkWaitMs', 0, MAX_WAIT_MS);
  if (failoverOkWaitMs > okWaitMs) {
    throw rangeError('ERR_OUT_OF_RANGE', `failoverOkWaitMs (${failoverOkWaitMs}) must be at most okWaitMs (${okWaitMs})`);
  }
  const skewStepMs = checkMs(options.skewStepMs ?? heartbeatMs / 5, 'skewStepMs', 0, MAX_HEARTBEAT_MS);

  const metadata = options.metadata === undefined ? new Uint8Array(0) : metadataCopy(options.metadata, mode);
  const random = options.random;
  if (random !== undefined && typeof random !== 'function') {
    throw typeError('ERR_INVALID_ARG_TYPE', 'random must be a function returning numbers in [0, 1)');
  }

  if (go) {
    if (heartbeatMs > GO_FOLLOWER_TIMEOUT_MS / 2) {
      throw rangeError('ERR_OUT_OF_RANGE', `heartbeatMs (${heartbeatMs}) must be at most ${GO_FOLLOWER_TIMEOUT_MS / 2} in go mode: Go followers give up after ${GO_FOLLOWER_TIMEOUT_MS} ms`);
    }
    if (coordinatorWaitMs < GO_ELECTION_MS + heartbeatMs) {
      throw rangeError('ERR_OUT_OF_RANGE', `coordinatorWaitMs (${coordinatorWaitMs}) must be at least ${GO_ELECTION_MS} + heartbeatMs in go mode: a higher Go node takes ${GO_ELECTION_MS} ms to announce`);
    }
  }

  return {
    heartbeatMs, misses, okWaitMs, failoverOkWaitMs, coordinatorWaitMs, preempt, priority, preemptDelayMs, mode, metadata, random, skewStepMs,
    maxSkewRank: MAX_SKEW_RANK,
    minElectionGapMs: go ? GO_ELECTION_MS : 0,
    startListenMs: go ? 2 * heartbeatMs : 0,
  };
}
