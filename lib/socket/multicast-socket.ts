// MulticastSocket: the typed wrapper around the native UDP socket.
import { EventEmitter } from 'node:events';
import { nativeBinding, type NativeUdpSocket } from './binding';
import { isMulticast, needsScope } from '../address';
import { codedError, describeValue, rangeError, typeError } from '../errors';
import { checkOptionsObject } from '../validate';
import { findInterface, resolveInterface } from './interfaces';
import type { ResolvedInterface } from './interface-types';
import {
  assertBoolean,
  assertFamily,
  assertPayload,
  assertPort,
  assertTTL,
  parseSocketAddress,
  parseGroup,
  type Family,
} from './validate';

/** One received datagram. */
export interface Datagram {
  readonly data: Buffer;
  /** Source address and port. */
  readonly address: string;
  readonly port: number;
  /** Index of the interface the datagram arrived on (IP_PKTINFO / IPV6_PKTINFO). */
  readonly interfaceIndex: number;
  /** Destination address from the IP header: the group for multicast. */
  readonly destination: string;
  /** True when the datagram was longer than maxDatagramSize and was cut (MSG_TRUNC). */
  readonly truncated: boolean;
  /** TTL / hop limit the datagram arrived with; -1 if the platform did not report it. */
  readonly hopLimit: number;
}

export interface MulticastSocketOptions {
  readonly family: Family;
  /** Receive buffer per datagram, 1..65536 bytes; longer datagrams arrive truncated. Default 65536. */
  readonly maxDatagramSize?: number;
  /** Deliver group datagrams only: drop datagrams unicast to the port (stats.notGroup). Default false. */
  readonly groupsOnly?: boolean;
}

export interface MulticastSocketStats {
  sent: number;
  received: number;
  truncated: number;
  /** Sends refused with EAGAIN/ENOBUFS (send() returned false). */
  sendWouldBlock: number;
  /** Sends that threw. */
  sendErrors: number;
  receiveErrors: number;
  /**
   * Group datagrams dropped because they arrived on an interface this socket did not join the
   * group on. Linux does this filtering for IPv4 (IP_MULTICAST_ALL off) but not for IPv6.
   */
  otherInterface: number;
  /** With `groupsOnly`: datagrams dropped because they were unicast to the port, not sent to a group. */
  notGroup: number;
  /**
   * With `groupsOnly`: empty datagrams unicast to the port, dropped silently. Peers send them to
   * learn whether this port is still bound (lib/socket/unicast-probe.ts); they are not traffic.
   */
  probes: number;
}

/**
 * Why the arrival rule dropped a datagram: a group datagram on a NIC this socket did not join the
 * group on, or (with `groupsOnly`) one unicast to the port. Counted in stats.otherInterface and
 * stats.notGroup.
 */
export type ArrivalDropReason = 'wrong-interface' | 'not-group';

export interface MulticastSocketEvents {
  message: [Datagram];
  /** A datagram the arrival rule dropped (probes excepted: see stats.probes). */
  drop: [ArrivalDropReason];
  error: [Error];
  close: [];
}

const DEFAULT_MAX_DATAGRAM_SIZE = 65_536;

// meta per datagram, as written by BatchReceiver::BatchArguments (native/udp_receive.cc).
const META_FIELDS = 8;
const M_OFFSET = 0;
const M_LENGTH = 1;
const M_SOURCE = 2;
const M_PORT = 3;
const M_IFINDEX = 4;
const M_DESTINATION = 5;
const M_TRUNCATED = 6;
const M_HOP_LIMIT = 7;

/** Datagrams of a batch not yet delivered because a listener threw: delivered before any newer one. */
interface Backlog {
  count: number;
  next: number;
  payload: Buffer;
  meta: Int32Array;
  addresses: string[];
}

