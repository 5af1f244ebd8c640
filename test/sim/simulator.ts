// Deterministic simulation of N election cores on a simulated LAN. The simulator owns the clock
// (a queue of deliveries, node deadlines, scripted actions and invariant checks) and one seeded
// PRNG, so a seed replays the exact same run. Invariants (b) and (c) are checked while running;
// (a) agreement is checked by the caller with agreement().
import { Election, comparePriority, sameInstance, sameNode, seededRandom } from '../../lib/core';
import type { ElectionOptions } from '../../lib/core';
import type { CoreEvent, Message, MessageType, NodeIdentity, Ready } from '../../lib/core/types';
import { createV1Codec, type V1Codec, type WireKey } from '../../lib/wire';
import { GoLegacyNode } from './go-legacy-node';
import { SimNetwork, type NetworkFaults } from './network';
import { EventQueue } from './queue';

export type ElectionConfig = Omit<ElectionOptions, 'self' | 'random'>;

export interface SimNodeSpec {
  readonly id: bigint;
  readonly address: string;
  /** Run the model of the Go library instead of our core (interop runs, go mode). */
  readonly legacyGo?: boolean;
}

/** What the simulator drives: our Election, or the Go model with the same shape. */
type Core = Pick<Election, 'role' | 'leader' | 'term' | 'start' | 'receive' | 'tick' | 'nextDeadline' | 'stop'>;

export interface SimulatorOptions {
  readonly seed: number;
  readonly nodes: readonly SimNodeSpec[];
  readonly config: ElectionConfig;
  readonly faults: NetworkFaults;
  /** Interval of the continuous invariant checks, ms. Default: one heartbeat. */
  readonly checkEveryMs?: number;
  /** Receives one line per noteworthy step (replay mode). */
  readonly trace?: (line: string) => void;
  /**
   * Wire mode (v1 only): every node instance gets its own v1 codec (so its own replay filter);
   * messages are encoded once at the sender and decoded at each receiver, dropped when !ok.
   * Without it, Message objects travel as they are (the default, unchanged behaviour).
   */
  readonly wire?: { readonly cluster: string; readonly keys?: readonly WireKey[] };
  /** Draw each start's nonce from the seeded PRNG (64-bit) instead of counting 1, 2, 3 … */
  readonly randomNonces?: boolean;
  /** Sees every core event of every node, as it happens. */
  readonly onEvent?: (index: number, event: CoreEvent, now: number) => void;
  /** Wire mode: sees every packet a node multicasts (what an eavesdropper records). */
  readonly onPacket?: (index: number, packet: Buffer, message: Message, now: number) => void;
}

interface SimNode {
  readonly index: number;
  readonly spec: SimNodeSpec;
  election: Core | undefined;
  identity: NodeIdentity | undefined;
  /** The deadline the pending timer event was armed for, and its token (stale ones are skipped). */
  armedAt: number | undefined;
  timerToken: number;
  /** Fencing history of the current instance: last leader and its term. */
  lastLeader: NodeIdentity | undefined;
  lastTerm: bigint | undefined;
  /** Wire mode: this instance's codec (a restart gets a fresh one: an empty replay table). */
  codec: V1Codec | undefined;
}

type SimEvent =
  | { at: number; order: number; kind: 'deliver'; to: number; message: Message }
  | { at: number; order: number; kind: 'packet'; to: number; packet: Uint8Array }
  | { at: number; order: number; kind: 'timer'; node: number; token: number }
  | { at: number; order: number; kind: 'action'; run: () => void }
  | { at: number; order: number; kind: 'check' };

type WithoutOrder<T> = T extends unknown ? Omit<T, 'order'> : never;

export interface NodeView {
  readonly index: number;
  readonly alive: boolean;
  readonly role: string;
  readonly identity: NodeIdentity | undefined;
  readonly leader: NodeIdentity | undefined;
  readonly term: bigint;
}

export class Simulator {
  readonly random: () => number;
  readonly network: SimNetwork;
  readonly violations: string[] = [];
  /** Messages multicast, by type (each multicast counts once, not per receiver). */
  readonly sent: Record<MessageType, number> = { election: 0, ok: 0, coordinator: 0, resign: 0 };
  /** State transitions ('state' events) across all nodes. */
  stateChanges = 0;
  now = 0;
  /** Wire mode: messages the sender's codec refused to encode (a Participant would fail on these). */
  readonly wireErrors: string[] = [];
  /** Wire mode: packets dropped by receivers' decoders, by reason. */
  readonly drops: Record<string, number> = {};

