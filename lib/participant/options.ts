// Validates every Participant option up front, before any socket is opened, so a bad
// configuration fails fast with one clear message instead of half-starting. Each rule is its
// owner's (the core's timers, the wire's keys and cluster, the socket's NIC, TTL and flags); this
// file only turns the user's convenient forms (a secret, metadata text) into theirs.
import { parseGroupAddress, parseLocalPort, type GroupAddress, type PeerAddress } from '../address';
import { checkElectionMode, checkElectionSettings, type ElectionMode, type ElectionOptions, type ResolvedElectionOptions } from '../core';
import { describeValue, rangeError, typeError } from '../errors';
import { checkInterfaceSpec } from '../socket/interfaces';
import { assertBoolean, assertTTL } from '../socket/validate';
import { checkOptionsObject, toUint64 } from '../validate';
import { checkKeys, checkSendKeyId, clusterNameBytes, WireSecret, type WireKey } from '../wire';
import type { HealthCheck, HealthCheckOptions } from '../health';
import { createChecks } from './health';
import { cryptoRandom } from './identity';
import { isLogger, silentLogger, type Logger } from './logger';
import { checkPeers } from './peers';

/**
 * Every optional option also accepts `undefined`, which means "not given" (so
 * `secret: process.env.MULTIBULLY_SECRET` type-checks under `exactOptionalPropertyTypes`).
 */
export interface ParticipantOptions {
  /**
   * Multicast group and port: "239.1.2.3:9999" or "[ff02::1234]:9999". With `peers`: only the
   * local port, "9999" (or "0.0.0.0:9999", "[::]:9999").
   */
  address: string;
  /**
   * Unicast peers instead of multicast (keepalived's unicast_peer): the other nodes' addresses,
   * "10.0.1.5", "10.0.1.5:9999", "fd00::5" or "[fd00::5]:9999" (default port: the local one).
   * Every message goes to every peer; a datagram from any other address is dropped ('not-peer').
   * This node's own address may be in the list (it is skipped). v1 only. See setPeers().
   */
  peers?: readonly string[] | undefined;
  /** The NIC to elect on: its name ("eth0"), index (2) or one of its local addresses. */
  interface: string | number;
  /** The node's id: unsigned 64-bit (numbers must be safe integers); among equal priorities the highest id wins. */
  id: number | bigint;
  /**
   * Priority apart from the id, 1..254 (v1 only), default 100: the election orders by (effective
   * priority, id, address). The effective priority is this plus the weights of the checks.
   */
  priority?: number | undefined;
  /** With preempt: how long a node that outranks the leader follows it before taking over. Default 0. */
  preemptDelayMs?: number | undefined;
  /** Health checks (keepalived's track_script): see HealthCheckOptions. */
  checks?: readonly HealthCheckOptions[] | undefined;
  /**
   * A file holding an integer added to the priority, re-read when it changes (keepalived's
   * track_file, v1 only); a missing or garbage file puts the node in fault with the reason.
   */
  priorityFile?: string | undefined;
  /** Elections with different cluster names can share one group:port (v1 only). Default "default". */
  cluster?: string | undefined;
  /** Shared secret (key id 0) for HMAC authentication (v1 only). */
  secret?: string | Uint8Array | undefined;
  /** Several keys for rotation (v1 only); mutually exclusive with `secret`. */
  keys?: readonly WireKey[] | undefined;
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
  /** Multicast TTL / hop limit. Default 1: elections stay on the local link. With peers: the unicast TTL, default the OS's. */
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
  wire?: ElectionMode | undefined;
  /** pino-compatible logger; silent by default. */
  logger?: Logger | undefined;
  /** Aborting stops the participant (like calling stop()). */
  signal?: AbortSignal | undefined;
}

/** Options after validation, in the types the rest of the Participant uses. */
export interface ResolvedOptions {
  /** The multicast group; undefined with peers. */
  readonly group: GroupAddress | undefined;
  /** The unicast peers (this node's own address included if the user listed it); undefined with a group. */
  readonly peers: readonly PeerAddress[] | undefined;
  /** The local port (the group's, or the one given with peers) and the election's family. */
  readonly port: number;
  readonly family: 4 | 6;
  /** The NIC as the user named it (name, index or local address); resolved to a bound NIC later. */
  readonly interfaceSpec: string | number;
  readonly id: bigint;
  readonly cluster: string;
  readonly keys: readonly WireKey[] | undefined;
  readonly sendKeyId: number | undefined;
  /** What the core gets, short of the identity (see createElection). */
  readonly election: Omit<ElectionOptions, 'self'>;
  /** Multicast TTL; with peers, the unicast TTL or undefined (the OS default). */
  readonly ttl: number | undefined;
  readonly loopback: boolean;
  readonly probeLeader: boolean;
  readonly metadata: Uint8Array | undefined;
  readonly checks: readonly HealthCheck[];
  readonly priorityFile: string | undefined;
  readonly wire: ElectionMode;
  readonly logger: Logger;
  readonly signal: AbortSignal | undefined;
}

