// Validates every Participant option up front, before any socket is opened, so a bad
// configuration fails fast with one clear message instead of half-starting.
import { Election, type ElectionOptions, type ResolvedElectionOptions } from '../core';
import { checkMetadataSize } from '../core/message';
import { UINT64_MAX, type NodeIdentity } from '../core/types';
import { checkKeyId, clusterNameBytes, MAX_KEY_ID, MIN_SECRET_BYTES, secretBytes } from '../wire';
import { parseGroupAddress, type GroupAddress } from '../address';
import { describeValue, rangeError, typeError, withCode } from '../errors';
import { cryptoRandom } from './identity';
import { isLogger, silentLogger, type Logger } from './logger';

export type WireMode = 'v1' | 'go';

export interface ParticipantKey {
  readonly id: number;
  readonly secret: string | Uint8Array;
}

/**
 * Every optional option also accepts `undefined`, which means "not given" (so
 * `secret: process.env.MULTIBULLY_SECRET` type-checks under `exactOptionalPropertyTypes`).
 */
export interface ParticipantOptions {
  /** Multicast group and port: "239.1.2.3:9999" or "[ff02::1234]:9999". */
  address: string;
  /** The NIC to elect on: its name ("eth0"), index (2) or one of its local addresses. */
  interface: string | number;
  /** Priority: the highest id wins. Unsigned 64-bit; numbers must be safe integers. */
  id: number | bigint;
  /** Elections with different cluster names can share one group:port (v1 only). Default "default". */
  cluster?: string | undefined;
  /** Shared secret (key id 0) for HMAC authentication (v1 only). */
  secret?: string | Uint8Array | undefined;
  /** Several keys for rotation (v1 only); mutually exclusive with `secret`. */
  keys?: readonly ParticipantKey[] | undefined;
  /** Key id used to sign outgoing packets; default the first key. */
  sendKeyId?: number | undefined;
  heartbeatMs?: number | undefined;
  misses?: number | undefined;
  okWaitMs?: number | undefined;
  /** After a leader is lost (timeout or RESIGN), how long a candidate that sat out its skew waits for an OK. */
  failoverOkWaitMs?: number | undefined;
  coordinatorWaitMs?: number | undefined;
  /** A higher node that joins takes over a healthy leader (Bully semantics). Default true. */
  preempt?: boolean | undefined;
  /** Multicast TTL / hop limit. Default 1: elections stay on the local link. */
  ttl?: number | undefined;
  /** Hear packets from other participants on this host. Default true. */
  loopback?: boolean | undefined;
  /**
   * The follower next in line sends the leader an empty unicast datagram every half heartbeat;
   * an ICMP port unreachable (its process died, its host is up) cuts the leader timeout to 1.5
   * heartbeats. Default true (v1 only). See docs/PROTOCOL.md, "Leader probe".
   */
  probeLeader?: boolean | undefined;
  /** Sent with the leader's heartbeats (v1 only), at most 512 bytes. */
  metadata?: string | Uint8Array | undefined;
  /** 'v1' (default) or 'go' to interoperate with the Go MultiBully library. */
  wire?: WireMode | undefined;
  /** pino-compatible logger; silent by default. */
  logger?: Logger | undefined;
  /** Aborting stops the participant (like calling stop()). */
  signal?: AbortSignal | undefined;
}

/** Options after validation, in the types the rest of the Participant uses. */
export interface ResolvedOptions {
  readonly group: GroupAddress;
  /** The NIC as the user named it (name, index or local address); resolved to a bound NIC later. */
  readonly nicSpec: string | number;
  readonly id: bigint;
  readonly cluster: string;
  readonly keys: readonly ParticipantKey[] | undefined;
  readonly sendKeyId: number | undefined;
  /** What the core gets, short of the identity (see createElection). */
  readonly election: Omit<ElectionOptions, 'self'>;
  readonly ttl: number;
  readonly loopback: boolean;
  readonly probeLeader: boolean;
  readonly metadata: Uint8Array | undefined;
  readonly wire: WireMode;
  readonly logger: Logger;
  readonly signal: AbortSignal | undefined;
}

const KNOWN_OPTIONS = new Set([
  'address', 'interface', 'id', 'cluster', 'secret', 'keys', 'sendKeyId', 'heartbeatMs', 'misses',
  'okWaitMs', 'failoverOkWaitMs', 'coordinatorWaitMs', 'preempt', 'ttl', 'loopback', 'probeLeader', 'metadata', 'wire', 'logger', 'signal',
]);
const V1_ONLY_OPTIONS = ['cluster', 'secret', 'keys', 'sendKeyId', 'metadata'] as const;

