// The Participant drives the pure election core with a real socket and a real clock:
// socket → decode → core → encode → socket, with one timer armed for the core's next deadline.
// It also treats its NIC as a fault domain: an interface monitor (rtnetlink on Linux) and failing
// sends put the core in 'fault'; a healthy NIC brings it back with a fresh socket joined on the
// NIC's current index.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { sameInstance, type Election } from '../core';
import type { ConflictReason, CoreEvent, FaultReason, Message, NodeIdentity, Ready, Role, StateReason, TermReason } from '../core/types';
import { InterfaceMonitor, MulticastSocket, resolveInterface, type Datagram, type NicStatus } from '../socket';
import { UnicastProbe } from '../socket/unicast-probe';
import { createGoCodec, createV1Codec, type Codec } from '../wire';
import { isLocalControlGroup, needsScope } from '../address';
import { addArrivalDrops, emptyDropCounts, type ParticipantCounters, type ParticipantDropReason } from './counters';
import { DropWarnings } from './drop-warnings';
import { codedError, withCode } from '../errors';
import { randomNonce } from './identity';
import type { Logger } from './logger';
import { createElection, resolveParticipantOptions, type ParticipantOptions, type ResolvedOptions, type ParticipantTimers } from './options';

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
  error: [Error];
}

/**
 * The participant's lifecycle; while 'running', the core's role says the rest (candidate, leader,
 * fault, …). 'start-failed' reads as 'stopped' but lets start() be called again.
 */
type Phase = 'new' | 'running' | 'stopping' | 'stopped' | 'start-failed';

/** Sends failing for longer than this many heartbeats put the participant in fault. */
const SEND_FAILING_HEARTBEATS = 1.5;

