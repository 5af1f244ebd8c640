// The NIC as a fault domain, and the node's health. The interface monitor (rtnetlink on Linux),
// failing sends and the health checks decide whether this node can take part: a NIC that is down,
// gone or without an address of the group's family, sends that fail for longer than
// SEND_FAILING_HEARTBEATS, or a failed check of weight 0 put it in 'fault'; a healthy NIC brings
// it back with a fresh socket joined on the NIC's current index, once no check fails. What the
// participant does about it (drive the core, open sockets) it says through FaultActions.
import { performance } from 'node:perf_hooks';
import type { FaultReason, RecoveryReason } from '../core/types';
import { InterfaceMonitor, type InterfaceStatus } from '../socket';
import type { Logger, PacketLogger } from './logger';

/** Sends failing for longer than this many heartbeats put the participant in fault. */
const SEND_FAILING_HEARTBEATS = 1.5;

export interface Fault {
  readonly reason: FaultReason;
  readonly detail: string;
}

/** What the fault domain asks of the participant. */
export interface FaultActions {
  /** Leave office and any round (the core's fault()); the fault is set when this is called. */
  fault(reason: FaultReason): void;
  /** A healthy NIC: open a fresh socket on its current index; false when that fails (retried every heartbeat). */
  rejoin(status: InterfaceStatus): boolean;
  /** Take part again (the fault is cleared when this is called). */
  recover(reason: RecoveryReason): void;
  /** Sends an empty datagram to the group: true when it left, false when the queue was full; throws when it failed. */
  sendProbe(): boolean;
}

export interface FaultDomainOptions {
  readonly interfaceSpec: string | number;
  readonly family: 4 | 6;
  readonly heartbeatMs: number;
  readonly log: Logger;
  /** For the failures after the first of an outage: one per packet. */
  readonly packetLog: PacketLogger;
  readonly actions: FaultActions;
}

/** Sends have failed since `since` (performance.now()) and none has worked since; `electionFailed`: an ELECTION was among them. */
interface SendOutage {
  readonly since: number;
  error: unknown;
  electionFailed: boolean;
}

export class FaultDomain {
  readonly #options: FaultDomainOptions;
  #monitor: InterfaceMonitor | undefined;
  /** Why the node is in 'fault' (set exactly while it is). */
  #fault: Fault | undefined;
  /** While in fault: retries recovery every heartbeat (NIC re-read, or a probe send). */
  #retryTimer: NodeJS.Timeout | undefined;
  #sendOutage: SendOutage | undefined;
  /** Why a health check of weight 0 fails now, if one does: no recovery while it lasts. */
  #checkFailure: string | undefined;
  /** The NIC as bound now: a status with another index or address means it was replaced. */
  #bound: { index: number; address: string; name: string };

  constructor(options: FaultDomainOptions, bound: { index: number; address: string; name: string }) {
    this.#options = options;
    this.#bound = bound;
  }

  get fault(): Fault | undefined {
    return this.#fault;
  }

  /**
   * Nothing this node sent has left the host since an ELECTION failed: the round is unheard (see
   * Election.tick), so a claim of office would be baseless.
   */
  get unheard(): boolean {
    return this.#sendOutage?.electionFailed === true;
  }

