// The Participant drives the pure election core with a real socket and a real clock:
// socket → decode → core → encode → socket, with the core's next deadline armed on a timer (the
// driver loop, #drive). Its NIC is a fault domain (fault-domain.ts) and the follower next in line
// probes the leader (leader-probe.ts); both act through the same loop.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { formatPeerAddress, isLocalControlGroup, type GroupAddress } from '../address';
import type { Election } from '../core';
import type { CoreEvent, Message, NodeIdentity, Ready, Role } from '../core/types';
import { checkHoldMs, checkPriority } from '../core';
import { DEFAULT_PRIORITY } from '../core/types';
import { codedError, withCode } from '../errors';
import type { CheckStatus } from '../health';
import type { Datagram, InterfaceStatus } from '../socket';
import { ElectionChannel } from './channel';
import type { Codec } from '../wire';
import { TrafficCounters, type ParticipantCounters } from './counters';
import { DropReports } from './drop-warnings';
import { FaultDomain } from './fault-domain';
import { GroupSender } from './group-sender';
import { ParticipantHealth } from './health';
import { abortReason } from './abort';
import { identityOn } from './identity';
import { leaderInfo } from './leader-info';
import { LeaderProber } from './leader-probe';
import { logCoreEvent, packetLogger, type Logger, type PacketLogger } from './logger';
import { DeadlineTimer } from './deadline-timer';
import { createCodec, createElection } from './components';
import { bindInterface } from './nic-binding';
import { cannotStart, type Phase } from './phase';
import { HandoverWarmUp, rehearseHandover } from './rehearsal';
import { participantTimers, resolveParticipantOptions, runtimeMetadata, runtimePeers, type ParticipantOptions, type ParticipantTimers, type ResolvedOptions } from './options';
import { emitSafely } from './safe-emit';
import type { BoundInterface, LeaderInfo, ParticipantEvents } from './types';
import { waitForLeader, type WaitForLeaderOptions } from './wait-for-leader';

/** The reason #stopped is aborted with (never read: waitForLeader rejects with its own error). */
const STOPPED = 'stopped';

/**
 * Events are delivered synchronously, after the participant has settled its own state (socket
 * open, packets sent, timer armed). A listener's exception never unwinds into the participant
 * nor into start()/stop(): it is rethrown on process.nextTick, so it surfaces as an ordinary
 * 'uncaughtException' while the participant keeps running. An 'error' event without a listener
 * surfaces the same way (Node's convention). Once stop() has begun, nothing but stop's own
 * events ('state' → 'stopped') is delivered.
 */
