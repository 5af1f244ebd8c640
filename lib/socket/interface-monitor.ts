// InterfaceMonitor: watches ONE network interface (the fault domain of a participant) and
// emits 'change' (previous, current) whenever its status differs. On Linux the native side
// listens to rtnetlink link/address notifications; elsewhere the interface table is polled.
import { EventEmitter } from 'node:events';
import { nativeBinding, type NativeInterfaceMonitor } from './binding';
import { codedError, describeValue, rangeError, typeError } from '../errors';
import { checkOptionsObject } from '../validate';
import type { NetworkInterfaceInfo } from './interface-types';
import { checkInterfaceSpec, chooseAddress, listInterfaces, lookupInterface } from './interfaces';
import { assertFamily, type Family } from './validate';
import { canonicalAddress } from '../address';

/** What a participant needs to know about its interface, as of one read of the table. */
export interface InterfaceStatus {
  /** A NIC matching the spec exists (for an address spec: some NIC carries that address). */
  readonly present: boolean;
  /** '' when absent. */
  readonly name: string;
  /** 0 when absent. */
  readonly index: number;
  /** IFF_UP && IFF_RUNNING (administratively up and the link operational). */
  readonly up: boolean;
  /** The unicast address of the family this node would advertise (resolveInterface's rule); undefined when none. */
  readonly address: string | undefined;
  /** IPv6: the interface index (scope of link-local addresses); IPv4 and absent: 0. */
  readonly scopeId: number;
}

export interface InterfaceMonitorOptions {
  /** Interface name, index (number or decimal string) or a local address: "the NIC carrying it now". */
  readonly spec: string | number;
  readonly family: Family;
  /** Polling period when there is no netlink (non-Linux, or mode 'poll'), 10..2^31-1 ms. Default 1000. */
  readonly pollIntervalMs?: number;
  /**
   * 'auto' (default): netlink where available, else polling. 'netlink': fail (the native
   * error) instead of falling back. 'poll': always poll.
   */
  readonly mode?: 'auto' | 'netlink' | 'poll';
}

export interface InterfaceMonitorEvents {
  /** The status differs from the last one reported (or the initial one). */
  change: [previous: InterfaceStatus, current: InterfaceStatus];
  /** Re-reading the table failed, or the netlink socket failed (the monitor then polls). */
  error: [Error];
}

const DEFAULT_POLL_INTERVAL_MS = 1_000;
const MIN_POLL_INTERVAL_MS = 10;
const MAX_POLL_INTERVAL_MS = 2_147_483_647;

const ABSENT: InterfaceStatus = Object.freeze({ present: false, name: '', index: 0, up: false, address: undefined, scopeId: 0 });

export class InterfaceMonitor extends EventEmitter<InterfaceMonitorEvents> {
  readonly spec: string | number;
  readonly family: Family;
  readonly pollIntervalMs: number;
  #mode: 'netlink' | 'poll';
  #native: NativeInterfaceMonitor | undefined;
  #timer: NodeJS.Timeout | undefined;
  #pending: NodeJS.Immediate | undefined;
  #closed = false;
  #last: InterfaceStatus;

