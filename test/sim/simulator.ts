// Deterministic simulation of N election cores on a simulated LAN. The simulator owns the clock
// (a queue of deliveries, node deadlines, scripted actions and invariant checks) and one seeded
// PRNG, so a seed replays the exact same run. Invariants (b) and (c) are checked while running;
// (a) agreement is checked by the caller with agreement().
import { Election, comparePriority, sameInstance, sameNode, seededRandom } from '../../lib/core';
import type { ElectionOptions } from '../../lib/core';
import type { CoreEvent, Message, MessageType, NodeIdentity, Ready } from '../../lib/core/types';
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
}

type SimEvent =
  | { at: number; order: number; kind: 'deliver'; to: number; message: Message }
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
      armedAt: undefined, timerToken: 0, lastLeader: undefined, lastTerm: undefined,
    }));
    this.#same = options.config.mode === 'go' ? sameNode : sameInstance;
    const heartbeatMs = options.config.heartbeatMs ?? (options.config.mode === 'go' ? 250 : 100);
    const misses = options.config.misses ?? 3;
    // A follower's last COORDINATOR can arrive up to maxDelay after the leader died or was cut off.
    this.#detectionBoundMs = misses * heartbeatMs + options.faults.maxDelayMs + 1;
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
    const nonce = this.#options.config.mode === 'go' ? 0n : this.#nextNonce++;
    const identity: NodeIdentity = { id: node.spec.id, address: node.spec.address, nonce };
    const seed = Math.floor(this.random() * 2 ** 32);
    node.election = node.spec.legacyGo
      ? new GoLegacyNode(identity)
      : new Election({ ...this.#options.config, self: identity, random: seededRandom(seed) });
    node.identity = identity;
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
    for (const receiver of this.#nodes) {
      // Multicast loopback: the sender hears its own packet too (the core must ignore it).
      if (receiver !== sender && !this.network.connected(sender.index, receiver.index)) continue;
      for (const delay of this.network.copies(this.random)) {
        this.#schedule({ at: this.now + delay, kind: 'deliver', to: receiver.index, message });
      }
    }
  }

  /** Invariant (c): the terms of a node's successive leaders strictly increase. */
  #observe(node: SimNode, event: CoreEvent): void {
    if (event.type === 'state') this.stateChanges++;
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