const KNOWN_OPTIONS = new Set([
  'address', 'interface', 'id', 'cluster', 'secret', 'keys', 'sendKeyId', 'heartbeatMs', 'misses',
  'okWaitMs', 'failoverOkWaitMs', 'coordinatorWaitMs', 'preempt', 'ttl', 'loopback', 'probeLeader', 'metadata', 'wire', 'logger', 'signal',
  'priority', 'preemptDelayMs', 'checks', 'priorityFile', 'peers',
]);
const V1_ONLY_OPTIONS = ['cluster', 'secret', 'keys', 'sendKeyId', 'metadata', 'priority', 'priorityFile', 'peers'] as const;
/** The core's settings a Participant passes on as they are (the core owns their rules). */
const CORE_SETTINGS = ['heartbeatMs', 'misses', 'okWaitMs', 'failoverOkWaitMs', 'coordinatorWaitMs', 'priority', 'preemptDelayMs'] as const;

export function resolveParticipantOptions(options: ParticipantOptions): ResolvedOptions {
  checkOptionsObject(options, { known: KNOWN_OPTIONS });
  const wire = options.wire ?? 'v1';
  checkElectionMode(wire, 'wire');
  if (wire === 'go') {
    for (const key of V1_ONLY_OPTIONS) {
      if (options[key] !== undefined) throw goIncompatible(`option "${key}"`, key);
    }
  }
  if (options.secret !== undefined && options.keys !== undefined) {
    throw typeError('ERR_INVALID_ARG_VALUE', 'give either secret or keys, not both');
  }
  const { group, peers, port, family } = resolveTransport(options, wire);
  checkInterfaceSpec(options.interface);
  const id = toUint64(options.id, 'id', 'bigint-or-number');
  const cluster = checkCluster(options.cluster);
  const { keys, sendKeyId } = checkAuthentication(options);
  const metadata = metadataBytes(options.metadata);
  const election: Omit<ElectionOptions, 'self'> = {
    mode: wire,
    random: cryptoRandom,
    ...(options.preempt !== undefined && { preempt: options.preempt }),
    ...(metadata !== undefined && { metadata }),
  };
  for (const name of CORE_SETTINGS) if (options[name] !== undefined) election[name] = options[name];
  checkElectionSettings(election);
  const checks = checkChecks(options.checks, wire);
  const priorityFile = checkPriorityFile(options.priorityFile);
  const ttl = options.ttl ?? (peers ? undefined : 1);
  if (ttl !== undefined) assertTTL(ttl);
  if (peers && ttl === 0) throw rangeError('ERR_OUT_OF_RANGE', 'ttl must be 1..255 with peers (a unicast TTL of 0 sends nothing)');
  const loopback = options.loopback ?? true;
  assertBoolean(loopback, 'loopback');
  const probeLeader = options.probeLeader ?? true;
  assertBoolean(probeLeader, 'probeLeader');
  return {
    group, peers, port, family, interfaceSpec: options.interface, id, cluster, keys, sendKeyId, election, ttl, loopback, probeLeader, metadata, checks, priorityFile, wire,
    logger: checkLogger(options.logger),
    signal: checkSignal(options.signal),
  };
}

/** A multicast group, or (with peers) the local port and the peers. */
function resolveTransport(options: ParticipantOptions, wire: ElectionMode): Pick<ResolvedOptions, 'group' | 'peers' | 'port' | 'family'> {
  if (options.peers === undefined) {
    const group = parseGroupForWire(options.address, wire);
    return { group, peers: undefined, port: group.port, family: group.family };
  }
  const local = parseLocalPort(options.address);
  const peers = checkPeers(options.peers, local.port, local.family);
  return { group: undefined, peers, port: local.port, family: local.family ?? peers[0]!.family };
}

/** setPeers(): the option's rule at run time, for the election's port and family. */
export function runtimePeers(list: unknown, options: Pick<ResolvedOptions, 'peers' | 'port' | 'family'>): PeerAddress[] {
  if (options.peers === undefined) throw typeError('ERR_MULTIBULLY_UNSUPPORTED', 'setPeers() needs a participant started with peers (this one uses a multicast group)');
  return checkPeers(list, options.port, options.family);
}

/**
 * The Go library's own example uses the group 224.0.0.0:9999, the reserved base address of the
 * multicast range that v1 rejects: wire 'go' accepts it (the Participant warns about 224.0.0.0/24).
 */
function parseGroupForWire(text: unknown, wire: ElectionMode): GroupAddress {
  try {
    return parseGroupAddress(text);
  } catch (error) {
    const port = typeof text === 'string' ? /^224\.0\.0\.0:([0-9]+)$/.exec(text)?.[1] : undefined;
    if (wire !== 'go' || (error as { code?: unknown }).code !== 'ERR_MULTIBULLY_RESERVED_GROUP' || port === undefined) throw error;
    return { group: '224.0.0.0', port: Number(port), family: 4 };
  }
}