export function resolveParticipantOptions(options: ParticipantOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw typeError('ERR_INVALID_ARG_TYPE', 'options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw typeError('ERR_INVALID_ARG_VALUE', `unknown option "${key}"`);
  }
  const wire = options.wire ?? 'v1';
  if (wire !== 'v1' && wire !== 'go') throw rangeError('ERR_INVALID_ARG_VALUE', `wire must be 'v1' or 'go', got ${String(wire)}`);
  if (wire === 'go') {
    for (const key of V1_ONLY_OPTIONS) {
      if (options[key] !== undefined) {
        throw typeError('ERR_MULTIBULLY_GO_INCOMPATIBLE', `option "${key}" is not available with wire 'go': the Go format has no ${key === 'metadata' ? 'metadata' : key === 'cluster' ? 'cluster id' : 'authentication'}`);
      }
    }
  }
  if (options.secret !== undefined && options.keys !== undefined) {
    throw typeError('ERR_INVALID_ARG_VALUE', 'give either secret or keys, not both');
  }
  const group = parseGroupForWire(options.address, wire);
  const nicSpec = checkNicSpec(options.interface);
  const id = checkId(options.id);
  const cluster = checkCluster(options.cluster);
  const keys = checkKeys(options.secret, options.keys);
  const sendKeyId = options.sendKeyId;
  if (sendKeyId !== undefined) checkKeyId(sendKeyId, 'sendKeyId'); // whether it names a key: the codec's check
  // Each timer's type and sign here; how they relate is the core's rule, checked by createElection.
  const election: Omit<ElectionOptions, 'self'> = { mode: wire, random: cryptoRandom };
  for (const name of ['heartbeatMs', 'misses', 'okWaitMs', 'failoverOkWaitMs', 'coordinatorWaitMs'] as const) {
    const value = optionalNumber(name, options[name], name === 'failoverOkWaitMs' ? 0 : undefined); // 0: the core's lower bound
    if (value !== undefined) election[name] = value;
  }
  const preempt = optionalBoolean('preempt', options.preempt);
  if (preempt !== undefined) election.preempt = preempt;
  const ttl = optionalInteger('ttl', options.ttl, 0, 255) ?? 1;
  const loopback = optionalBoolean('loopback', options.loopback) ?? true;
  const probeLeader = optionalBoolean('probeLeader', options.probeLeader) ?? true;
  const metadata = checkMetadata(options.metadata);
  if (metadata !== undefined) election.metadata = metadata;
  return {
    group, nicSpec, id, cluster, keys, sendKeyId, election, ttl, loopback, probeLeader, metadata, wire,
    logger: checkLogger(options.logger),
    signal: checkSignal(options.signal),
  };
}

/**
 * The one place the election options are resolved (by the core, which owns the timer rules);
 * its errors get a `code` here so every option error can be told apart without parsing messages.
 */