  readonly #options: SimulatorOptions;
  readonly #nodes: SimNode[];
  readonly #queue = new EventQueue<SimEvent>();
  readonly #detectionBoundMs: number;
  #order = 0;
  #nextNonce = 1n;
  /** Every instance ever started, by instanceKey(). */
  readonly #instances = new Map<string, SimNode>();
  /** When each crashed or stopped instance died, by instanceKey(). */
  readonly #diedAt = new Map<string, number>();
  /** Go mode has no nonce on the wire: a restart is the same identity as before. */
  readonly #same: (a: NodeIdentity, b: NodeIdentity) => boolean;

  constructor(options: SimulatorOptions) {
    this.#options = options;
    this.random = seededRandom(options.seed);
    this.network = new SimNetwork(options.nodes.length, options.faults);
    this.#nodes = options.nodes.map((spec, index) => ({
      index, spec, election: undefined, identity: undefined,
      armedAt: undefined, timerToken: 0, lastLeader: undefined, lastTerm: undefined, codec: undefined,
    }));
    this.#same = options.config.mode === 'go' ? sameNode : sameInstance;
    const heartbeatMs = options.config.heartbeatMs ?? (options.config.mode === 'go' ? 250 : 100);
    const misses = options.config.misses ?? 3;
    // A follower's last COORDINATOR can arrive up to maxDelay after the leader died or was cut off.
    this.#detectionBoundMs = (misses + 0.5) * heartbeatMs + options.faults.maxDelayMs + 1;
    const every = options.checkEveryMs ?? heartbeatMs;
    this.#schedule({ at: every, kind: 'check' });
    this.#checkEveryMs = every;
  }

  readonly #checkEveryMs: number;

  get size(): number {
    return this.#nodes.length;
  }

  /** Schedules an action (start, crash, partition …) at absolute time `at`. */
  at(at: number, run: () => void): void {
    this.#schedule({ at, kind: 'action', run });
  }

  /** Starts a node (or restarts a crashed one as a new instance: new nonce, no term memory). */
  start(index: number): void {
    const node = this.#node(index);
    if (node.election) return;
    const nonce = this.#options.config.mode === 'go' ? 0n
      : this.#options.randomNonces ? this.#randomUint64() : this.#nextNonce++;
    const identity: NodeIdentity = { id: node.spec.id, address: node.spec.address, nonce };
    const seed = Math.floor(this.random() * 2 ** 32);
    node.election = node.spec.legacyGo
      ? new GoLegacyNode(identity)
      : new Election({ ...this.#options.config, self: identity, random: seededRandom(seed) });
    node.identity = identity;
    if (this.#options.wire) node.codec = createV1Codec({ ...this.#options.wire, keys: this.#options.wire.keys ?? [] });
    this.#instances.set(this.#instanceKey(identity), node);
    this.#diedAt.delete(this.#instanceKey(identity));
    node.lastLeader = undefined;
    node.lastTerm = undefined;
    this.#trace(`n${index} start nonce=${identity.nonce}`);
    this.#apply(node, node.election.start(this.now));
  }

  /** Crashes a node: it stops at once, without RESIGN. */
  crash(index: number): void {
    const node = this.#node(index);
    if (!node.election) return;
    node.election = undefined;
    this.#diedAt.set(this.#instanceKey(node.identity!), this.now);
    node.armedAt = undefined;
    node.timerToken++;
    this.#trace(`n${index} crash`);
  }

  /** Stops a node cleanly (RESIGN when leading). */
  stop(index: number): void {
    const node = this.#node(index);
    if (!node.election) return;
    const ready = node.election.stop(this.now);
    this.#apply(node, ready);
    node.election = undefined;
    this.#diedAt.set(this.#instanceKey(node.identity!), this.now);
    node.armedAt = undefined;
    node.timerToken++;
    this.#trace(`n${index} stop`);
  }

  partition(groups: readonly (readonly number[])[]): void {
    this.network.partition(groups, this.now);
    this.#trace(`partition ${JSON.stringify(groups)}`);
  }

  heal(): void {
    this.network.heal(this.now);
    this.#trace('heal');
  }

  setFaults(faults: Partial<NetworkFaults>): void {
    Object.assign(this.network.faults, faults);
    this.#trace(`faults ${JSON.stringify(this.network.faults)}`);
  }

  /** Runs every event due at or before `until`, then sets the clock to `until`. */
  runUntil(until: number): void {
    for (let event = this.#queue.peek(); event && event.at <= until; event = this.#queue.peek()) {
      this.#queue.pop();
      this.now = event.at;
      this.#dispatch(event);
    }
    this.now = until;
  }

  view(index: number): NodeView {
    const node = this.#node(index);
    const election = node.election;
    return {
      index,
      alive: election !== undefined,
      role: election?.role ?? 'dead',
      identity: node.identity,
      leader: election?.leader,
      term: election?.term ?? 0n,
    };
  }

  views(): NodeView[] {
    return this.#nodes.map((node) => this.view(node.index));
  }

  /** The live node's next timer deadline (undefined when dead or when it armed none). */
  nextDeadline(index: number): number | undefined {
    return this.#node(index).election?.nextDeadline();
  }

  /**
   * Wire mode: hands raw bytes to node `to`'s decoder after `delayMs` (an attacker on the LAN:
   * partitions do not stop it). The packet is decoded by whatever instance runs there then.
   */
  inject(to: number, packet: Uint8Array, delayMs = 0): void {
    this.#node(to);
    if (!this.#options.wire) throw new Error('inject() needs wire mode');
    this.#schedule({ at: this.now + delayMs, kind: 'packet', to, packet });
  }

  /**
   * Invariant (a): in every partition group, the live nodes agree on one live leader of that
   * group; with preempt on it must be the group's highest live node. Returns problems found.
   */
  agreement(preempt: boolean): string[] {
    const problems: string[] = [];
    const groups = new Map<number, NodeView[]>();
    for (const view of this.views()) {
      if (!view.alive) continue;
      const group = this.network.groupOf(view.index);
      groups.set(group, [...(groups.get(group) ?? []), view]);
    }
    for (const [group, members] of groups) {
      const leaders = members.filter((m) => m.role === 'leader');
      const highest = members.reduce((a, b) => (comparePriority(a.identity!, b.identity!) >= 0 ? a : b));
      const expected = preempt ? highest : leaders[0];
      if (leaders.length !== 1 || !expected || expected.role !== 'leader') {
        problems.push(`group ${group}: leaders [${leaders.map((l) => `n${l.index}`).join(',')}], expected n${expected?.index ?? '?'} (highest n${highest.index})`);
        continue;
      }
      for (const member of members) {
        if (member === expected) continue;
        if (member.role !== 'follower' || !member.leader || !this.#same(member.leader, expected.identity!)) {
          problems.push(`group ${group}: n${member.index} is ${member.role} following ${describe(member.leader)}, expected n${expected.index}`);
        }
      }
    }
    return problems;
  }

  // ---- internals -----------------------------------------------------------------------------

  #node(index: number): SimNode {
    const node = this.#nodes[index];
    if (!node) throw new RangeError(`no node ${index}`);
    return node;
  }

  #schedule(event: WithoutOrder<SimEvent>): void {
    this.#queue.push({ ...event, order: this.#order++ } as SimEvent);
  }

  #dispatch(event: SimEvent): void {
    switch (event.kind) {
      case 'deliver': {
        const node = this.#nodes[event.to]!;
        if (!node.election) return;
        this.#apply(node, node.election.receive(event.message, this.now));
        return;
      }
      case 'packet': {
        const node = this.#nodes[event.to]!;
        if (!node.election || !node.codec) return;
        const decoded = node.codec.decode(event.packet);
        if (!decoded.ok) {
          this.drops[decoded.reason] = (this.drops[decoded.reason] ?? 0) + 1;
          return;
        }
        this.#apply(node, node.election.receive(decoded.message, this.now));
        return;
      }
      case 'timer': {
        const node = this.#nodes[event.node]!;
        if (!node.election || event.token !== node.timerToken) return;
        node.armedAt = undefined;
        this.#apply(node, node.election.tick(this.now));
        return;
      }
      case 'action':
        event.run();
        return;
      case 'check':
        this.#checkFollowersOfDeadLeaders();
        this.#schedule({ at: this.now + this.#checkEveryMs, kind: 'check' });
        return;
    }
  }

  #apply(node: SimNode, ready: Ready): void {
    for (const event of ready.events) this.#observe(node, event);
    for (const message of ready.messages) this.#multicast(node, message);
    const election = node.election;
    if (!election) return;
    const deadline = election.nextDeadline();
    if (deadline !== node.armedAt) {
      node.armedAt = deadline;
      node.timerToken++;
      if (deadline !== undefined) {
        this.#schedule({ at: Math.max(deadline, this.now), kind: 'timer', node: node.index, token: node.timerToken });
      }
    }
  }

  #multicast(sender: SimNode, message: Message): void {
    this.sent[message.type]++;
    if (this.#options.trace) this.#trace(`n${sender.index} send ${message.type} term=${message.term}`);
    let packet: Buffer | undefined;
    if (sender.codec) {
      try {
        packet = sender.codec.encode(message);
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        this.wireErrors.push(`t=${this.now.toFixed(1)} n${sender.index} cannot encode ${message.type} term=${message.term} seq=${message.seq}: ${code} ${(error as Error).message}`);
        this.#trace(`n${sender.index} ENCODE FAILED ${message.type} term=${message.term}`);
        return;
      }
      this.#options.onPacket?.(sender.index, packet, message, this.now);
    }
    for (const receiver of this.#nodes) {
      // Multicast loopback: the sender hears its own packet too (the core must ignore it).
      if (receiver !== sender && !this.network.connected(sender.index, receiver.index)) continue;
      for (const delay of this.network.copies(this.random)) {
        if (packet) this.#schedule({ at: this.now + delay, kind: 'packet', to: receiver.index, packet });
        else this.#schedule({ at: this.now + delay, kind: 'deliver', to: receiver.index, message });
      }
    }
  }

  /** Invariant (c): the terms of a node's successive leaders strictly increase. */
  #observe(node: SimNode, event: CoreEvent): void {
    if (event.type === 'state') this.stateChanges++;
    this.#options.onEvent?.(node.index, event, this.now);
    if (this.#options.trace && event.type !== 'state') {
      this.#trace(`n${node.index} ${event.type} ${event.type === 'follower' ? `${describe(event.leader)} ` : ''}${'term' in event ? `term=${event.term}` : ''}`);
    } else if (this.#options.trace && event.type === 'state') {
      this.#trace(`n${node.index} ${event.from} -> ${event.to} (${event.reason}) term=${event.term}`);
    }
    // Go mode has no terms (always 0): there is nothing to fence with.
    if ((event.type !== 'leader' && event.type !== 'follower') || this.#options.config.mode === 'go') return;
    const leader = event.type === 'leader' ? node.identity! : event.leader;
    const sameLeader = node.lastLeader !== undefined && this.#same(node.lastLeader, leader);
    if (node.lastTerm !== undefined && !(event.term > node.lastTerm || (sameLeader && event.term === node.lastTerm))) {
      this.violations.push(`t=${this.now.toFixed(1)} n${node.index}: leader ${describe(leader)} term ${event.term} after ${describe(node.lastLeader)} term ${node.lastTerm} (terms must strictly increase)`);
    }
    node.lastLeader = leader;
    node.lastTerm = event.term;
  }

  /** Invariant (b): nobody follows a leader that has been dead or cut off past the detection bound. */
  #checkFollowersOfDeadLeaders(): void {
    for (const node of this.#nodes) {
      const leader = node.election?.role === 'follower' ? node.election.leader : undefined;
      if (!leader) continue;
      const leaderNode = this.#instances.get(this.#instanceKey(leader));
      if (!leaderNode) continue;
      let goneSince = this.#diedAt.get(this.#instanceKey(leader));
      if (goneSince === undefined && !this.network.connected(node.index, leaderNode.index)) {
        goneSince = this.network.partitionChangedAt;
      }
      if (goneSince !== undefined && this.now - goneSince > this.#detectionBoundMs) {
        this.violations.push(`t=${this.now.toFixed(1)} n${node.index} still follows n${leaderNode.index}, gone since t=${goneSince.toFixed(1)} (bound ${this.#detectionBoundMs} ms)`);
      }
    }
  }

  #randomUint64(): bigint {
    const word = () => BigInt(Math.floor(this.random() * 2 ** 32));
    return (word() << 32n) | word();
  }

  #instanceKey(node: NodeIdentity): string {
    return this.#options.config.mode === 'go' ? `${node.id}|${node.address}` : `#${node.nonce}`;
  }

  #trace(line: string): void {
    this.#options.trace?.(`${this.now.toFixed(2).padStart(9)} ${line}`);
  }
}

export function describe(node: NodeIdentity | undefined): string {
  return node ? `${node.id}@${node.address}#${node.nonce}` : 'nobody';
}