/** A Participant takes the cluster name as text only; its length and encoding are the wire's rule. */
function checkCluster(cluster: unknown): string {
  if (cluster === undefined) return 'default';
  if (typeof cluster !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `cluster must be a string, got ${describeValue(cluster)}`);
  clusterNameBytes(cluster);
  return cluster;
}

/** `secret` is key 0; the key, secret and send-key rules are the wire's, worded with our option names. */
function checkAuthentication({ secret, keys, sendKeyId }: ParticipantOptions): { keys: readonly WireKey[] | undefined; sendKeyId: number | undefined } {
  if (secret !== undefined) {
    const key = new Map([[0, new WireSecret(secret, 'secret')]]);
    checkSendKeyId(sendKeyId, key, 'sendKeyId', 'secret');
    return { keys: [{ id: 0, secret }], sendKeyId };
  }
  const checked = keys === undefined ? new Map<number, WireSecret>() : checkKeys(keys, 'keys', { nonEmpty: true });
  checkSendKeyId(sendKeyId, checked, 'sendKeyId', 'keys');
  return { keys, sendKeyId };
}

/** The checks, validated as `checks[i]`; in go mode only weight 0 (a fault, no priority). */
function checkChecks(checks: unknown, wire: ElectionMode): HealthCheck[] {
  if (checks === undefined) return [];
  if (!Array.isArray(checks)) throw typeError('ERR_INVALID_ARG_TYPE', `checks must be an array of { name, run, … }, got ${describeValue(checks)}`);
  const made = createChecks(checks as HealthCheckOptions[]);
  const weighted = made.findIndex((check) => check.weight !== 0);
  if (wire === 'go' && weighted >= 0) throw goIncompatible(`checks[${weighted}].weight`, 'priority');
  const names = new Set<string>();
  for (const check of made) {
    if (names.has(check.name)) throw typeError('ERR_INVALID_ARG_VALUE', `checks has the name ${JSON.stringify(check.name)} twice; check names must be unique`);
    names.add(check.name);
  }
  return made;
}

function checkPriorityFile(path: unknown): string | undefined {
  if (path === undefined) return undefined;
  if (typeof path !== 'string' || path === '') throw typeError('ERR_INVALID_ARG_TYPE', `priorityFile must be a non-empty path, got ${describeValue(path)}`);
  return path;
}

function goIncompatible(what: string, key: (typeof V1_ONLY_OPTIONS)[number]) {
  if (key === 'peers') return typeError('ERR_MULTIBULLY_GO_INCOMPATIBLE', `${what} is not available with wire 'go': the Go library elects over multicast only`);
  const missing = key === 'metadata' ? 'metadata' : key === 'cluster' ? 'cluster id' : key === 'priority' || key === 'priorityFile' ? 'priority' : 'authentication';
  return typeError('ERR_MULTIBULLY_GO_INCOMPATIBLE', `${what} is not available with wire 'go': the Go format has no ${missing}`);
}

/** setMetadata(): the option's rule at run time (undefined: none). */
export function runtimeMetadata(metadata: unknown, wire: ElectionMode): Uint8Array | undefined {
  if (wire === 'go') throw goIncompatible('setMetadata()', 'metadata');
  return metadataBytes(metadata);
}

/** Metadata text is sent as UTF-8; its size is the core's rule. */
function metadataBytes(metadata: unknown): Uint8Array | undefined {
  if (metadata === undefined) return undefined;
  if (typeof metadata === 'string') return Buffer.from(metadata, 'utf8');
  if (metadata instanceof Uint8Array) return Uint8Array.from(metadata);
  throw typeError('ERR_INVALID_ARG_TYPE', `metadata must be a string or a Uint8Array, got ${describeValue(metadata)}`);
}

function checkLogger(logger: unknown): Logger {
  if (logger === undefined) return silentLogger;
  if (!isLogger(logger)) throw typeError('ERR_INVALID_ARG_TYPE', 'logger must have debug, info, warn and error methods (pino-compatible)');
  return logger;
}

export function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw typeError('ERR_INVALID_ARG_TYPE', 'signal must be an AbortSignal');
  return signal;
}

/** The election timers a participant runs with, defaults filled in (the core's resolved values). */
export type ParticipantTimers = Pick<
  ResolvedElectionOptions,
  'heartbeatMs' | 'misses' | 'okWaitMs' | 'failoverOkWaitMs' | 'coordinatorWaitMs' | 'skewStepMs' | 'maxSkewRank'
>;

export function participantTimers(core: ResolvedElectionOptions): ParticipantTimers {
  const { heartbeatMs, misses, okWaitMs, failoverOkWaitMs, coordinatorWaitMs, skewStepMs, maxSkewRank } = core;
  return { heartbeatMs, misses, okWaitMs, failoverOkWaitMs, coordinatorWaitMs, skewStepMs, maxSkewRank };
}