export class Participant extends EventEmitter<ParticipantEvents> {
  readonly #options: ResolvedOptions;
  /** The NIC as bound now (the user's spec is #options.interfaceSpec): its index changes when the NIC is re-created. */
  #nic: BoundInterface;
  #self: NodeIdentity;
  readonly #codec: Codec;
  #election: Election;
  readonly #log: Logger;
  /** Entries per packet: only for a logger that can filter them (see packetLogger). */
  readonly #packetLog: PacketLogger;
  readonly #counters = new TrafficCounters();
  readonly #faults: FaultDomain;
  readonly #prober: LeaderProber;
  /** The socket and the way to the others (the group, or the peers), open while running. */
  readonly #channel: ElectionChannel;
  readonly #sender: GroupSender;
  readonly #health: ParticipantHealth;
  /** More handover rehearsals, in slices after start (see rehearsal.ts). */
  readonly #warmUp: HandoverWarmUp;
  readonly #timer = new DeadlineTimer(() => {
    if (this.#phase === 'running') this.#drive(() => this.#election.tick(performance.now(), { unheard: this.#faults.unheard }));
  });
  #phase: Phase = 'new';
  #stopping: Promise<void> | undefined;
  /** Aborted once stop() begins: ends waitForLeader(). */
  readonly #stopped = new AbortController();
  /** What our heartbeats carry (setMetadata() changes it; a core made for a new address gets it too). */
  #metadata: Uint8Array | undefined;
  /** Counts, logs and warns about dropped datagrams and refusing peers. */
  readonly #drops: DropReports;
  readonly #onAbort = (): void => void this.stop().catch((error: unknown) => this.#fail(withCode(error, 'ERR_MULTIBULLY_INTERNAL')));

  /** Validates every option and resolves the NIC; throws before anything is opened. */
  constructor(options: ParticipantOptions) {
    super();
    const resolved = resolveParticipantOptions(options);
    this.#options = resolved;
    this.#log = resolved.logger.child?.({ component: 'multibully' }) ?? resolved.logger;
    this.#packetLog = packetLogger(this.#log);
    this.#drops = new DropReports(this.#counters, this.#log, this.#packetLog);
    if (resolved.group && isLocalControlGroup(resolved.group)) {
      this.#log.warn({ group: resolved.group.group }, 'the group is in 224.0.0.0/24, the local network control block that routing protocols use; prefer 239.0.0.0/8');
    }
    this.#nic = bindInterface(resolved.interfaceSpec, resolved);
    this.#channel = new ElectionChannel(resolved, {
      onDatagram: (datagram) => this.#onDatagram(datagram),
      onDrop: (reason) => this.#counters.drop(reason),
      onNotPeer: (from) => this.#drops.dropped('not-peer', 'the source address is not a peer', from),
      onError: (error) => this.#fail(error),
      onUnreachable: (peer, error) => this.#drops.unreachable(formatPeerAddress(peer), error.code),
    });
    this.#self = identityOn(resolved.id, this.#nic.address, resolved.wire);
    this.#metadata = resolved.metadata;
    this.#codec = createCodec(resolved);
    this.#health = new ParticipantHealth({
      priority: resolved.election.priority ?? DEFAULT_PRIORITY, checks: resolved.checks, priorityFile: resolved.priorityFile, log: this.#log,
      onPriority: (priority) => this.#drive(() => this.#election.setPriority(performance.now(), priority)),
      onFault: (detail) => this.#faults.healthChanged(detail),
      onChange: () => {
        if (this.#phase === 'running') emitSafely(this, 'health', { priority: this.#health.effectivePriority, checks: this.#health.checks });
      },
    });
    this.#election = createElection(resolved, this.#self, this.#metadata, this.#health.effectivePriority);
    const { family } = resolved;
    this.#faults = new FaultDomain({
      interfaceSpec: resolved.interfaceSpec,
      family,
      heartbeatMs: this.#election.options.heartbeatMs,
      log: this.#log,
      packetLog: this.#packetLog,
      actions: {
        fault: (reason) => this.#drive(() => this.#election.fault(performance.now(), reason)),
        rejoin: (status) => this.#rejoin(status),
        // A core made for a new address has not started: its start is the way out of 'fault'.
        recover: (reason) => this.#drive(() => this.#election.role === 'idle'
          ? this.#election.start(performance.now(), reason)
          : this.#election.recover(performance.now(), reason)),
        sendProbe: () => this.#channel.sendProbe(),
      },
    }, this.#nic);
    this.#sender = new GroupSender({ codec: this.#codec, channel: this.#channel, counters: this.#counters, faults: this.#faults, log: this.#log, packetLog: this.#packetLog });
    this.#warmUp = new HandoverWarmUp(resolved, (error) => this.#log.warn({ err: error }, 'handover rehearsal failed'));
    this.#prober = new LeaderProber({
      family, log: this.#log,
      portOf: (address) => this.#channel.portOf(address),
      onRefused: (leader) => {
        if (this.#phase === 'running') this.#drive(() => this.#election.leaderUnreachable(performance.now(), leader));
      },
    });
  }

  /** Current role: 'idle' before start(), 'fault' while the interface is broken, 'stopped' after stop() or a failed start(). */
  get state(): Role { return this.#phase === 'stopped' || this.#phase === 'start-failed' ? 'stopped' : this.#election.role; }

  get isLeader(): boolean { return this.state === 'leader'; }

  /** The leader this node knows (itself when leading), or undefined. JSON.stringify gives its id as text. */
  get leader(): LeaderInfo | undefined {
    const leader = this.#election.leader;
    return leader && leaderInfo(leader, this.#election.leaderMetadata);
  }

  get term(): bigint { return this.#election.term; }

  /** Own identity: id, advertised unicast address and per-start nonce. */
  get self(): NodeIdentity { return this.#self; }

  get interface(): BoundInterface { return this.#nic; }

  /** The multicast group, port and family; undefined with peers (see `peers`). */
  get group(): GroupAddress | undefined {
    return this.#options.group && { ...this.#options.group };
  }

  /** With peers: the peers as "addr:port" ("[addr]:port" for IPv6), this node's own included if listed; with a group: undefined. */
  get peers(): string[] | undefined {
    return this.#channel.peers;
  }

  /**
   * With peers: replaces the peer list (same rules as the option; e.g. from DNS or a Kubernetes
   * headless service). New peers get every message from now on; datagrams from a removed one are
   * dropped ('not-peer') from now on. Throws on a bad list, and leaves the old one in force.
   */
  setPeers(list: readonly string[]): void {
    const peers = runtimePeers(list, this.#options);
    this.#channel.setPeers(peers);
    this.#log.info({ peers: peers.map(formatPeerAddress) }, 'peer list changed');
  }

  /** The election timers in force (defaults filled in), e.g. to derive a failover bound. */
  get timers(): ParticipantTimers { return participantTimers(this.#election.options); }

  get counters(): ParticipantCounters { return this.#counters.snapshot(this.#election.counters); }

  /**
   * Opens the socket, joins the group on the NIC and starts the election. After a failed
   * start() (the socket could not be set up) it may be called again.
   */
  async start(): Promise<void> {
    if (this.#phase !== 'new' && this.#phase !== 'start-failed') throw cannotStart(this.#phase);
    const signal = this.#options.signal;
    if (signal?.aborted) {
      this.#phase = 'stopped';
      throw abortReason(signal);
    }
    try {
      rehearseHandover(this.#options);
    } catch (error) {
      // Only a warm-up: a failure (a bug) costs speed, never the start.
      this.#log.warn({ err: error }, 'handover rehearsal failed');
    }
    try {
      this.#channel.openOn(this.#nic);
      this.#faults.open();
    } catch (error) {
      this.#channel.close();
      this.#phase = 'start-failed';
      throw withCode(error, 'ERR_MULTIBULLY_SOCKET');
    }
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#phase = 'running';
    const { group, port, peers } = this.#options;
    const transport = group ? { group: `${group.group}:${port}` } : { port, peers: this.peers };
    this.#log.info({ ...transport, interface: this.#nic.name, id: this.#self.id, address: this.#self.address }, 'participant started');
    if (peers && this.#options.keys === undefined) {
      this.#log.warn({ peers: this.peers }, 'unicast peers without a secret: anyone who can reach this port can forge any node (see docs/PROTOCOL.md "Unicast peers"); give every node the same secret');
    }
    this.#drive(() => this.#election.start(performance.now()));
    // The NIC may have broken between the constructor and now; a check may fail from the start.
    this.#faults.check();
    if (this.#health.fault !== undefined) this.#faults.healthChanged(this.#health.fault);
    this.#health.start();
    this.#warmUp.start();
  }

  /** Resigns if leading, closes the socket. Idempotent; safe before start(). */
  stop(): Promise<void> {
    this.#stopping ??= this.#stopNow();
    return this.#stopping;
  }

  /** `await using node = new Participant(…)`: stop() when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** The leader this node knows now, or the first it takes or follows; rejects on `signal` or stop(). */
  waitForLeader(options: WaitForLeaderOptions = {}): Promise<LeaderInfo> {
    return waitForLeader(this, options, this.#stopped.signal);
  }

  /** What this node's heartbeats carry from the next one on (v1 only, ≤ 512 bytes; undefined: none). */
  setMetadata(metadata: string | Uint8Array | undefined): void {
    const bytes = runtimeMetadata(metadata, this.#options.wire);
    this.#election.setMetadata(bytes ?? new Uint8Array(0));
    this.#metadata = bytes;
  }

  /** The base priority from now on (1..254, v1 only); the effective one adds the checks' weights. */
  setPriority(priority: number): void {
    checkPriority(priority, 'priority', this.#options.wire);
    this.#health.base = priority;
  }

  /** The priority this node ranks by now: its base plus the weights of its checks, clamped to 1..254. */
  get priority(): number { return this.#health.effectivePriority; }

  /** Each health check's state, success and failure counts and last error (and the priority file's). */
  get checks(): CheckStatus[] { return this.#health.checks; }

  /**
   * Leaves office at once (a RESIGN naming the highest node it knows, which takes over) and stays a
   * follower that may not lead for `holdMs`. The socket stays open; nothing is closed. v1 only.
   */
  resign({ holdMs = 0 }: { readonly holdMs?: number } = {}): void {
    if (this.#options.wire === 'go') throw codedError('ERR_MULTIBULLY_UNSUPPORTED', "resign() is not available with wire 'go': the Go format has no RESIGN");
    checkHoldMs(holdMs);
    if (this.#phase !== 'running') throw codedError('ERR_MULTIBULLY_NOT_RUNNING', `participant cannot resign: it is ${this.#phase}`);
    this.#drive(() => this.#election.resign(performance.now(), { holdMs }));
  }

  async #stopNow(): Promise<void> {
    const wasRunning = this.#phase === 'running';
    this.#phase = 'stopping';
    let events: readonly CoreEvent[] = [];
    try {
      // The RESIGN goes out first: the successor's clock starts here (nothing below can run
      // in between, it is all synchronous).
      if (wasRunning) {
        const ready = this.#election.stop(performance.now());
        events = ready.events;
        this.#sender.send(ready.messages);
      }
    } finally {
      // The reason is never read: a default one would build a DOMException, slow the first time.
      this.#stopped.abort(STOPPED);
      this.#options.signal?.removeEventListener('abort', this.#onAbort);
      this.#timer.clear();
      this.#faults.close();
      this.#prober.close();
      this.#health.stop();
      this.#warmUp.stop();
      // Whatever happened while resigning, the socket is released (its fd is closed on return).
      this.#channel.close();
      this.#phase = 'stopped';
    }
    this.#log.info({ id: this.#self.id }, 'participant stopped');
    this.#report(events, true);
  }

  // ---- the driver loop: socket or timer → core → socket, timer, listeners -------------------

  #onDatagram(datagram: Datagram): void {
    if (this.#phase !== 'running') return;
    if (datagram.truncated) return this.#drops.dropped('truncated', 'datagram larger than the receive buffer');
    const decoded = this.#codec.decode(datagram.data);
    if (!decoded.ok) return this.#drops.dropped(decoded.reason, decoded.detail, datagram.address);
    const message: Message = decoded.message;
    this.#packetLog.trace({ type: message.type, from: message.from.id, address: message.from.address, term: message.term }, 'received');
    // The core drops (and counts) our own looped-back packets.
    this.#drive(() => this.#election.receive(message, performance.now()));
  }

  /**
   * One turn of the loop: sends what the core wants sent, re-arms the timer whatever happened,
   * then tells listeners, once our state is settled, and last re-aims the leader probe. A failure
   * to encode or send loses that packet only; a failing step is reported as an 'error' event,
   * never thrown into a socket or timer callback.
   */
  #drive(run: () => Ready): void {
    let ready: Ready | undefined;
    try {
      ready = run();
      this.#sender.send(ready.messages);
    } catch (error) {
      this.#fail(withCode(error, 'ERR_MULTIBULLY_INTERNAL'));
    } finally {
      this.#timer.arm(this.#phase === 'running' ? this.#election.nextDeadline() : undefined);
    }
    try {
      if (ready === undefined) return;
      // The core faults by itself only when a claim of office was unheard (see Election.tick).
      if (this.#election.role === 'fault' && !this.#faults.fault) this.#faults.coreFaulted('send-failing');
      this.#report(ready.events);
      if (this.#phase === 'running') this.#faults.checkSendOutage();
    } finally {
      // After the listeners: opening or closing a probe socket costs syscalls (up to half a
      // millisecond), and a new leader's line and floating address come first. It reads the
      // state as the listeners left it (a listener's stop() leaves no probe).
      this.#syncProbe();
    }
  }

  #syncProbe(): void {
    const probing = this.#phase === 'running' && this.#channel.isOpen && this.#options.probeLeader;
    this.#prober.sync({
      target: probing ? this.#election.probeTarget : undefined,
      leaderRefusesProbes: this.#election.leaderRefusesProbes,
      nic: this.#nic,
      heartbeatMs: this.#election.options.heartbeatMs,
    });
  }

  /**
   * Tells listeners what the core reported, in the core's shapes. A listener that called stop()
   * ends the batch: nothing but stop's own events is reported after it.
   */
  #report(events: readonly CoreEvent[], fromStop = false): void {
    this.#counters.noteEvents(events);
    let reported = 0;
    try {
      for (const event of events) {
        if (!fromStop && this.#phase !== 'running') return;
        reported++;
        const { type, ...payload } = event;
        if (event.type === 'follower') {
          emitSafely(this, 'follower', { leader: leaderInfo(event.leader, event.metadata), term: event.term });
          continue;
        }
        emitSafely(this, type, payload as never);
        const fault = this.#faults.fault;
        if (event.type === 'state' && event.to === 'fault' && fault && this.#phase === 'running') emitSafely(this, 'fault', { ...fault });
      }
    } finally {
      // Logged once the listeners ran: a log line costs a write, and what a takeover's listeners
      // do (the floating address, the 'leader' line) comes first.
      for (const event of events.slice(0, reported)) logCoreEvent(this.#log, event);
    }
  }

  /** Node convention: an 'error' without listeners becomes an uncaught exception; logged first so it is never lost. */
  #fail(error: Error): void {
    this.#log.error({ err: error }, 'participant error');
    emitSafely(this, 'error', error);
  }

  /** A healthy NIC again: a fresh socket joined on its current index (a new address: a new identity and core). */
  #rejoin(status: InterfaceStatus): boolean {
    const nic: BoundInterface = { name: status.name, index: status.index, address: status.address!, scopeId: status.scopeId };
    try {
      this.#channel.openOn(nic);
    } catch (error) {
      this.#log.warn({ err: error, interface: status.name }, 'cannot rejoin the group yet; retrying every heartbeat');
      return false;
    }
    const address = nic.address;
    this.#nic = nic;
    this.#faults.rebound(this.#nic);
    if (address !== this.#self.address) {
      // Followers must learn the address we have now: a new identity, and a core that knows it.
      this.#log.warn({ from: this.#self.address, to: address }, 'the interface address changed; rejoining with the new one');
      this.#counters.retire(this.#election.counters);
      this.#self = identityOn(this.#options.id, address, this.#options.wire);
      this.#election = createElection(this.#options, this.#self, this.#metadata, this.#health.effectivePriority);
    }
    this.#log.info({ interface: status.name, index: status.index }, 'interface recovered; rejoined the group');
    return true;
  }
}
