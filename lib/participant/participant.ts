// The Participant drives the pure election core with a real socket and a real clock:
// socket → decode → core → encode → socket, with one timer armed for the core's next deadline.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Election, sameInstance, type ElectionOptions } from '../core';
import type { CoreEvent, Message, NodeIdentity, Ready, Role } from '../core/types';
import { MulticastSocket, resolveInterface, type Datagram } from '../socket';
import { createGoCodec, createV1Codec, parseAddress, type Codec } from '../wire';
import { isLocalControlGroup } from './address';
import { emptyDropCounts, type ParticipantCounters, type ParticipantDropReason } from './counters';
import { codedError, withCode } from '../errors';
import { cryptoRandom, randomNonce } from './identity';
import type { Logger } from './logger';
import { checkElectionOptions, resolveParticipantOptions, type ParticipantOptions, type ResolvedOptions, type ParticipantTimers } from './options';

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
  leader: [{ term: bigint }];
  follower: [{ leader: LeaderInfo; term: bigint }];
  state: [{ from: Role; to: Role; reason: string; term: bigint }];
  conflict: [{ other: NodeIdentity; reason: string }];
  error: [Error];
}

type Phase = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

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
  readonly #nic: BoundInterface;
  readonly #self: NodeIdentity;
  readonly #codec: Codec;
  readonly #election: Election;
  readonly #log: Logger;
  /** Our own traffic counts; `elections` comes from the core when read. */
  readonly #counters: Omit<ParticipantCounters, 'elections'>;
  #socket: MulticastSocket | undefined;
  #timer: NodeJS.Timeout | undefined;
  #phase: Phase = 'new';
  #stopping: Promise<void> | undefined;
  #sendFailing = false;
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
    const nic = resolveInterface(resolved.interfaceSpec, resolved.group.family);
    this.#nic = { name: nic.name, index: nic.index, address: nic.address, scopeId: nic.scopeId };
    this.#self = { id: resolved.id, address: nic.address, nonce: resolved.wire === 'go' ? 0n : randomNonce() };
    this.#codec = resolved.wire === 'go'
      ? createGoCodec()
      : createV1Codec({
          cluster: resolved.cluster,
          ...(resolved.keys !== undefined && { keys: resolved.keys }),
          ...(resolved.sendKeyId !== undefined && { sendKeyId: resolved.sendKeyId }),
        });
    const electionOptions: ElectionOptions = {
      self: this.#self,
      mode: resolved.wire,
      random: cryptoRandom,
      ...(resolved.heartbeatMs !== undefined && { heartbeatMs: resolved.heartbeatMs }),
      ...(resolved.misses !== undefined && { misses: resolved.misses }),
      ...(resolved.okWaitMs !== undefined && { okWaitMs: resolved.okWaitMs }),
      ...(resolved.failoverOkWaitMs !== undefined && { failoverOkWaitMs: resolved.failoverOkWaitMs }),
      ...(resolved.coordinatorWaitMs !== undefined && { coordinatorWaitMs: resolved.coordinatorWaitMs }),
      ...(resolved.preempt !== undefined && { preempt: resolved.preempt }),
      ...(resolved.metadata !== undefined && { metadata: resolved.metadata }),
    };
    this.#election = new Election(checkElectionOptions(electionOptions));
    this.#counters = { sent: 0, sendFailures: 0, received: 0, dropped: emptyDropCounts() };
  }

  /** Current role: 'idle' before start(), 'stopped' after stop() or a failed start(). */
  get state(): Role {
    return this.#phase === 'stopped' ? 'stopped' : this.#election.role;
  }

  /** The leader this node knows (itself when leading), or undefined. */
  get leader(): LeaderInfo | undefined {
    const leader = this.#election.leader;
    if (!leader) return undefined;
    const metadata = this.#election.leaderMetadata;
    return { id: leader.id, address: leader.address, ...(metadata !== undefined && { metadata }) };
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
    return { ...this.#counters, dropped: { ...this.#counters.dropped }, elections: this.#election.counters.elections };
  }

  /** Opens the socket, joins the group on the NIC and starts the election. */
  async start(): Promise<void> {
    if (this.#phase !== 'new') throw codedError('ERR_MULTIBULLY_STARTED', `participant cannot start: it is ${this.#phase}`);
    const signal = this.#options.signal;
    if (signal?.aborted) {
      this.#phase = 'stopped';
      throw signal.reason ?? Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
    }
    this.#phase = 'starting';
    const { group, port, family } = this.#options.group;
    const socket = new MulticastSocket({ family });
    try {
      socket.bind(port);
      socket.join(group, this.#nic.index);
      socket.setMulticastInterface(this.#nic.index);
      socket.setTTL(this.#options.ttl);
      socket.setLoopback(this.#options.loopback);
    } catch (error) {
      socket.close();
      this.#phase = 'stopped';
      throw withCode(error, 'ERR_MULTIBULLY_SOCKET');
    }
    this.#socket = socket;
    socket.on('message', (datagram) => this.#onDatagram(datagram));
    socket.on('error', (error) => this.#fail(error));
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#phase = 'running';
    this.#log.info({ group: `${group}:${port}`, interface: this.#nic.name, id: this.#self.id, address: this.#self.address }, 'participant started');
    this.#apply(this.#election.start(performance.now()));
  }

  /** Resigns if leading, closes the socket. Idempotent; safe before start(). */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopping = this.#stopNow();
    return this.#stopping;
  }

  async #stopNow(): Promise<void> {
    const wasRunning = this.#phase === 'running';
    this.#phase = 'stopping';
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    let ready: Ready = { messages: [], events: [] };
    try {
      if (wasRunning) ready = this.#election.stop(performance.now());
      this.#send(ready.messages);
    } finally {
      // Whatever happened while resigning, the socket is released.
      this.#socket?.close();
      this.#socket = undefined;
      this.#phase = 'stopped';
    }
    this.#log.info({ id: this.#self.id }, 'participant stopped');
    this.#emitAll(ready.events, true);
  }

  #onDatagram(datagram: Datagram): void {
    if (this.#phase !== 'running') return;
    if (datagram.truncated) return this.#drop('truncated', 'datagram larger than the receive buffer');
    // The socket only receives groups on the NIC it joined; this guards the separation anyway.
    if (datagram.interfaceIndex !== this.#nic.index && datagram.interfaceIndex !== 0) {
      return this.#drop('wrong-interface', `arrived on interface ${datagram.interfaceIndex}`);
    }
    // Election traffic is multicast: a datagram unicast to our port is not from the group.
    if (!this.#sentToGroup(datagram.destination)) {
      return this.#drop('not-group', `sent to ${datagram.destination}, not to the group`, datagram.address);
    }
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

  /** Compares canonical texts; an empty destination means the platform did not report it. */
  #sentToGroup(destination: string): boolean {
    const group = this.#options.group.group;
    if (destination === group || destination === '') return true;
    const zone = destination.indexOf('%');
    return parseAddress(zone < 0 ? destination : destination.slice(0, zone))?.text === group;
  }

  #drop(reason: ParticipantDropReason, detail: string, from?: string): void {
    this.#counters.dropped[reason]++;
    this.#log.debug({ reason, detail, from }, 'dropped datagram');
  }

  #onTimer(): void {
    this.#timer = undefined;
    if (this.#phase !== 'running') return;
    this.#step(() => this.#election.tick(performance.now()));
  }

  /** Runs one core step from a socket or timer callback: our own failure never escapes as a throw. */
  #step(run: () => Ready): void {
    let ready: Ready;
    try {
      ready = run();
    } catch (error) {
      this.#fail(withCode(error, 'ERR_MULTIBULLY_INTERNAL'));
      return;
    }
    this.#apply(ready);
  }

  /** Sends what the core wants sent, re-arms the one timer, then tells listeners. */
  #apply(ready: Ready): void {
    try {
      this.#send(ready.messages);
      this.#armTimer();
    } catch (error) {
      this.#fail(withCode(error, 'ERR_MULTIBULLY_INTERNAL'));
      return;
    }
    // Listeners run last, once our state is settled.
    this.#emitAll(ready.events);
  }

  #send(messages: readonly Message[]): void {
    const socket = this.#socket;
    if (!socket) return;
    const { group, port } = this.#options.group;
    for (const message of messages) {
      const packet = this.#codec.encode(message);
      let delivered: boolean;
      try {
        delivered = socket.send(packet, group, port);
      } catch (error) {
        // A down link or a missing route loses this packet; the election copes with loss.
        this.#counters.sendFailures++;
        // Warn once per outage, not on every heartbeat.
        if (this.#sendFailing) this.#log.debug({ err: error, type: message.type }, 'send failed');
        else this.#log.warn({ err: error, type: message.type }, 'send failed; further failures are logged at debug until a send succeeds');
        this.#sendFailing = true;
        continue;
      }
      if (delivered) {
        this.#counters.sent++;
        if (this.#sendFailing) this.#log.info({ type: message.type }, 'sending works again');
        this.#sendFailing = false;
        this.#log.trace?.({ type: message.type, term: message.term }, 'sent');
      } else {
        this.#counters.sendFailures++;
        this.#log.debug({ type: message.type }, 'send would block; packet dropped');
      }
    }
  }

  #armTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const deadline = this.#election.nextDeadline();
    if (deadline === undefined || this.#phase !== 'running') return;
    const delay = Math.max(0, deadline - performance.now());
    // Ref'd on purpose: a running participant keeps the process alive.
    this.#timer = setTimeout(() => this.#onTimer(), Math.ceil(delay));
  }

  #emitAll(events: readonly CoreEvent[], fromStop = false): void {
    for (const event of events) {
      // A listener that called stop() ends the batch: nothing is reported after 'stopped'.
      if (!fromStop && this.#phase !== 'running') return;
      this.#emitOne(event);
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

  #emitOne(event: CoreEvent): void {
    switch (event.type) {
      case 'state':
        this.#log.info({ from: event.from, to: event.to, reason: event.reason, term: event.term }, 'state change');
        this.#deliver('state', { from: event.from, to: event.to, reason: event.reason, term: event.term });
        break;
      case 'leader':
        this.#deliver('leader', { term: event.term });
        break;
      case 'follower': {
        const leader: LeaderInfo = {
          id: event.leader.id,
          address: event.leader.address,
          ...(event.metadata !== undefined && { metadata: event.metadata }),
        };
        this.#deliver('follower', { leader, term: event.term });
        break;
      }
      case 'conflict':
        this.#log.warn({ other: event.other, reason: event.reason }, 'another node uses our id and address');
        this.#deliver('conflict', { other: event.other, reason: event.reason });
        break;
    }
  }

  /** Node convention: an 'error' without listeners becomes an uncaught exception; logged first so it is never lost. */
  #fail(error: Error): void {
    this.#log.error({ err: error }, 'participant error');
    this.#deliver('error', error);
  }
}
