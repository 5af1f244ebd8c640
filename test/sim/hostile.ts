// A hostile sender on the simulated LAN (issue 7: "no single packet, forged or corrupt, may have a
// lasting effect"). Real traffic passes through the real v1 codec (the simulator's wire mode: one
// codec, so one replay table, per node instance), and an attacker that hears everything injects:
// - forged packets from fake identities (lower and higher than every real node) with any term up
//   to 2^64 − 1, of all four types;
// - copies of a real node's latest packet with a forged sequence number (2^64 − 16 by default);
// - real packets with flipped bits, truncated, or with bytes appended;
// - verbatim replays of recorded traffic: random packets, and whole recorded streams of one instance
//   in order (a dead leader's heartbeats, a node's own previous instance), aimed at nodes that just
//   restarted (a fresh replay table);
// - with a secret, the forgeries carry no tag, a tag under a wrong secret, or an unknown key id.
// Each run* function below checks one invariant (H1 … H6) for one seed and returns the problems.
import { MAX_SKEW_RANK, comparePriority, sameInstance, seededRandom } from '../../lib/core';
import { UINT64_MAX, type CoreEvent, type MessageType, type NodeIdentity } from '../../lib/core/types';
import { createV1Codec, type V1Codec, type WireKey } from '../../lib/wire';
import { OFFSET } from '../../lib/wire/v1-layout';
import { Simulator, describe as describeNode, type SimNodeSpec } from './simulator';

export type Mode = 'open' | 'secret';
export type AttackKind = 'forged-terms' | 'forged-seq' | 'corrupt' | 'replay' | 'mixed';
export const ATTACK_KINDS: readonly AttackKind[] = ['forged-terms', 'forged-seq', 'corrupt', 'replay', 'mixed'];

export const CLUSTER = 'hostile-sim';
/** The cluster's shared secret (secret mode); the attacker never has it. */
const CLUSTER_KEYS: readonly WireKey[] = [{ id: 1, secret: 'multibully hostile-sim cluster secret' }];
const WRONG_SECRET: readonly WireKey[] = [{ id: 1, secret: 'an outsider guessing the secret!!' }];
const UNKNOWN_KEY_ID: readonly WireKey[] = [{ id: 9, secret: 'an outsider with its own key id!!' }];
const TYPES: readonly MessageType[] = ['election', 'ok', 'coordinator', 'resign'];
export const FORGED_SEQ = UINT64_MAX - 15n; // 2^64 − 16

export interface HostileConfig {
  readonly heartbeatMs: number;
  readonly misses: number;
  readonly okWaitMs: number;
  readonly coordinatorWaitMs: number;
}

export interface HostileResult {
  readonly seed: number;
  readonly label: string;
  readonly problems: string[];
  /** Hostile packets injected (per target). */
  readonly injected: number;
  readonly drops: Record<string, number>;
  /** The simulator's trace, when asked for (replay mode). */
  readonly trace?: string[];
}

export interface Bounds {
  /** (misses + 0.5) × heartbeat + worst skew + max delay: how long a dead leader can be followed. */
  readonly detectionMs: number;
  /** One election round at worst: OK wait, then a COORDINATOR wait. */
  readonly roundMs: number;
  /** Generous: 3 × detection + 2 rounds. */
  readonly settleMs: number;
}

export function bounds(config: HostileConfig, maxDelayMs: number): Bounds {
  const skewStep = config.heartbeatMs / 5;
  const worstSkew = MAX_SKEW_RANK * skewStep + skewStep / 2;
  const detectionMs = (config.misses + 0.5) * config.heartbeatMs + worstSkew + maxDelayMs;
  const roundMs = config.okWaitMs + config.coordinatorWaitMs + 2 * maxDelayMs;
  return { detectionMs, roundMs, settleMs: 3 * detectionMs + 2 * roundMs };
}

interface Recorded {
  readonly node: number;
  readonly from: NodeIdentity;
  readonly type: MessageType;
  readonly seq: bigint;
  readonly packet: Buffer;
  readonly at: number;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function randomUint64(random: () => number): bigint {
  const word = () => BigInt(Math.floor(random() * 2 ** 32));
  return (word() << 32n) | word();
}

/** A random bigint in [low, high] (both ≤ 2^64 − 1). */
function between(random: () => number, low: bigint, high: bigint): bigint {
  if (high <= low) return low;
  return low + (randomUint64(random) % (high - low + 1n));
}

/** A cluster of 3..7 real nodes with distinct ids in 1000..1,000,000, started within 2 heartbeats. */
export class Cluster {
  readonly random: () => number;
  readonly sim: Simulator;
  readonly nodes: SimNodeSpec[];
  readonly config: HostileConfig;
  readonly maxDelayMs: number;
  readonly bounds: Bounds;
  readonly recorded: Recorded[] = [];
  /** Every core event with its node and time. */
  readonly events: { index: number; event: CoreEvent; at: number }[] = [];
  readonly problems: string[] = [];
  readonly mode: Mode;
  readonly lines: string[] | undefined;
  #threw = false;