/** Why the NIC cannot carry the election, or undefined when it can. */
function nicProblem(status: NicStatus, family: 4 | 6): { reason: FaultReason; detail: string } | undefined {
  if (!status.present) return { reason: 'nic-gone', detail: 'the interface no longer exists' };
  if (!status.up) return { reason: 'nic-down', detail: `interface ${status.name} is down (not UP and RUNNING)` };
  if (status.address === undefined) return { reason: 'nic-no-address', detail: `interface ${status.name} has no IPv${family} address` };
  return undefined;
}

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
  /** The NIC as bound now (the user's spec is #options.nicSpec): its index changes when the NIC is re-created. */
  #nic: BoundInterface;
  #self: NodeIdentity;
  readonly #codec: Codec;
  #election: Election;
  readonly #log: Logger;
  /** Our own traffic counts (with closed sockets' arrival drops); the open socket's and `elections` are added when read. */
  readonly #counters: Omit<ParticipantCounters, 'elections'>;
  #socket: MulticastSocket | undefined;
  #monitor: InterfaceMonitor | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** A due timer's step, run after the loop's I/O phase (see #armTimer). */
  #timerStep: NodeJS.Immediate | undefined;
  #phase: Phase = 'new';
  #stopping: Promise<void> | undefined;
  /**
   * Sends have failed since `since` (performance.now()) and none has worked since (its warning was
   * logged once); `electionFailed`: an ELECTION was among them.
   */
  #sendOutage: { readonly since: number; error: unknown; electionFailed: boolean } | undefined;
  /** Why the core is in 'fault' (set exactly while it is). */
  #fault: { reason: FaultReason; detail: string } | undefined;
  /** While in fault: retries recovery every heartbeat (probe send, NIC re-read). */
  #faultTimer: NodeJS.Timeout | undefined;
  /** Near the top of the followers: asks the leader's host whether its port is still bound. */
  #probe: UnicastProbe | undefined;
  /** Warns (rate-limited) about peers that use another secret, key or cluster: created on first use. */
  #dropWarnings: DropWarnings | undefined;
  readonly #onAbort = (): void => {
    this.stop().catch((error: unknown) => this.#fail(withCode(error, 'ERR_MULTIBULLY_INTERNAL')));
  };

  /** Validates every option and resolves the NIC; throws before anything is opened. */
  constructor(options: ParticipantOptions) {
    super();
    const resolved = resolveParticipantOptions(options);
    this.#options = resolved;
    this.#log = resolved.logger.child?.({ component: 'multibully' }) ?? resolved.logger;
    if (isLocalControlGroup(resolved.group)) {
      this.#log.warn({ group: resolved.group.group }, 'the group is in 224.0.0.0/24, the local network control block that routing protocols use; prefer 239.0.0.0/8');
    }
    const { name, index, address, scopeId } = resolveInterface(resolved.nicSpec, resolved.group.family);
    this.#nic = { name, index, address, scopeId };
    this.#self = this.#identity(address);
    this.#codec = resolved.wire === 'go'
      ? createGoCodec()
      : createV1Codec({
          cluster: resolved.cluster,
          ...(resolved.keys !== undefined && { keys: resolved.keys }),
          ...(resolved.sendKeyId !== undefined && { sendKeyId: resolved.sendKeyId }),
        });
    this.#election = createElection(resolved, this.#self);
    this.#counters = { sent: 0, sendFailures: 0, received: 0, dropped: emptyDropCounts() };
  }

  /** Current role: 'idle' before start(), 'fault' while the interface is broken, 'stopped' after stop() or a failed start(). */
  get state(): Role {
    return this.#phase === 'stopped' || this.#phase === 'start-failed' ? 'stopped' : this.#election.role;
  }

  /** The leader this node knows (itself when leading), or undefined. */
  get leader(): LeaderInfo | undefined {
    const leader = this.#election.leader;
    return leader && leaderInfo(leader, this.#election.leaderMetadata);
  }

  get term(): bigint {
    return this.#election.term;
  }

  /** Own identity: id, advertised unicast address and per-start nonce. */
  get self(): NodeIdentity {
    return this.#self;
  }

  get interface(): BoundInterface {
    return this.#nic;
  }

  get group(): { group: string; port: number; family: 4 | 6 } {
    return { ...this.#options.group };
  }

  /** The election timers in force (defaults filled in), e.g. to derive a failover bound. */
  get timers(): ParticipantTimers {
    const { heartbeatMs, misses, okWaitMs, failoverOkWaitMs, coordinatorWaitMs, skewStepMs, maxSkewRank } = this.#election.options;
    return { heartbeatMs, misses, okWaitMs, failoverOkWaitMs, coordinatorWaitMs, skewStepMs, maxSkewRank };
  }

  get counters(): ParticipantCounters {
    const dropped = { ...this.#counters.dropped };
    if (this.#socket) addArrivalDrops(dropped, this.#socket.stats);
    return { ...this.#counters, dropped, elections: this.#election.counters.elections };
  }

  /**
   * Opens the socket, joins the group on the NIC and starts the election. After a failed
   * start() (the socket could not be set up) it may be called again.
   */
  async start(): Promise<void> {
    if (this.#phase !== 'new' && this.#phase !== 'start-failed') throw codedError('ERR_MULTIBULLY_STARTED', `participant cannot start: it is ${this.#phase}`);
    const signal = this.#options.signal;
    if (signal?.aborted) {
      this.#phase = 'stopped';
      throw signal.reason ?? Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
    }
    let monitor: InterfaceMonitor;
    try {
      this.#socket = this.#openSocket(this.#nic.index);
      monitor = new InterfaceMonitor({ spec: this.#options.nicSpec, family: this.#options.group.family });
    } catch (error) {
      this.#closeSocket();
      this.#phase = 'start-failed';
      throw withCode(error, 'ERR_MULTIBULLY_SOCKET');
    }
    this.#monitor = monitor;
    monitor.on('change', (_previous, status) => this.#onInterfaceChange(status));
    monitor.on('error', (error) => this.#log.warn({ err: error }, 'interface monitor error; it falls back to polling'));
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#phase = 'running';
    const { group, port } = this.#options.group;
    this.#log.info({ group: `${group}:${port}`, interface: this.#nic.name, id: this.#self.id, address: this.#self.address }, 'participant started');
    this.#step(() => this.#election.start(performance.now()));
    // The NIC may have broken between the constructor and now.
    this.#onInterfaceChange(monitor.status());
  }

  /** Resigns if leading, closes the socket. Idempotent; safe before start(). */
  stop(): Promise<void> {
    this.#stopping ??= this.#stopNow();
    return this.#stopping;
  }

  async #stopNow(): Promise<void> {
    const wasRunning = this.#phase === 'running';
    this.#phase = 'stopping';
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    clearTimeout(this.#timer);
    clearImmediate(this.#timerStep);
    this.#timer = this.#timerStep = undefined;
    this.#stopFaultTimer();
    this.#monitor?.close();
    this.#monitor = undefined;
    this.#probe?.close();
    this.#probe = undefined;
    let events: readonly CoreEvent[] = [];
    try {
      if (wasRunning) {
        const ready = this.#election.stop(performance.now());
        events = ready.events;
        this.#send(ready.messages);
      }
    } finally {
      // Whatever happened while resigning, the socket is released (its fd is closed on return).
      this.#closeSocket();
      this.#phase = 'stopped';
    }
    this.#log.info({ id: this.#self.id }, 'participant stopped');
    this.#report(events, true);
  }

  // ---- one step: socket or timer → core → socket, timer, listeners -------------------------

  /** A socket bound to the port, joined and sending on the NIC with this index, taking group datagrams only. */
  #openSocket(index: number): MulticastSocket {
    const { group, port, family } = this.#options.group;
    // The socket enforces the arrival rule: sent to our group, on the NIC it was joined on.
    const socket = new MulticastSocket({ family, groupsOnly: true });
    try {
      socket.bind(port);
      socket.join(group, index);
      socket.setMulticastInterface(index);
      socket.setTTL(this.#options.ttl);
      socket.setLoopback(this.#options.loopback);
    } catch (error) {
      socket.close();
      throw error;
    }
    socket.on('message', (datagram) => this.#onDatagram(socket, datagram));
    socket.on('error', (error) => this.#fail(error));
    return socket;
  }

  /** Closes the socket, keeping what its arrival rule dropped. */
  #closeSocket(): void {
    if (!this.#socket) return;
    addArrivalDrops(this.#counters.dropped, this.#socket.stats);
    this.#socket.close();
    this.#socket = undefined;
  }

  #onDatagram(socket: MulticastSocket, datagram: Datagram): void {
    if (this.#phase !== 'running' || socket !== this.#socket) return;
    if (datagram.truncated) return this.#drop('truncated', 'datagram larger than the receive buffer');
    const decoded = this.#codec.decode(datagram.data);
    if (!decoded.ok) return this.#drop(decoded.reason, decoded.detail, datagram.address);
    const message: Message = decoded.message;
    if (sameInstance(message.from, this.#self)) {
      this.#counters.dropped.own++;
      return;
    }
    this.#counters.received++;
    this.#log.trace?.({ type: message.type, from: message.from.id, address: message.from.address, term: message.term }, 'received');
    this.#step(() => this.#election.receive(message, performance.now()));
  }

  #drop(reason: ParticipantDropReason, detail: string, from?: string): void {
    this.#counters.dropped[reason]++;
    this.#log.debug({ reason, detail, from }, 'dropped datagram');
    (this.#dropWarnings ??= new DropWarnings(this.#log)).note(reason, from, detail);
  }

  /**
   * Runs one core step: sends what the core wants sent, re-arms the one timer whatever happened,
   * then tells listeners, once our state is settled. A failure to encode or send loses that packet
   * only; a failing step is reported as an 'error' event, never thrown into a socket or timer callback.
   */
  #step(run: () => Ready): void {
    let ready: Ready;
    try {
      ready = run();
      this.#send(ready.messages);
    } catch (error) {
      return this.#fail(withCode(error, 'ERR_MULTIBULLY_INTERNAL'));
    } finally {
      this.#armTimer();
      this.#syncProbe();
    }
    const outage = this.#sendOutage;
    if (outage?.electionFailed && !this.#fault && ready.events.some((event) => event.type === 'leader')) {
      // A baseless claim: not one packet of the round that made us leader left this host (its
      // ELECTION included), so nobody heard it. Fault at once instead of reporting office.
      return this.#enterFault('send-failing', `no packet could be sent since this round began (${describeError(outage.error)})`, ready);
    }
    this.#report(ready.events);
    const failingFor = outage === undefined ? 0 : performance.now() - outage.since;
    // Longer than one heartbeat, with room for the period to run late: a leader faults on its third
    // failed heartbeat in a row, never on two (as followers never fail over on two lost ones).
    if (this.#phase === 'running' && !this.#fault && failingFor > SEND_FAILING_HEARTBEATS * this.#election.options.heartbeatMs) {
      this.#enterFault('send-failing', `sends to the group have failed for ${Math.round(failingFor)} ms (${describeError(outage?.error)})`);
    }
  }

  #send(messages: readonly Message[]): void {
    const socket = this.#socket;
    if (!socket) return;
    const { group, port } = this.#options.group;
    for (const message of messages) {
      let packet: Buffer;
      try {
        packet = this.#codec.encode(message);
      } catch (error) {
        // A bug, never an input: logged and counted, the election goes on as after a lost packet.
        this.#counters.sendFailures++;
        this.#log.error({ err: error, type: message.type }, 'cannot encode a message; it is not sent');
        continue;
      }
      let delivered: boolean;
      try {
        delivered = socket.send(packet, group, port);
      } catch (error) {
        // A down link or a missing route loses this packet; the election copes with loss, and
        // failures that last over a heartbeat put the participant in fault.
        this.#noteSendFailure(error, message.type);
        continue;
      }
      if (delivered) {
        this.#counters.sent++;
        this.#noteSendSuccess(message.type);
        this.#log.trace?.({ type: message.type, term: message.term }, 'sent');
      } else {
        this.#counters.sendFailures++;
        this.#log.debug({ type: message.type }, 'send would block; packet dropped');
      }
    }
  }

  #noteSendFailure(error: unknown, what: string): void {
    this.#counters.sendFailures++;
    // Warn once per outage, not on every heartbeat.
    if (this.#sendOutage) {
      this.#log.debug({ err: error, type: what }, 'send failed');
      this.#sendOutage.error = error;
    } else {
      this.#log.warn({ err: error, type: what }, 'send failed; further failures are logged at debug until a send succeeds');
      this.#sendOutage = { since: performance.now(), error, electionFailed: false };
    }
    if (what === 'election') this.#sendOutage.electionFailed = true;
  }

  #noteSendSuccess(what: string): void {
    if (this.#sendOutage) this.#log.info({ type: what }, 'sending works again');
    this.#sendOutage = undefined;
  }

  #armTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const deadline = this.#election.nextDeadline();
    if (deadline === undefined || this.#phase !== 'running') return;
    // Ref'd on purpose: a running participant keeps the process alive. The step itself runs in
    // setImmediate, after the loop has read the sockets: a timer that fires late (a busy loop, many
    // participants in one process) then acts on what has arrived meanwhile, e.g. a higher node's
    // ELECTION during our skew, instead of on a stale view.
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerStep ??= setImmediate(() => {
        this.#timerStep = undefined;
        if (this.#phase === 'running') this.#step(() => this.#election.tick(performance.now()));
      });
    }, Math.ceil(Math.max(0, deadline - performance.now())));
  }

  /**
   * Probes the leader the core names (see Election.probeTarget) every half heartbeat, so that a
   * leader whose process died while its host stays up is given up after 1.5 heartbeats instead
   * of misses + ½. Only the v1 follower next in line probes; everyone else closes its probe.
   */
  #syncProbe(): void {
    const target = this.#phase === 'running' && this.#socket && this.#options.probeLeader ? this.#election.probeTarget : undefined;
    if (this.#probe !== undefined && this.#probe.peer === target?.address) return;
    if (this.#probe !== undefined && this.#election.leaderRefusesProbes) {
      this.#log.warn({ leader: this.#probe.peer }, "the leader's host answers our probe with ICMP port unreachable while the leader is alive (a firewall reject rule?); not probing it any more: allow unicast UDP to the group port from the LAN, or use --no-probe");
    }
    this.#probe?.close();
    this.#probe = undefined;
    if (target === undefined) return;
    const { family, port } = this.#options.group;
    const address = target.address;
    try {
      this.#probe = new UnicastProbe({
        family, address, port,
        ...(needsScope(address) && { scopeId: this.#nic.index }),
        interfaceName: this.#nic.name,
        periodMs: Math.max(1, this.#election.options.heartbeatMs / 2),
        onRefused: () => {
          if (this.#phase === 'running') this.#step(() => this.#election.leaderUnreachable(performance.now(), address));
        },
      });
    } catch (error) {
      // Only an accelerator: without it the leader timeout still applies.
      this.#log.debug({ err: error, leader: address }, 'cannot probe the leader');
    }
  }

  /**
   * Tells listeners what the core reported, in the core's shapes. A listener that called stop()
   * ends the batch: nothing but stop's own events is reported after it.
   */
  #report(events: readonly CoreEvent[], fromStop = false): void {
    for (const event of events) {
      if (!fromStop && this.#phase !== 'running') return;
      const { type, ...payload } = event;
      switch (event.type) {
        case 'state':
          this.#log.info(payload, 'state change');
          break;
        case 'term':
          this.#log.debug(payload, 'term raised');
          break;
        case 'conflict':
          this.#log.warn({ otherNonce: event.other.nonce.toString(), reason: event.reason }, `another instance uses our id ${event.other.id} and address ${event.other.address}`);
          break;
        case 'follower':
          this.#deliver('follower', { leader: leaderInfo(event.leader, event.metadata), term: event.term });
          continue;
      }
      this.#deliver(type, payload as never);
      if (event.type === 'state' && event.to === 'fault' && this.#fault && this.#phase === 'running') this.#deliver('fault', { ...this.#fault });
    }
  }

  /** Emits one event; a listener's exception is rethrown outside our call stack. */
  #deliver<K extends keyof ParticipantEvents>(name: K, ...args: ParticipantEvents[K]): void {
    try {
      (this.emit as (name: K, ...args: ParticipantEvents[K]) => boolean)(name, ...args);
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }

  /** Node convention: an 'error' without listeners becomes an uncaught exception; logged first so it is never lost. */
  #fail(error: Error): void {
    this.#log.error({ err: error }, 'participant error');
    this.#deliver('error', error);
  }

  // ---- the NIC as a fault domain ------------------------------------------------------------

  #onInterfaceChange(status: NicStatus): void {
    if (this.#phase !== 'running') return;
    const problem = nicProblem(status, this.#options.group.family);
    if (problem) {
      if (!this.#fault) this.#enterFault(problem.reason, problem.detail);
      else if (this.#fault.reason === 'send-failing') this.#fault = problem; // the NIC explains it
      return;
    }
    const moved = status.index !== this.#nic.index || status.address !== this.#self.address;
    if (!this.#fault) {
      // Replaced between two reads (deleted and re-created): our membership went with the old one.
      if (moved) {
        this.#enterFault('nic-gone', `interface ${this.#nic.name} (${this.#nic.index}) was replaced by ${status.name} (${status.index})`);
        // (A listener may have stopped us on the fault: then no new socket.)
        if (this.#phase === 'running') this.#rejoin(status);
      }
      return;
    }
    if (this.#fault.reason !== 'send-failing' || moved) this.#rejoin(status);
  }

  /** `claim`: a batch whose claim of office is void; it is reported as candidate → fault. */
  #enterFault(reason: FaultReason, detail: string, claim?: Ready): void {
    this.#fault = { reason, detail };
    this.#log.warn({ reason, interface: this.#nic.name }, `fault: ${detail}; not taking part until it recovers`);
    this.#stopFaultTimer();
    // Ref'd like the election timer: a faulted participant is still running.
    this.#faultTimer = setInterval(() => this.#retryRecovery(), this.#election.options.heartbeatMs);
    this.#step(() => {
      const ready = this.#election.fault(performance.now(), reason);
      return claim ? withoutClaim(claim, ready) : ready;
    });
  }

  /** Every heartbeat while in fault: re-read the NIC, or probe whether sending works again. */
  #retryRecovery(): void {
    if (this.#phase !== 'running' || !this.#fault) return this.#stopFaultTimer();
    if (this.#fault.reason !== 'send-failing') {
      if (this.#monitor) this.#onInterfaceChange(this.#monitor.status());
      return;
    }
    // An empty datagram tests the send path without saying anything: peers drop it as truncated.
    const socket = this.#socket;
    if (!socket) return;
    try {
      if (!socket.send(Buffer.alloc(0), this.#options.group.group, this.#options.group.port)) return;
    } catch (error) {
      if (this.#sendOutage) this.#sendOutage.error = error;
      return;
    }
    this.#noteSendSuccess('probe');
    this.#leaveFault('send-recovered');
  }

  /** A healthy NIC again: a fresh socket joined on its current index, then a round. */
  #rejoin(status: NicStatus): void {
    let socket: MulticastSocket;
    try {
      socket = this.#openSocket(status.index);
    } catch (error) {
      this.#log.warn({ err: error, interface: status.name }, 'cannot rejoin the group yet; retrying every heartbeat');
      return;
    }
    this.#closeSocket();
    this.#socket = socket;
    const address = status.address!;
    this.#nic = { name: status.name, index: status.index, address, scopeId: status.scopeId };
    const renumbered = address !== this.#self.address;
    if (renumbered) {
      // Followers must learn the address we have now: a new identity, and a core that knows it.
      this.#log.warn({ from: this.#self.address, to: address }, 'the interface address changed; rejoining with the new one');
      this.#self = this.#identity(address);
      this.#election = createElection(this.#options, this.#self);
    }
    this.#log.info({ interface: status.name, index: status.index }, 'interface recovered; rejoined the group');
    this.#leaveFault('nic-recovered', renumbered);
  }

  /** `fresh`: the core is new (a new identity) and starts, reported as the way out of 'fault'. */
  #leaveFault(reason: 'nic-recovered' | 'send-recovered', fresh = false): void {
    this.#fault = undefined;
    this.#stopFaultTimer();
    // A fresh start on a recovered NIC: an earlier run of failed sends says nothing any more.
    this.#sendOutage = undefined;
    this.#step(() => fresh ? asRecovery(this.#election.start(performance.now()), reason) : this.#election.recover(performance.now(), reason));
  }

  #stopFaultTimer(): void {
    clearInterval(this.#faultTimer);
    this.#faultTimer = undefined;
  }

  /** A per-start identity on this address (the Go wire has no nonce). */
  #identity(address: string): NodeIdentity {
    return { id: this.#options.id, address, nonce: this.#options.wire === 'go' ? 0n : randomNonce() };
  }
}

function leaderInfo(leader: NodeIdentity, metadata: Uint8Array | undefined): LeaderInfo {
  return { id: leader.id, address: leader.address, ...(metadata !== undefined && { metadata }) };
}

/** A fresh core's start, reported as the way out of 'fault' (the participant's role was 'fault'). */
function asRecovery(ready: Ready, reason: 'nic-recovered' | 'send-recovered'): Ready {
  const events = ready.events.map((event) =>
    event.type === 'state' && event.from === 'idle' ? { ...event, from: 'fault' as const, reason } : event);
  return { messages: ready.messages, events };
}

/** A batch that took office, merged with the fault that voids it: as if the claim never happened. */
function withoutClaim(claim: Ready, fault: Ready): Ready {
  const before = claim.events.find((event) => event.type === 'state' && event.to === 'leader');
  const kept = claim.events.filter((event) => event.type !== 'leader' && !(event.type === 'state' && event.to === 'leader'));
  const faults = fault.events.map((event) =>
    event.type === 'state' && before?.type === 'state' ? { ...event, from: before.from } : event);
  // The claim's own messages were sent (tried) already.
  return { messages: fault.messages, events: [...kept, ...faults] };
}

function describeError(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code ?? message ?? 'unknown error';
}