  /** Starts watching the NIC (throws when the monitor cannot be opened), then reads it once. */
  open(): void {
    const monitor = new InterfaceMonitor({ spec: this.#options.interfaceSpec, family: this.#options.family });
    this.#monitor = monitor;
    monitor.on('change', (_previous, status) => this.#onStatus(status));
    monitor.on('error', (error) => this.#options.log.warn({ err: error }, 'interface monitor error; it falls back to polling'));
  }

  /** The NIC may have broken since the socket was opened: act on its status now. */
  check(): void {
    if (this.#monitor) this.#onStatus(this.#monitor.status());
  }

  close(): void {
    this.#stopRetrying();
    this.#monitor?.close();
    this.#monitor = undefined;
  }

  /** The participant rebound to this NIC (a fresh socket after a rejoin). */
  rebound(bound: { index: number; address: string; name: string }): void {
    this.#bound = bound;
  }

  noteSendFailure(error: unknown, type: string): void {
    // Warn once per outage, not on every heartbeat.
    if (this.#sendOutage) {
      this.#options.packetLog.debug({ err: error, type }, 'send failed');
      this.#sendOutage.error = error;
    } else {
      this.#options.log.warn({ err: error, type }, 'send failed; further failures are logged at debug until a send succeeds');
      this.#sendOutage = { since: performance.now(), error, electionFailed: false };
    }
    if (type === 'election') this.#sendOutage.electionFailed = true;
  }

  noteSendSuccess(type: string): void {
    if (this.#sendOutage) this.#options.log.info({ type }, 'sending works again');
    this.#sendOutage = undefined;
  }

  /**
   * After every step: sends that have failed for longer than one heartbeat and a half put the
   * node in fault. With room for the period to run late: a leader faults on its third failed
   * heartbeat in a row, never on two (as followers never fail over on two lost ones).
   */
  checkSendOutage(): void {
    const outage = this.#sendOutage;
    if (this.#fault || outage === undefined) return;
    const failingFor = performance.now() - outage.since;
    if (failingFor > SEND_FAILING_HEARTBEATS * this.#options.heartbeatMs) {
      this.#enter('send-failing', `sends to the group have failed for ${Math.round(failingFor)} ms (${describeError(outage.error)})`);
    }
  }

  /** A health check of weight 0 failed (`detail` says which and why), or none fails any more (undefined). */
  healthChanged(detail: string | undefined): void {
    this.#checkFailure = detail;
    if (detail !== undefined) {
      if (!this.#fault) this.#enter('check-failed', detail);
      else if (this.#fault.reason === 'check-failed') this.#fault = { reason: 'check-failed', detail };
      return;
    }
    if (this.#fault?.reason !== 'check-failed') return;
    // The NIC may have broken meanwhile: then that is the fault now.
    const problem = this.#monitor && nicProblem(this.#monitor.status(), this.#options.family);
    if (problem) this.#fault = problem;
    else this.#leave('check-recovered');
  }

  /** The core faulted by itself: its round was unheard (see `unheard`). */
  coreFaulted(reason: FaultReason): void {
    if (this.#fault) return;
    this.#begin(reason, `no packet could be sent since this round began (${describeError(this.#sendOutage?.error)})`);
  }

  #onStatus(status: InterfaceStatus): void {
    const problem = nicProblem(status, this.#options.family);
    if (problem) {
      if (!this.#fault) this.#enter(problem.reason, problem.detail);
      else if (this.#fault.reason === 'send-failing' || this.#fault.reason === 'check-failed') this.#fault = problem; // the NIC explains it
      return;
    }
    const bound = this.#bound;
    const moved = status.index !== bound.index || status.address !== bound.address;
    if (!this.#fault) {
      // Replaced between two reads (deleted and re-created): our membership went with the old one.
      if (moved) {
        this.#enter('nic-gone', `interface ${bound.name} (${bound.index}) was replaced by ${status.name} (${status.index})`);
        // (A listener may have stopped us on the fault: then the timer is gone and no new socket.)
        if (this.#retryTimer) this.#rejoin(status);
      }
      return;
    }
    if (this.#fault.reason.startsWith('nic-') || moved) this.#rejoin(status);
  }

  #enter(reason: FaultReason, detail: string): void {
    this.#begin(reason, detail);
    this.#options.actions.fault(reason);
  }

  #begin(reason: FaultReason, detail: string): void {
    this.#fault = { reason, detail };
    this.#options.log.warn({ reason, interface: this.#bound.name }, `fault: ${detail}; not taking part until it recovers`);
    this.#stopRetrying();
    // Ref'd like the election timer: a faulted participant is still running.
    this.#retryTimer = setInterval(() => this.#retry(), this.#options.heartbeatMs);
  }

  /** Every heartbeat while in fault: re-read the NIC, or probe whether sending works again. */
  #retry(): void {
    if (!this.#fault) return this.#stopRetrying();
    if (this.#fault.reason !== 'send-failing') return this.check();
    // An empty datagram tests the send path without saying anything: peers drop it as truncated.
    try {
      if (!this.#options.actions.sendProbe()) return;
    } catch (error) {
      if (this.#sendOutage) this.#sendOutage.error = error;
      return;
    }
    this.noteSendSuccess('probe');
    this.#leave('send-recovered');
  }

  #rejoin(status: InterfaceStatus): void {
    if (this.#options.actions.rejoin(status)) this.#leave('nic-recovered');
  }

  #leave(reason: RecoveryReason): void {
    this.#stopRetrying();
    // A fresh start on a recovered NIC: an earlier run of failed sends says nothing any more.
    this.#sendOutage = undefined;
    if (this.#checkFailure !== undefined && reason !== 'check-recovered') {
      this.#fault = { reason: 'check-failed', detail: this.#checkFailure };
      this.#options.log.warn({ reason: 'check-failed' }, `the interface works again, but ${this.#checkFailure}: still not taking part`);
      return;
    }
    this.#fault = undefined;
    this.#options.actions.recover(reason);
  }

  #stopRetrying(): void {
    clearInterval(this.#retryTimer);
    this.#retryTimer = undefined;
  }
}

/** Why the NIC cannot carry the election, or undefined when it can. */
function nicProblem(status: InterfaceStatus, family: 4 | 6): Fault | undefined {
  if (!status.present) return { reason: 'nic-gone', detail: 'the interface no longer exists' };
  if (!status.up) return { reason: 'nic-down', detail: `interface ${status.name} is down (not UP and RUNNING)` };
  if (status.address === undefined) return { reason: 'nic-no-address', detail: `interface ${status.name} has no IPv${family} address` };
  return undefined;
}

function describeError(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code ?? message ?? 'unknown error';
}