export class MulticastSocket extends EventEmitter<MulticastSocketEvents> {
  readonly family: Family;
  #native: NativeUdpSocket | undefined;
  #bound = false;
  #multicastInterfaceIndex = 0;
  readonly #stats: MulticastSocketStats = {
    sent: 0,
    received: 0,
    truncated: 0,
    sendWouldBlock: 0,
    sendErrors: 0,
    receiveErrors: 0,
    otherInterface: 0,
    notGroup: 0,
    probes: 0,
  };
  readonly #groupsOnly: boolean;
  /** `${group}%${interfaceIndex}` for every join, to filter what the kernel lets through. */
  readonly #memberships = new Set<string>();
  /** Interface index → destination text → the arrival rule's verdict (undefined: accepted); cleared on join/leave. */
  readonly #arrivals = new Map<number, Map<string, ArrivalDropReason | undefined>>();
  #backlog: Backlog | undefined;

  constructor(options: MulticastSocketOptions) {
    super();
    checkOptionsObject(options, { code: 'ERR_MULTIBULLY_INVALID_ARGUMENT' });
    assertFamily(options.family);
    const maxDatagramSize = options.maxDatagramSize ?? DEFAULT_MAX_DATAGRAM_SIZE;
    if (!Number.isInteger(maxDatagramSize) || maxDatagramSize < 1 || maxDatagramSize > 65_536) {
      throw rangeError(
        'ERR_MULTIBULLY_INVALID_ARGUMENT',
        `maxDatagramSize must be an integer 1..65536, got ${describeValue(options.maxDatagramSize)}`,
      );
    }
    assertBoolean(options.groupsOnly ?? false, 'groupsOnly');
    this.family = options.family;
    this.#groupsOnly = options.groupsOnly === true;
    const native = new (nativeBinding().UdpSocket)(this.family, maxDatagramSize) as NativeUdpSocket;
    native.onbatch = (count, payload, meta, addresses) => {
      if (this.#backlog !== undefined) this.#flushBacklog(native);
      this.#deliverBatch(native, { count, next: 0, payload, meta, addresses });
    };
    native.onerror = (error) => {
      this.#stats.receiveErrors++;
      this.emit('error', error);
    };
    this.#native = native;
  }

  /**
   * Binds with SO_REUSEADDR so several sockets on one host share the port. SO_REUSEPORT only on
   * BSD/macOS: on Linux it hands each group datagram to one socket of the port (docs/SOCKET.md).
   */
  bind(port: number, address?: string): void {
    const native = this.#open();
    assertPort(port, 0, 'port');
    const local = address === undefined ? (this.family === 4 ? '0.0.0.0' : '::') : parseSocketAddress(address, this.family, 'bind address').address;
    if (this.#bound) throw codedError('ERR_MULTIBULLY_ALREADY_BOUND', 'socket is already bound');
    native.bind(port, local);
    this.#bound = true;
  }

  /** Joins `group` on exactly one interface (name, index or local address). */
  join(group: string, spec: string | number): ResolvedInterface {
    const native = this.#open();
    const address = parseGroup(group, this.family);
    const resolved = resolveInterface(spec, this.family);
    native.join(address, resolved.index);
    this.#memberships.add(`${address}%${resolved.index}`);
    this.#arrivals.clear();
    return resolved;
  }

  leave(group: string, spec: string | number): void {
    const native = this.#open();
    const address = parseGroup(group, this.family);
    const index = resolveInterface(spec, this.family).index;
    native.leave(address, index);
    this.#memberships.delete(`${address}%${index}`);
    this.#arrivals.clear();
  }

  /** Sends multicast out of exactly this interface, whatever the routing table says. */
  setMulticastInterface(spec: string | number): ResolvedInterface {
    const native = this.#open();
    const resolved = resolveInterface(spec, this.family);
    native.setMulticastInterface(resolved.index);
    this.#multicastInterfaceIndex = resolved.index;
    return resolved;
  }

  /** Multicast TTL (IPv4) or hop limit (IPv6), 0..255. The default is 1: the local link only. */
  setTTL(hops: number): void {
    const native = this.#open();
    assertTTL(hops);
    native.setTTL(hops);
  }

  getTTL(): number {
    return this.#open().getTTL();
  }

  /** Whether this host's own sockets hear what this socket sends (on non-loopback interfaces). */
  setLoopback(on: boolean): void {
    const native = this.#open();
    assertBoolean(on, 'loopback');
    native.setLoopback(on);
  }

  getLoopback(): boolean {
    return this.#open().getLoopback();
  }

  /** SO_BINDTODEVICE (Linux, needs CAP_NET_RAW): fails with code EPERM when not permitted. */
  bindToDevice(name: string): void {
    const native = this.#open();
    if (typeof name !== 'string' || name === '') {
      throw typeError('ERR_MULTIBULLY_INVALID_ARGUMENT', `device name must be a non-empty string, got ${describeValue(name)}`);
    }
    native.bindToDevice(findInterface(name).name);
  }

  /**
   * Sends one datagram without blocking. Returns false (and counts it) when the kernel queue
   * is full (EAGAIN/ENOBUFS); throws other errors with code/errno/syscall. Link-scoped IPv6
   * destinations use the `%zone` of `address` or else the multicast interface's scope id.
   */
  send(data: Uint8Array, address: string, port: number): boolean {
    const native = this.#open();
    assertPayload(data, this.family);
    const destination = parseSocketAddress(address, this.family, 'destination');
    assertPort(port, 1, 'destination port');
    let scopeId = 0;
    if (destination.zone !== undefined) scopeId = findInterface(destination.zone).index;
    else if (needsScope(destination.address)) scopeId = this.#multicastInterfaceIndex;
    let sent: boolean;
    try {
      sent = native.send(data, destination.address, port, scopeId);
    } catch (error) {
      this.#stats.sendErrors++;
      throw error;
    }
    if (sent) this.#stats.sent++;
    else this.#stats.sendWouldBlock++;
    return sent;
  }

  address(): { address: string; port: number } {
    return this.#open().address();
  }

  /** Keeps the event loop alive while bound (the default). */
  ref(): this {
    this.#open().ref();
    return this;
  }

  /** Lets the process exit even while this socket is bound. */
  unref(): this {
    this.#open().unref();
    return this;
  }

  get closed(): boolean {
    return this.#native === undefined;
  }

  get stats(): Readonly<MulticastSocketStats> {
    return { ...this.#stats };
  }

  /** Idempotent; safe inside a 'message' listener (no further messages are delivered). */
  close(): void {
    const native = this.#native;
    if (native === undefined) return;
    this.#native = undefined;
    native.close();
    process.nextTick(() => this.emit('close'));
  }

  /**
   * Emits one 'message' (or 'drop') per datagram of a batch, in order. Stops when a listener closes
   * the socket. A listener that throws: the exception surfaces as an 'uncaughtException' (from
   * setImmediate), and the rest of the batch is delivered after it, before any newer datagram.
   */
  #deliverBatch(native: NativeUdpSocket, batch: Backlog): void {
    const { count, payload, meta, addresses } = batch;
    while (batch.next < count) {
      if (this.#native !== native) return;
      const base = batch.next++ * META_FIELDS;
      const destination = addresses[meta[base + M_DESTINATION]!]!;
      const interfaceIndex = meta[base + M_IFINDEX]!;
      const refusal = this.#refusal(destination, interfaceIndex);
      if (refusal === 'not-group' && meta[base + M_LENGTH] === 0) {
        this.#stats.probes++;
        continue;
      }
      if (refusal !== undefined) {
        this.#stats[refusal === 'not-group' ? 'notGroup' : 'otherInterface']++;
        if (!this.#emitFromBatch(native, batch, 'drop', refusal)) return;
        continue;
      }
      const offset = meta[base + M_OFFSET]!;
      const truncated = meta[base + M_TRUNCATED] === 1;
      const datagram: Datagram = {
        data: count === 1 ? payload : payload.subarray(offset, offset + meta[base + M_LENGTH]!),
        address: addresses[meta[base + M_SOURCE]!]!,
        port: meta[base + M_PORT]!,
        interfaceIndex,
        destination,
        truncated,
        hopLimit: meta[base + M_HOP_LIMIT]!,
      };
      this.#stats.received++;
      if (truncated) this.#stats.truncated++;
      if (!this.#emitFromBatch(native, batch, 'message', datagram)) return;
    }
  }

  /** One event of a batch; false when its listener threw (the rest of the batch is then delivered later). */
  #emitFromBatch<K extends 'message' | 'drop'>(native: NativeUdpSocket, batch: Backlog, name: K, ...args: MulticastSocketEvents[K]): boolean {
    try {
      (this.emit as (name: K, ...args: MulticastSocketEvents[K]) => boolean)(name, ...args);
      return true;
    } catch (error) {
      setImmediate(() => {
        throw error;
      });
      if (batch.next < batch.count) {
        // meta is reused by the next batch: keep a copy of the rest.
        this.#backlog = { ...batch, meta: batch.meta.slice(0, batch.count * META_FIELDS) };
        setImmediate(() => this.#flushBacklog(native));
      }
      return false;
    }
  }

  #flushBacklog(native: NativeUdpSocket): void {
    const backlog = this.#backlog;
    if (backlog === undefined) return;
    this.#backlog = undefined;
    this.#deliverBatch(native, backlog);
  }

  /**
   * The arrival rule, in one place: a group datagram is accepted only from an interface this
   * socket joined that group on (else 'wrong-interface'); with `groupsOnly`, a datagram unicast
   * to the port is dropped too ('not-group'). An unreported destination ('') passes.
   */
  #refusal(destination: string, interfaceIndex: number): ArrivalDropReason | undefined {
    let byDestination = this.#arrivals.get(interfaceIndex);
    if (byDestination?.has(destination)) return byDestination.get(destination);
    // The verdict is cached per destination, so the shared multicast rule runs once per address.
    const refusal = isMulticast(destination)
      ? (this.#memberships.has(`${destination}%${interfaceIndex}`) ? undefined : 'wrong-interface')
      : (this.#groupsOnly && destination !== '' ? 'not-group' : undefined);
    // Bounded: unicast sources could otherwise grow it without end.
    if (byDestination === undefined || byDestination.size >= 64) {
      if (this.#arrivals.size >= 16) this.#arrivals.clear();
      byDestination = new Map();
      this.#arrivals.set(interfaceIndex, byDestination);
    }
    byDestination.set(destination, refusal);
    return refusal;
  }

  #open(): NativeUdpSocket {
    if (this.#native === undefined) throw codedError('ERR_MULTIBULLY_SOCKET_CLOSED', 'socket is closed');
    return this.#native;
  }
}