  constructor(seed: number, mode: Mode, options: { nodes?: SimNodeSpec[]; trace?: boolean } = {}) {
    this.random = seededRandom(seed ^ 0x5eed_4b1d);
    this.mode = mode;
    const random = this.random;
    const heartbeatMs = pick(random, [50, 100]);
    const misses = pick(random, [2, 3, 3, 4]);
    this.config = { heartbeatMs, misses, okWaitMs: heartbeatMs, coordinatorWaitMs: 5 * heartbeatMs };
    this.maxDelayMs = heartbeatMs * (0.005 + random() * 0.05);
    this.bounds = bounds(this.config, this.maxDelayMs);
    if (options.nodes) {
      this.nodes = options.nodes;
    } else {
      const n = 3 + Math.floor(random() * 5);
      const ids = new Set<bigint>();
      while (ids.size < n) ids.add(BigInt(1000 + Math.floor(random() * 999_000)));
      this.nodes = [...ids].map((id, i) => ({ id, address: `10.77.1.${i + 1}` }));
    }
    this.lines = options.trace ? [] : undefined;
    this.sim = new Simulator({
      seed,
      nodes: this.nodes,
      config: this.config,
      faults: { lossRate: 0, duplicateRate: 0.02, minDelayMs: 0.01, maxDelayMs: this.maxDelayMs },
      wire: { cluster: CLUSTER, ...(mode === 'secret' && { keys: CLUSTER_KEYS }) },
      randomNonces: true,
      onEvent: (index, event, at) => this.events.push({ index, event, at }),
      onPacket: (node, packet, message, at) =>
        this.recorded.push({ node, from: message.from, type: message.type, seq: message.seq, packet, at }),
      ...(this.lines && { trace: (line: string) => this.lines!.push(line) }),
    });
  }

  get hb(): number {
    return this.config.heartbeatMs;
  }

  startAll(except: readonly number[] = []): void {
    this.nodes.forEach((_, i) => {
      if (!except.includes(i)) this.sim.at(this.random() * 2 * this.hb, () => this.sim.start(i));
    });
  }

  /** Runs to `until`; an exception out of the core or the codec is a problem (H1), not a crash of the test. */
  run(until: number): boolean {
    if (this.#threw) return false;
    try {
      this.sim.runUntil(until);
      return true;
    } catch (error) {
      this.#threw = true;
      const e = error as Error & { code?: string };
      this.problems.push(`(H1) threw at t=${this.sim.now.toFixed(1)}: ${e.code ?? e.name} ${e.message}`);
      return false;
    }
  }

  get threw(): boolean {
    return this.#threw;
  }

  live(): number[] {
    return this.sim.views().filter((v) => v.alive).map((v) => v.index);
  }

  /** The highest live real node (priority, then nonce for duplicate identities). */
  highestLive(): number | undefined {
    let best: number | undefined;
    for (const i of this.live()) {
      if (best === undefined || comparePriority(this.sim.view(i).identity!, this.sim.view(best).identity!) > 0) best = i;
    }
    return best;
  }

  leaders(): number[] {
    return this.sim.views().filter((v) => v.role === 'leader').map((v) => v.index);
  }

  /** Invariant: one leader, the highest live node, followed by every live node. */
  agreement(label: string): string[] {
    return this.sim.agreement(true).map((p) => `${label} t=${this.sim.now.toFixed(1)}: ${p}`);
  }

  /** Every live node has a timer armed. */
  timersArmed(label: string): string[] {
    return this.live()
      .filter((i) => this.sim.nextDeadline(i) === undefined)
      .map((i) => `${label} t=${this.sim.now.toFixed(1)}: n${i} (${this.sim.view(i).role}) has no timer armed (wedged)`);
  }

  wireErrors(): string[] {
    return this.sim.wireErrors.slice(0, 3).map((e) => `(H1) encoder threw: ${e}`)
      .concat(this.sim.wireErrors.length > 3 ? [`(H1) … ${this.sim.wireErrors.length} encode failures in all`] : []);
  }

  stateEventsBetween(from: number, to: number, nodes?: readonly number[]): { index: number; event: CoreEvent; at: number }[] {
    return this.events.filter((e) => e.event.type === 'state' && e.at >= from && e.at <= to && (!nodes || nodes.includes(e.index)));
  }

  /** Forms the cluster, then (seeded) a history: the top node crashes for good, another restarts. */
  formWithHistory(crashTopRate = 0.5): number {
    this.startAll();
    this.run(30 * this.hb);
    this.problems.push(...this.agreement('cluster did not form before the attack'));
    if (this.random() < crashTopRate && this.live().length > 2) {
      const top = this.highestLive()!;
      this.sim.crash(top); // its recorded heartbeats are now a dead leader's: a ghost to replay
    }
    if (this.random() < 0.5) {
      const others = this.live().filter((i) => i !== this.highestLive());
      const node = pick(this.random, others);
      this.sim.crash(node);
      this.sim.at(this.sim.now + this.hb, () => this.sim.start(node)); // its old instance's traffic stays recorded
    }
    const ready = 30 * this.hb + this.bounds.settleMs;
    this.run(ready);
    this.problems.push(...this.agreement('cluster did not settle before the attack'));
    return ready;
  }

  report(label: string, attacker: Attacker | undefined, seed: number): HostileResult {
    return {
      seed, label, problems: this.problems, injected: attacker?.injected ?? 0, drops: { ...this.sim.drops },
      ...(this.lines && { trace: this.lines }),
    };
  }
}

/** The outsider: hears every packet, knows the cluster name, never the secret. */
export class Attacker {
  readonly #cluster: Cluster;
  readonly #random: () => number;
  readonly #codecs: V1Codec[];
  readonly #fakes: NodeIdentity[] = [];
  readonly #seqs = new Map<string, bigint>();
  /**
   * Instances whose recorded stream is being replayed in order at a fresh node: random replays
   * leave them alone, since one later packet replayed first would make the rest of the stream stale.
   */
  readonly #reserved = new Set<string>();
  injected = 0;
  /** Time of the last injection planned so far. */
  lastAt = -Infinity;

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
    this.#random = seededRandom(Math.floor(cluster.random() * 2 ** 32));
    this.#codecs = cluster.mode === 'open'
      ? [createV1Codec({ cluster: CLUSTER })]
      : [createV1Codec({ cluster: CLUSTER }), createV1Codec({ cluster: CLUSTER, keys: WRONG_SECRET }), createV1Codec({ cluster: CLUSTER, keys: UNKNOWN_KEY_ID })];
    // Fake identities: below every real id, above every real id (up to 2^64 − 1), and a fake
    // address under a real id (same id, other address: a different node in priority terms).
    const ids = cluster.nodes.map((n) => n.id);
    const low = ids.reduce((a, b) => (a < b ? a : b));
    const high = ids.reduce((a, b) => (a > b ? a : b));
    const random = this.#random;
    const address = () => `10.66.${1 + Math.floor(random() * 250)}.${1 + Math.floor(random() * 250)}`;
    for (let k = 0; k < 4; k++) this.#fakes.push({ id: between(random, 1n, low - 1n), address: address(), nonce: randomUint64(random) });
    for (let k = 0; k < 3; k++) this.#fakes.push({ id: between(random, high + 1n, high + 1000n), address: address(), nonce: randomUint64(random) });
    this.#fakes.push({ id: UINT64_MAX, address: address(), nonce: randomUint64(random) });
    this.#fakes.push({ id: pick(random, ids), address: address(), nonce: randomUint64(random) });
  }