export function createElection(options: ResolvedOptions, self: NodeIdentity): Election {
  try {
    return new Election({ ...options.election, self });
  } catch (error) {
    throw withCode(error, error instanceof TypeError ? 'ERR_INVALID_ARG_TYPE' : error instanceof RangeError ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_VALUE');
  }
}

/**
 * The Go library's own example uses the group 224.0.0.0:9999, the reserved base address of the
 * multicast range that v1 rejects: wire 'go' accepts it (the Participant warns about 224.0.0.0/24).
 */
function parseGroupForWire(text: unknown, wire: WireMode): GroupAddress {
  try {
    return parseGroupAddress(text);
  } catch (error) {
    const port = typeof text === 'string' ? /^224\.0\.0\.0:([0-9]+)$/.exec(text)?.[1] : undefined;
    if (wire !== 'go' || (error as { code?: unknown }).code !== 'ERR_MULTIBULLY_RESERVED_GROUP' || port === undefined) throw error;
    return { group: '224.0.0.0', port: Number(port), family: 4 };
  }
}

function checkNicSpec(spec: unknown): string | number {
  if (typeof spec === 'string' && spec.length > 0) return spec;
  if (typeof spec === 'number' && Number.isInteger(spec) && spec > 0) return spec;
  throw typeError('ERR_INVALID_ARG_TYPE', `interface must be a NIC name, a positive index or a local address, got ${describeValue(spec)}`);
}

function checkId(id: unknown): bigint {
  if (typeof id === 'number') {
    if (!Number.isSafeInteger(id)) {
      throw rangeError('ERR_OUT_OF_RANGE', `id must be an integer (a safe integer for numbers; use a bigint above 2^53), got ${id}`);
    }
    if (id < 0) throw rangeError('ERR_OUT_OF_RANGE', `id must be ≥ 0, got ${id}`);
    return BigInt(id);
  }
  if (typeof id === 'bigint') {
    if (id < 0n || id > UINT64_MAX) throw rangeError('ERR_OUT_OF_RANGE', `id must be in 0..2^64-1, got ${id}`);
    return id;
  }
  throw typeError('ERR_INVALID_ARG_TYPE', `id must be a number or a bigint, got ${describeValue(id)}`);
}

/** A Participant takes the cluster name as text only; its length and encoding are the wire's rule. */
function checkCluster(cluster: unknown): string {
  if (cluster === undefined) return 'default';
  if (typeof cluster !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `cluster must be a string, got ${describeValue(cluster)}`);
  clusterNameBytes(cluster);
  return cluster;
}

function checkSecret(what: string, secret: unknown): void {
  const { length } = secretBytes(secret, what);
  // WireSecret's minimum, checked here to fail before the codec exists; worded ", got N" like every other option error.
  if (length < MIN_SECRET_BYTES) throw rangeError('ERR_INVALID_ARG_VALUE', `${what} must be at least ${MIN_SECRET_BYTES} bytes, got ${length}`);
}

function checkKeys(secret: unknown, keys: unknown): readonly ParticipantKey[] | undefined {
  if (secret !== undefined) {
    checkSecret('secret', secret);
    return [{ id: 0, secret: secret as string | Uint8Array }];
  }
  if (keys === undefined) return undefined;
  if (!Array.isArray(keys) || keys.length === 0) throw typeError('ERR_INVALID_ARG_TYPE', 'keys must be a non-empty array of { id, secret }');
  return keys.map((key: unknown, i) => {
    if (typeof key !== 'object' || key === null) throw typeError('ERR_INVALID_ARG_TYPE', `keys[${i}] must be an object { id, secret }`);
    const { id, secret: keySecret } = key as { id?: unknown; secret?: unknown };
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_KEY_ID) {
      throw rangeError('ERR_OUT_OF_RANGE', `keys[${i}].id must be an integer in 0..${MAX_KEY_ID}`);
    }
    checkSecret(`keys[${i}].secret`, keySecret);
    return { id, secret: keySecret as string | Uint8Array };
  });
}

function checkMetadata(metadata: unknown): Uint8Array | undefined {
  if (metadata === undefined) return undefined;
  let bytes: Uint8Array;
  if (typeof metadata === 'string') bytes = Buffer.from(metadata, 'utf8');
  else if (metadata instanceof Uint8Array) bytes = Uint8Array.from(metadata);
  else throw typeError('ERR_INVALID_ARG_TYPE', `metadata must be a string or a Uint8Array, got ${describeValue(metadata)}`);
  checkMetadataSize(bytes, 'metadata');
  return bytes;
}

function checkLogger(logger: unknown): Logger {
  if (logger === undefined) return silentLogger;
  if (!isLogger(logger)) throw typeError('ERR_INVALID_ARG_TYPE', 'logger must have debug, info, warn and error methods (pino-compatible)');
  return logger;
}

function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw typeError('ERR_INVALID_ARG_TYPE', 'signal must be an AbortSignal');
  return signal;
}

/** A finite number > 0, or ≥ 0 when `inclusiveMin` is 0. */
function optionalNumber(name: string, value: unknown, inclusiveMin?: 0): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be a finite number, got ${describeValue(value)}`);
  if (inclusiveMin === 0 ? value < 0 : value <= 0) {
    throw rangeError('ERR_OUT_OF_RANGE', `${name} must be ${inclusiveMin === 0 ? '≥ 0' : '> 0'}, got ${value}`);
  }
  return value;
}

function optionalInteger(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be an integer, got ${describeValue(value)}`);
  if (value < min || value > max) throw rangeError('ERR_OUT_OF_RANGE', `${name} must be in ${min}..${max}, got ${value}`);
  return value;
}

function optionalBoolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw typeError('ERR_INVALID_ARG_TYPE', `${name} must be a boolean, got ${describeValue(value)}`);
  return value;
}

/** The election timers a participant runs with, defaults filled in (the core's resolved values). */
export type ParticipantTimers = Pick<
  ResolvedElectionOptions,
  'heartbeatMs' | 'misses' | 'okWaitMs' | 'failoverOkWaitMs' | 'coordinatorWaitMs' | 'skewStepMs' | 'maxSkewRank'
>;