  constructor(options: InterfaceMonitorOptions) {
    super();
    checkOptionsObject(options, { code: 'ERR_MULTIBULLY_INVALID_ARGUMENT' });
    checkInterfaceSpec(options.spec);
    assertFamily(options.family);
    const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    if (
      typeof pollIntervalMs !== 'number' ||
      !Number.isInteger(pollIntervalMs) ||
      pollIntervalMs < MIN_POLL_INTERVAL_MS ||
      pollIntervalMs > MAX_POLL_INTERVAL_MS
    ) {
      throw rangeError(
        'ERR_MULTIBULLY_INVALID_ARGUMENT',
        `pollIntervalMs must be an integer ${MIN_POLL_INTERVAL_MS}..${MAX_POLL_INTERVAL_MS}, got ${describeValue(options.pollIntervalMs)}`,
      );
    }
    const mode = options.mode ?? 'auto';
    if (mode !== 'auto' && mode !== 'netlink' && mode !== 'poll') {
      throw typeError('ERR_MULTIBULLY_INVALID_ARGUMENT', `mode must be 'auto', 'netlink' or 'poll', got ${describeValue(options.mode)}`);
    }
    this.spec = options.spec;
    this.family = options.family;
    this.pollIntervalMs = pollIntervalMs;

    // Watch first, read second: a change between the two is then never missed.
    this.#native = mode === 'poll' ? undefined : openNative(mode === 'netlink');
    if (this.#native) {
      this.#mode = 'netlink';
      this.#native.onchange = () => this.#schedule();
      this.#native.onerror = (error) => this.#nativeFailed(error);
    } else {
      this.#mode = 'poll';
      this.#startPolling();
    }
    try {
      this.#last = this.status();
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** 'netlink' (event-driven) or 'poll' (fallback: every pollIntervalMs). */
  get mode(): 'netlink' | 'poll' {
    return this.#mode;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The current status, read synchronously from the interface table (listInterfaces()). */
  status(): InterfaceStatus {
    return interfaceStatus(this.spec, this.family, listInterfaces());
  }

  /** Idempotent; safe inside a 'change' listener (nothing more is emitted). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#pending) clearImmediate(this.#pending);
    this.#timer = undefined;
    this.#pending = undefined;
    const native = this.#native;
    this.#native = undefined;
    native?.close();
  }

  /** Several notifications before the immediate runs collapse into one re-read. */
  #schedule(): void {
    if (this.#closed || this.#pending) return;
    this.#pending = setImmediate(() => {
      this.#pending = undefined;
      this.#refresh();
    });
    this.#pending.unref();
  }

  #refresh(): void {
    if (this.#closed) return;
    let current: InterfaceStatus;
    try {
      current = this.status();
    } catch (error) {
      this.emit('error', error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const previous = this.#last;
    if (sameStatus(previous, current)) return;
    this.#last = current;
    this.emit('change', previous, current);
  }

  #startPolling(): void {
    this.#timer = setInterval(() => this.#refresh(), this.pollIntervalMs);
    this.#timer.unref();
  }

  /** The netlink socket failed: keep watching by polling, re-read now, and report it. */
  #nativeFailed(error: Error): void {
    if (this.#closed) return;
    const native = this.#native;
    this.#native = undefined;
    native?.close();
    this.#mode = 'poll';
    this.#startPolling();
    this.#schedule();
    this.emit('error', error);
  }
}

/**
 * The status of the interface `spec` designates in `interfaces` (pure; InterfaceMonitor uses
 * it on listInterfaces()). `spec` is matched like findInterface: a name, else an index (number
 * or decimal string), else a local address (a `%zone` is ignored) meaning the NIC that carries
 * it. The address is chosen like resolveInterface: the spec itself when it is an address of
 * `family` on that NIC, else IPv4 prefers non-169.254/16, IPv6 prefers non-fe80::/10.
 */
export function interfaceStatus(spec: string | number, family: Family, interfaces: readonly NetworkInterfaceInfo[]): InterfaceStatus {
  checkInterfaceSpec(spec);
  assertFamily(family);
  if (!Array.isArray(interfaces)) {
    throw typeError('ERR_MULTIBULLY_INVALID_ARGUMENT', `interfaces must be an array, got ${describeValue(interfaces)}`);
  }
  const nic = lookupInterface(spec, interfaces);
  if (!nic) return ABSENT;
  const candidates = nic.addresses.filter((a) => a.family === family);
  const chosen = candidates.length === 0 ? undefined : chooseAddress(spec, candidates);
  return Object.freeze({
    present: true,
    name: nic.name,
    index: nic.index,
    up: nic.flags.up && nic.flags.running,
    address: chosen === undefined ? undefined : canonicalAddress(chosen.address),
    scopeId: family === 6 ? nic.index : 0,
  });
}

function openNative(required: boolean): NativeInterfaceMonitor | undefined {
  const Native = nativeBinding().InterfaceMonitor;
  if (Native === undefined) {
    if (!required) return undefined;
    // The addon's own code for a missing platform feature.
    throw codedError('ERR_MULTIBULLY_UNSUPPORTED', `mode 'netlink' needs Linux (platform is ${process.platform})`);
  }
  try {
    return new Native();
  } catch (error) {
    // e.g. a sandbox without NETLINK_ROUTE: polling still works.
    if (required) throw error;
    return undefined;
  }
}

function sameStatus(a: InterfaceStatus, b: InterfaceStatus): boolean {
  return (
    a.present === b.present &&
    a.name === b.name &&
    a.index === b.index &&
    a.up === b.up &&
    a.address === b.address &&
    a.scopeId === b.scopeId
  );
}