  get random(): () => number {
    return this.#random;
  }

  fake(which: 'low' | 'high' | 'any' = 'any'): NodeIdentity {
    const pool = which === 'low' ? this.#fakes.slice(0, 4) : which === 'high' ? this.#fakes.slice(4, 8) : this.#fakes;
    return pick(this.#random, pool);
  }

  /** Terms worth forging: around the cluster's, and at the top of the uint64 range. */
  term(): bigint {
    const random = this.#random;
    const current = this.#cluster.sim.views().reduce((a, v) => (v.term > a ? v.term : a), 0n);
    const clamp = (t: bigint) => (t < 0n ? 0n : t > UINT64_MAX ? UINT64_MAX : t);
    return clamp(pick(random, [
      0n, 1n, current - 1n, current, current + 1n, current + 2n, current + 1000n,
      1n << 63n, (1n << 63n) + current, UINT64_MAX - 1n, UINT64_MAX, UINT64_MAX, randomUint64(random),
    ]));
  }

  /**
   * A forged packet. The sequence number rises per fake identity (so the receivers' replay filters
   * pass every one), or now and then is random.
   */
  forge(type: MessageType, from: NodeIdentity, term: bigint, seq?: bigint): Buffer {
    if (seq === undefined) {
      const key = describeNode(from);
      const next = (this.#seqs.get(key) ?? 0n) + 1n;
      this.#seqs.set(key, next);
      seq = this.#random() < 0.9 ? next : randomUint64(this.#random);
    }
    const codec = pick(this.#random, this.#codecs);
    return codec.encode({ type, term, from, seq, flags: 0 });
  }

  /** A copy of a packet with another sequence number (the codec's offsets, docs/PROTOCOL.md). */
  static withSeq(packet: Buffer, seq: bigint): Buffer {
    const copy = Buffer.from(packet);
    copy.writeBigUInt64BE(seq, OFFSET.seq);
    return copy;
  }

  corrupt(packet: Buffer): Buffer {
    const random = this.#random;
    const copy = Buffer.from(packet);
    const roll = random();
    if (roll < 0.6) {
      const flips = 1 + Math.floor(random() * 4);
      for (let k = 0; k < flips; k++) {
        const bit = Math.floor(random() * copy.length * 8);
        copy[bit >> 3] ^= 1 << (bit & 7);
      }
      return copy;
    }
    if (roll < 0.85) return copy.subarray(0, Math.floor(random() * copy.length));
    return Buffer.concat([copy, Buffer.from([Math.floor(random() * 256)])]);
  }

  /** A recorded real packet: any, or the latest of one live instance. */
  recorded(which: 'any' | 'latest-live' = 'any'): Recorded | undefined {
    const all = this.#cluster.recorded;
    if (all.length === 0) return undefined;
    if (which === 'any') {
      const packet = pick(this.#random, all);
      return this.#reserved.has(describeNode(packet.from)) ? undefined : packet;
    }
    const live = this.#cluster.sim.views().filter((v) => v.alive).map((v) => v.identity!);
    const instance = pick(this.#random, live);
    for (let k = all.length - 1; k >= 0; k--) if (sameInstance(all[k]!.from, instance)) return all[k];
    return undefined;
  }

  /** Everything one instance sent, in order (a stream to replay). */
  streamOf(instance: NodeIdentity): Recorded[] {
    return this.#cluster.recorded.filter((r) => sameInstance(r.from, instance));
  }

  /** Recorded instances that are dead now (crashed or restarted since). */
  deadInstances(): NodeIdentity[] {
    const live = this.#cluster.sim.views().filter((v) => v.alive).map((v) => v.identity!);
    const seen = new Map<string, NodeIdentity>();
    for (const r of this.#cluster.recorded) {
      if (!live.some((l) => sameInstance(l, r.from))) seen.set(describeNode(r.from), r.from);
    }
    return [...seen.values()];
  }

  /** Sends bytes to the targets now (the attacker is on the LAN; partitions do not stop it). */
  send(packet: Uint8Array, targets: readonly number[]): void {
    this.#cluster.lines?.push(`${this.#cluster.sim.now.toFixed(2).padStart(9)} attacker -> ${targets.length === this.#cluster.nodes.length ? 'all' : targets.map((t) => `n${t}`).join(',')}: ${Buffer.from(packet).toString('hex')}`);
    for (const to of targets) {
      this.#cluster.sim.inject(to, packet);
      this.injected++;
    }
  }

  /** One multicast (every node) or one node, at random. */
  targets(): number[] {
    const n = this.#cluster.nodes.length;
    return this.#random() < 0.5 ? [...Array(n).keys()] : [Math.floor(this.#random() * n)];
  }

  /** Plans an action of the attacker at `at`. */
  at(at: number, run: () => void): void {
    this.lastAt = Math.max(this.lastAt, at);
    this.#cluster.sim.at(at, run);
  }

  /** One hostile packet of the given kind, now. */
  step(kind: AttackKind): void {
    const random = this.#random;
    const actual = kind === 'mixed' ? pick(random, ['forged-terms', 'forged-seq', 'corrupt', 'replay'] as const) : kind;
    switch (actual) {
      case 'forged-terms':
        return this.send(this.forge(pick(random, TYPES), this.fake(), this.term()), this.targets());
      case 'forged-seq': {
        const real = this.recorded(random() < 0.8 ? 'latest-live' : 'any');
        if (!real) return;
        const seq = random() < 0.7 ? FORGED_SEQ : between(random, real.seq + 2n ** 20n, UINT64_MAX);
        return this.send(Attacker.withSeq(real.packet, seq), this.targets());
      }
      case 'corrupt': {
        const real = this.recorded(random() < 0.5 ? 'latest-live' : 'any');
        if (real) this.send(this.corrupt(real.packet), this.targets());
        return;
      }
      case 'replay': {
        const real = this.recorded(random() < 0.3 ? 'latest-live' : 'any');
        if (real) this.send(real.packet, this.targets());
        return;
      }
    }
  }

  /**
   * Replays a recorded stream at `targets`, in order, one packet per `gapMs` from `at` on. The
   * stream is chosen when it starts: a dead instance (a higher one preferred: a ghost leader) or
   * the target's own previous instance.
   */
  planStream(at: number, targets: readonly number[], length: number, gapMs: number, choose: () => NodeIdentity | undefined, only?: MessageType, reserve = false): void {
    let stream: Recorded[] | undefined;
    for (let k = 0; k < length; k++) {
      this.at(at + k * gapMs, () => {
        stream ??= (() => {
          const instance = choose();
          if (instance && reserve) this.#reserved.add(describeNode(instance));
          const all = instance ? this.streamOf(instance) : [];
          return only ? all.filter((r) => r.type === only) : all;
        })();
        const packet = stream[k];
        if (packet) this.send(packet.packet, targets);
      });
    }
  }

  /** The dead instance most dangerous to replay: the highest (its COORDINATORs outrank the live leader). */
  ghost(): NodeIdentity | undefined {
    const dead = this.deadInstances();
    if (dead.length === 0) return undefined;
    if (this.#random() < 0.3) return pick(this.#random, dead);
    return dead.reduce((a, b) => (comparePriority(a, b) >= 0 ? a : b));
  }
}

// ---- the properties ------------------------------------------------------------------------------

/**
 * Restarts a node during the attack and aims replays at its fresh replay table: a ghost leader's
 * recorded stream, the node's own previous instance's stream, and random recorded packets.
 */
function restartUnderReplay(cluster: Cluster, attacker: Attacker, node: number, crashAt: number, gapMs: number, streamLength: number): number {
  const startAt = crashAt + gapMs;
  let previous: NodeIdentity | undefined;
  cluster.sim.at(crashAt, () => {
    previous = cluster.sim.view(node).identity;
    cluster.sim.crash(node);
  });
  cluster.sim.at(startAt, () => cluster.sim.start(node));
  const hb = cluster.hb;
  // Just after the restart, ahead of the live leader's answer to the new instance's ELECTION.
  attacker.planStream(startAt + 0.001, [node], streamLength, hb, () => attacker.ghost(), 'coordinator', true);
  attacker.planStream(startAt + 0.002, [node], streamLength, hb, () => previous, undefined, true);
  for (let k = 0; k < streamLength; k++) {
    attacker.at(startAt + 0.003 + k * hb * attacker.random(), () => {
      const real = attacker.recorded('any');
      if (real) attacker.send(real.packet, [node]);
    });
  }
  return startAt;
}

/** A burst of `kind` from `from`: a count and a duration drawn from the seed (possibly all at once). */
function planBurst(cluster: Cluster, attacker: Attacker, kind: AttackKind, from: number): void {
  const random = attacker.random;
  const hb = cluster.hb;
  const duration = hb * pick(random, [0, 1, 5, 20]);
  const count = pick(random, [1, 10, 100, 400]);
  for (let k = 0; k < count; k++) attacker.at(from + random() * duration, () => attacker.step(kind));
  if (kind === 'replay' || kind === 'mixed') {
    // A ghost leader's heartbeats replayed in order to everyone, and restarts with fresh tables.
    if (random() < 0.5) attacker.planStream(from, attacker.targets(), 10 + Math.floor(random() * 30), hb, () => attacker.ghost(), pick(random, [undefined, 'coordinator'] as const));
    if (random() < 0.7) {
      const node = Math.floor(random() * cluster.nodes.length);
      restartUnderReplay(cluster, attacker, node, from + random() * Math.max(duration, hb), hb * random() * 2, 10 + Math.floor(random() * 30));
    }
  }
}

/** After the last hostile packet: settle, then the cluster must agree and stay put for 20 heartbeats. */
function checkSettlesAndStays(cluster: Cluster, tag: string, lastAt: number): void {
  const settled = lastAt + cluster.bounds.settleMs;
  if (!cluster.run(settled)) return;
  const problems = cluster.agreement(`${tag} ${cluster.bounds.settleMs.toFixed(0)} ms after the last hostile packet`);
  cluster.problems.push(...problems, ...cluster.timersArmed(`${tag} (H1)`));
  if (problems.length > 0) return;
  const changes = cluster.sim.stateChanges;
  if (!cluster.run(settled + 20 * cluster.hb)) return;
  if (cluster.sim.stateChanges !== changes) {
    const moves = cluster.stateEventsBetween(settled, settled + 20 * cluster.hb)
      .slice(0, 3).map((e) => e.event.type === 'state' ? `n${e.index} ${e.event.from}->${e.event.to} (${e.event.reason}) t=${e.at.toFixed(1)}` : '');
    cluster.problems.push(`${tag}: ${cluster.sim.stateChanges - changes} state changes after agreement (flap): ${moves.join('; ')}`);
  }
  cluster.problems.push(...cluster.agreement(`${tag} 20 heartbeats later`));
}

/**
 * (H1) never throws, never wedges: a mixed burst (both modes); afterwards every live node has a
 * timer armed at every heartbeat, and when the highest live node (the leader) crashes, ELECTIONs
 * are sent and someone takes office.
 */
export function runH1(seed: number, mode: Mode, trace = false): HostileResult {
  const cluster = new Cluster(seed, mode, { trace });
  const attacker = new Attacker(cluster);
  const from = cluster.formWithHistory();
  planBurst(cluster, attacker, 'mixed', from);
  const end = attacker.lastAt;
  if (cluster.run(end)) {
    for (let t = end; t <= end + cluster.bounds.settleMs && !cluster.threw; t += cluster.hb) {
      cluster.run(t);
      const wedged = cluster.timersArmed('(H1) after the burst');
      if (wedged.length > 0) {
        cluster.problems.push(...wedged);
        break;
      }
    }
  }
  // Elections keep happening: crash every sitting leader. If every live node leads (a split that
  // H2 reports), nobody is left to elect, so one leader is spared and only timers are checked.
  const live = cluster.live();
  let victims = cluster.leaders();
  if (victims.length === 0) victims = [cluster.highestLive()!];
  const expectElection = live.some((i) => !victims.includes(i));
  if (!expectElection) victims = victims.slice(1);
  if (!cluster.threw && live.length > 1) {
    const crashAt = cluster.sim.now;
    const elections = cluster.sim.sent.election;
    for (const victim of victims) cluster.sim.crash(victim);
    const what = `leader(s) ${victims.map((v) => `n${v}`).join(',')} crashed`;
    if (cluster.run(crashAt + cluster.bounds.settleMs)) {
      if (expectElection) {
        if (cluster.sim.sent.election === elections) cluster.problems.push(`(H1) no ELECTION sent in ${cluster.bounds.settleMs.toFixed(0)} ms after ${what}`);
        const tookOffice = cluster.events.some((e) => e.at > crashAt && e.event.type === 'state' && e.event.to === 'leader');
        if (!tookOffice) cluster.problems.push(`(H1) nobody took office in ${cluster.bounds.settleMs.toFixed(0)} ms after ${what}`);
      }
      cluster.problems.push(...cluster.timersArmed(`(H1) after ${what}`));
    }
  }
  cluster.problems.push(...cluster.wireErrors());
  return cluster.report(`H1 ${mode}`, attacker, seed);
}

/**
 * (H2) unauthenticated, soft state: after a burst of `kind`, within the settle bound after the last
 * hostile packet there is exactly one leader, the highest live real node, every live node follows
 * it, and it stays so for 20 heartbeats.
 */
export function runH2(seed: number, kind: AttackKind, trace = false): HostileResult {
  const cluster = new Cluster(seed, 'open', { trace });
  const attacker = new Attacker(cluster);
  const from = cluster.formWithHistory();
  planBurst(cluster, attacker, kind, from);
  checkSettlesAndStays(cluster, `(H2) ${kind}:`, attacker.lastAt);
  cluster.problems.push(...cluster.wireErrors());
  return cluster.report(`H2 ${kind}`, attacker, seed);
}

/**
 * (H3) with a secret: once the cluster is stable, 60 heartbeats of replays (random packets, dead
 * leaders' streams, own previous instances), bit flips, truncations, forged sequence numbers and
 * forgeries without the secret. Leadership never moves: no node changes state, except one that
 * restarts during the attack, which must follow the highest live node within 3 × the detection
 * bound of its start and never change state after that.
 */
export function runH3(seed: number, trace = false): HostileResult {
  const cluster = new Cluster(seed, 'secret', { trace });
  const attacker = new Attacker(cluster);
  const random = attacker.random;
  // Mostly with a dead former leader above the live one: the ghost whose replayed stream is the attack.
  const from = cluster.formWithHistory(0.8);
  const hb = cluster.hb;
  const window = 60 * hb;
  for (let k = 0; k < 600; k++) attacker.at(from + random() * window, () => attacker.step('mixed'));
  // Restarts: never the top node (its restart legitimately moves leadership).
  const top = cluster.highestLive();
  const restartable = cluster.live().filter((i) => i !== top);
  const restarts: { node: number; startAt: number }[] = [];
  const restartCount = restartable.length === 0 ? 0 : pick(random, [0, 1, 1, 2, 2]);
  for (let k = 0; k < restartCount; k++) {
    const node = pick(random, restartable);
    if (restarts.some((r) => r.node === node)) continue;
    const crashAt = from + random() * window / 2;
    restarts.push({ node, startAt: restartUnderReplay(cluster, attacker, node, crashAt, hb * random() * 2, 40) });
  }
  const grace = 3 * cluster.bounds.detectionMs;
  const steady = cluster.live().filter((i) => !restarts.some((r) => r.node === i));
  const leaderAtStart = top === undefined ? undefined : cluster.sim.view(top).identity;
  // Continuous check: the top instance leads, the steady nodes follow it.
  for (let t = from; t <= from + window + 2 * grace; t += hb / 2) {
    cluster.sim.at(t, () => {
      if (!leaderAtStart) return;
      for (const i of steady) {
        const v = cluster.sim.view(i);
        const ok = i === top ? v.role === 'leader' : v.role === 'follower' && v.leader !== undefined && sameInstance(v.leader, leaderAtStart);
        if (!ok && cluster.problems.length < 20) {
          cluster.problems.push(`(H3) t=${t.toFixed(1)}: steady n${i} is ${v.role} following ${describeNode(v.leader)}, expected ${i === top ? 'leader' : `follower of n${top}`}`);
        }
      }
    });
  }
  for (const { node, startAt } of restarts) {
    cluster.sim.at(startAt + grace, () => {
      const v = cluster.sim.view(node);
      if (!v.alive || !leaderAtStart) return;
      if (v.role !== 'follower' || !v.leader || !sameInstance(v.leader, leaderAtStart)) {
        cluster.problems.push(`(H3) restarted n${node} is ${v.role} following ${describeNode(v.leader)} ${grace.toFixed(0)} ms (3 × detection) after its start at t=${startAt.toFixed(1)}, expected to follow n${top}`);
      }
    });
  }
  const end = from + window + 2 * grace;
  if (cluster.run(end)) {
    const moved = cluster.stateEventsBetween(from, end, steady);
    for (const e of moved.slice(0, 3)) {
      if (e.event.type === 'state') cluster.problems.push(`(H3) steady n${e.index} changed state ${e.event.from} -> ${e.event.to} (${e.event.reason}) at t=${e.at.toFixed(1)}`);
    }
    for (const { node, startAt } of restarts) {
      const late = cluster.stateEventsBetween(startAt + grace, end, [node]).filter((e) => e.index === node);
      for (const e of late.slice(0, 2)) {
        if (e.event.type === 'state') cluster.problems.push(`(H3) restarted n${node} changed state ${e.event.from} -> ${e.event.to} (${e.event.reason}) at t=${e.at.toFixed(1)}, after its grace`);
      }
    }
    cluster.problems.push(...cluster.agreement('(H3) after the attack'));
  }
  cluster.problems.push(...cluster.wireErrors());
  return cluster.report('H3 secret', attacker, seed);
}

/**
 * (H4) term 2^64 − 1 forged (unauthenticated): a few forged packets of every type carrying term
 * 2^64 − 1, from fake identities below and above the real nodes, then the real leader crashes:
 * a new leader (the highest live node) must be elected and followed, and stay.
 */
export function runH4(seed: number, trace = false): HostileResult {
  const cluster = new Cluster(seed, 'open', { trace });
  const attacker = new Attacker(cluster);
  const random = attacker.random;
  cluster.startAll();
  const from = 30 * cluster.hb;
  cluster.run(from);
  cluster.problems.push(...cluster.agreement('cluster did not form before the attack'));
  const count = 1 + Math.floor(random() * 12);
  for (let k = 0; k < count; k++) {
    const type = k < 4 ? TYPES[k]! : pick(random, TYPES);
    attacker.at(from + random() * cluster.hb, () =>
      attacker.send(attacker.forge(type, attacker.fake(random() < 0.5 ? 'low' : 'high'), UINT64_MAX), random() < 0.8 ? [...cluster.nodes.keys()] : attacker.targets()));
  }
  const crashAt = attacker.lastAt + cluster.hb * pick(random, [0.5, 2, 10]);
  cluster.sim.at(crashAt, () => {
    const victim = cluster.highestLive();
    if (victim !== undefined) cluster.sim.crash(victim);
  });
  checkSettlesAndStays(cluster, '(H4) after the leader crashed:', crashAt);
  cluster.problems.push(...cluster.wireErrors());
  return cluster.report('H4 open', attacker, seed);
}

/**
 * (H5) duplicate identity: one node runs twice with the same (id, address) and different nonces,
 * started together or the copy joining a stable cluster; it is the highest node or not. Within the
 * settle bound exactly one instance leads (one of the two when they are the highest, else the
 * highest node), every other distinct node follows it, and the same instance keeps leading.
 */
export function runH5(seed: number, mode: Mode, trace = false): HostileResult {
  const random = seededRandom(seed ^ 0x0d0b_1e00);
  const n = 3 + Math.floor(random() * 4);
  const ids = new Set<bigint>();
  while (ids.size < n) ids.add(BigInt(1000 + Math.floor(random() * 999_000)));
  const nodes: SimNodeSpec[] = [...ids].map((id, i) => ({ id, address: `10.77.1.${i + 1}` }));
  const top = nodes.reduce((a, b, i) => (comparePriority({ ...b, nonce: 0n }, { ...nodes[a]!, nonce: 0n }) > 0 ? i : a), 0);
  const twinOf = random() < 0.6 ? top : Math.floor(random() * n);
  nodes.push({ ...nodes[twinOf]! });
  const twin = nodes.length - 1;
  const cluster = new Cluster(seed, mode, { nodes, trace });
  const late = random() < 0.5;
  cluster.startAll(late ? [twin] : []);
  const joinAt = late ? 30 * cluster.hb : 0;
  if (late) {
    cluster.run(joinAt);
    cluster.problems.push(...cluster.agreement('cluster did not form before the twin joined'));
    cluster.sim.start(twin);
  }
  const checkAt = joinAt + 2 * cluster.hb + cluster.bounds.settleMs;
  if (!cluster.run(checkAt)) return cluster.report(`H5 ${mode}`, undefined, seed);
  const twins = [twinOf, twin];
  const check = (label: string): NodeIdentity | undefined => {
    const leaders = cluster.leaders();
    if (leaders.length !== 1) {
      cluster.problems.push(`(H5) ${label} t=${cluster.sim.now.toFixed(1)}: ${leaders.length} leaders [${leaders.map((i) => `n${i}${twins.includes(i) ? ' (twin)' : ''}`).join(', ')}], expected exactly one`);
      return undefined;
    }
    const leader = leaders[0]!;
    const expectedTwin = twinOf === top;
    if (expectedTwin ? !twins.includes(leader) : leader !== top) {
      cluster.problems.push(`(H5) ${label}: n${leader} leads, expected ${expectedTwin ? 'one of the twins' : `n${top}`}`);
    }
    const identity = cluster.sim.view(leader).identity!;
    for (const i of cluster.live()) {
      if (twins.includes(i) || i === leader) continue;
      const v = cluster.sim.view(i);
      if (v.role !== 'follower' || !v.leader || !sameInstance(v.leader, identity)) {
        cluster.problems.push(`(H5) ${label}: n${i} is ${v.role} following ${describeNode(v.leader)}, expected n${leader} ${describeNode(identity)}`);
      }
    }
    return identity;
  };
  const first = check(`${cluster.bounds.settleMs.toFixed(0)} ms after the twin started`);
  if (first) {
    for (let k = 1; k <= 40 && cluster.problems.length === 0; k++) {
      if (!cluster.run(checkAt + (k * cluster.hb) / 2)) break;
      const now = check(`${k / 2} heartbeats later`);
      if (now && !sameInstance(now, first)) cluster.problems.push(`(H5) leadership moved from ${describeNode(first)} to ${describeNode(now)} at t=${cluster.sim.now.toFixed(1)}`);
    }
  }
  cluster.problems.push(...cluster.wireErrors());
  return cluster.report(`H5 ${mode} twin of n${twinOf}${twinOf === top ? ' (top)' : ''}${late ? ' late' : ''}`, undefined, seed);
}

/**
 * (H6) a sitting leader receives 2,000 forged ELECTIONs with rising terms (from just above its own
 * term), from fake identities below and above it, in 1 to 20 heartbeats: it keeps leading (no
 * state change) and emits at most one 'leader' event meanwhile; afterwards the cluster agrees.
 */
export function runH6(seed: number, mode: Mode, trace = false): HostileResult {
  const cluster = new Cluster(seed, mode, { trace });
  const attacker = new Attacker(cluster);
  const random = attacker.random;
  cluster.startAll();
  const from = 30 * cluster.hb;
  cluster.run(from);
  cluster.problems.push(...cluster.agreement('cluster did not form before the attack'));
  const leader = cluster.leaders()[0];
  if (leader === undefined) return cluster.report(`H6 ${mode}`, attacker, seed);
  const identity = cluster.sim.view(leader).identity!;
  const duration = cluster.hb * pick(random, [1, 5, 20]);
  let term = cluster.sim.view(leader).term;
  for (let k = 0; k < 2000; k++) {
    const at = from + (k / 2000) * duration;
    attacker.at(at, () => {
      term += 1n + BigInt(Math.floor(random() * 3));
      attacker.send(attacker.forge('election', attacker.fake(random() < 0.5 ? 'low' : 'high'), term, BigInt(k + 1)), [leader]);
    });
  }
  const end = attacker.lastAt + 2 * cluster.hb;
  if (cluster.run(end)) {
    const mine = cluster.events.filter((e) => e.index === leader && e.at >= from && e.at <= end);
    const leaderEvents = mine.filter((e) => e.event.type === 'leader').length;
    if (leaderEvents > 1) cluster.problems.push(`(H6) the sitting leader n${leader} emitted ${leaderEvents} 'leader' events during 2,000 forged ELECTIONs (at most 1 allowed)`);
    const states = mine.filter((e) => e.event.type === 'state');
    for (const e of states.slice(0, 2)) {
      if (e.event.type === 'state') cluster.problems.push(`(H6) the sitting leader n${leader} changed state ${e.event.from} -> ${e.event.to} (${e.event.reason}) at t=${e.at.toFixed(1)}`);
    }
    const v = cluster.sim.view(leader);
    if (v.role !== 'leader' || !v.identity || !sameInstance(v.identity, identity)) cluster.problems.push(`(H6) n${leader} is ${v.role} after the forged ELECTIONs, expected to keep leading`);
    checkSettlesAndStays(cluster, '(H6) after the forged ELECTIONs:', end);
  }
  cluster.problems.push(...cluster.wireErrors());
  return cluster.report(`H6 ${mode}`, attacker, seed);
}

export function describeResult(r: HostileResult): string {
  const drops = Object.entries(r.drops).map(([k, v]) => `${k}:${v}`).join(' ');
  return `seed ${r.seed} ${r.label} (${r.injected} hostile packets; drops ${drops || 'none'}):\n  ${r.problems.slice(0, 5).join('\n  ')}`;
}

/** Runs one property by its key ('H1:open', 'H2:forged-seq', 'H3', 'H4', 'H5:secret', 'H6:open' …). */
export function runByKey(key: string, seed: number, trace = false): HostileResult {
  const [property, variant] = key.split(':');
  const mode = (variant === 'secret' ? 'secret' : 'open') as Mode;
  switch (property) {
    case 'H1': return runH1(seed, mode, trace);
    case 'H2': {
      if (!ATTACK_KINDS.includes(variant as AttackKind)) throw new Error(`H2 needs an attack kind: ${ATTACK_KINDS.join(', ')}`);
      return runH2(seed, variant as AttackKind, trace);
    }
    case 'H3': return runH3(seed, trace);
    case 'H4': return runH4(seed, trace);
    case 'H5': return runH5(seed, mode, trace);
    case 'H6': return runH6(seed, mode, trace);
    default: throw new Error(`unknown hostile property ${JSON.stringify(key)}`);
  }
}
