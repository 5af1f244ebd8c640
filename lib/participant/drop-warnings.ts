// Visible misconfiguration: packets dropped because a peer uses another secret, another key id,
// no authentication, or another cluster on our group are each a sign of a misconfigured node, not
// of line noise. At the default log level the participant warns about them, naming the sender's
// address and the reason, at most once per (address, reason) per interval. The per-packet debug
// line stays as it is.
// Bounded: forged traffic from many source addresses cannot grow the table without limit nor
// flood the log; beyond `maxPeers` live entries further senders are counted and summed up in one
// line per interval.
import { performance } from 'node:perf_hooks';
import type { TrafficCounters, ParticipantDropReason } from './counters';
import type { Logger, PacketLogger } from './logger';

/** The drop reasons that point at a misconfigured peer. */
export const WARNED_DROP_REASONS = ['bad-tag', 'unknown-key', 'unauthenticated', 'other-cluster', 'not-peer'] as const;
export type WarnedDropReason = (typeof WARNED_DROP_REASONS)[number];

function isWarnedDropReason(reason: string): reason is WarnedDropReason {
  return (WARNED_DROP_REASONS as readonly string[]).includes(reason);
}

const EXPLANATION: Record<WarnedDropReason, string> = {
  'bad-tag': 'fail authentication (bad-tag): the sender signs with another secret for this key id',
  'unknown-key': 'fail authentication (unknown-key): they are signed with a key id this node does not have (or this node has no secret)',
  unauthenticated: 'fail authentication (unauthenticated): they carry no HMAC and this node requires a secret',
  'other-cluster': 'belong to another cluster (other-cluster) on this group:port',
  'not-peer': 'come from an address that is not in the peer list (not-peer): add it to every node\'s list, or it is a stranger',
};

export interface DropWarningsOptions {
  /** At most one line per (address, reason) per this many ms. Default 10 000. */
  readonly intervalMs?: number;
  /** Live (address, reason) entries kept at most. Default 64. */
  readonly maxPeers?: number;
  /** Milliseconds, monotonic. Default performance.now. */
  readonly now?: () => number;
}

export class DropWarnings {
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #maxPeers: number;
  readonly #now: () => number;
  /** `${reason} ${address}` → when it was last warned about. */
  readonly #lastWarned = new Map<string, number>();
  /** Senders not warned about individually because the table was full, since #overflowSince. */
  #overflow = 0;
  #overflowSince: number | undefined;

  constructor(logger: Logger, options: DropWarningsOptions = {}) {
    this.#log = logger;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#maxPeers = options.maxPeers ?? 64;
    this.#now = options.now ?? (() => performance.now());
  }

  /** A datagram was dropped for `reason`; warns when it is a misconfiguration not warned about lately. */
  note(reason: string, from: string | undefined, detail: string): void {
    if (!isWarnedDropReason(reason)) return;
    const address = from === undefined || from === '' ? 'an unknown address' : from;
    if (!this.#due(`${reason} ${address}`)) return;
    this.#log.warn({ from: address, reason, detail }, `packets from ${address} ${EXPLANATION[reason]}; they are dropped (at most one warning per sender and reason every ${Math.round(this.#intervalMs / 1000)} s)`);
  }

  /** A peer refused our datagrams (`code`: ECONNREFUSED, EHOSTUNREACH, …); warns as note() does, rate-limited per peer. */
  unreachable(peer: string, code: string): void {
    if (!this.#due(`unreachable ${peer}`)) return;
    const why = code === 'ECONNREFUSED'
      ? 'nothing listens on its port (its participant is not running)'
      : code === 'ENETUNREACH' ? 'there is no route to it (ENETUNREACH)' : `it is unreachable (${code}: the host is down or not on the network)`;
    this.#log.warn({ peer, code }, `peer ${peer} does not take our datagrams: ${why}; it stays in the list (at most one warning per peer every ${Math.round(this.#intervalMs / 1000)} s)`);
  }

  /** Whether `key` may be warned about now (and records that it was): the one rate limit and bound of both kinds of line. */
  #due(key: string): boolean {
    const now = this.#now();
    const last = this.#lastWarned.get(key);
    if (last !== undefined && now - last < this.#intervalMs) return false;
    if (last === undefined && this.#lastWarned.size >= this.#maxPeers) {
      this.#prune(now);
      if (this.#lastWarned.size >= this.#maxPeers) {
        this.#noteOverflow(now);
        return false;
      }
    }
    this.#lastWarned.set(key, now);
    return true;
  }

  #prune(now: number): void {
    for (const [key, at] of this.#lastWarned) if (now - at >= this.#intervalMs) this.#lastWarned.delete(key);
  }

  #noteOverflow(now: number): void {
    this.#overflow++;
    if (this.#overflowSince !== undefined && now - this.#overflowSince < this.#intervalMs) return;
    this.#log.warn({ senders: this.#maxPeers, more: this.#overflow }, `misconfigured or forged packets from more than ${this.#maxPeers} sender/reason pairs; further ones are not warned about individually`);
    this.#overflowSince = now;
    this.#overflow = 0;
  }
}

/** What happens to every datagram the participant drops, and to every refusal of a peer: counted, a debug line, and the warnings above. */
export class DropReports {
  readonly #counters: TrafficCounters;
  readonly #log: Logger;
  readonly #packetLog: PacketLogger;
  /** Made on first use: most nodes never drop a misconfigured packet. */
  #warnings: DropWarnings | undefined;

  constructor(counters: TrafficCounters, log: Logger, packetLog: PacketLogger) {
    this.#counters = counters;
    this.#log = log;
    this.#packetLog = packetLog;
  }

  dropped(reason: Exclude<ParticipantDropReason, 'own'>, detail: string, from?: string): void {
    this.#counters.drop(reason);
    this.#packetLog.debug({ reason, detail, from }, 'dropped datagram');
    (this.#warnings ??= new DropWarnings(this.#log)).note(reason, from, detail);
  }

  /** A peer ("addr:port") refused a datagram with `code`. */
  unreachable(peer: string, code: string | undefined): void {
    this.#counters.peerUnreachable++;
    this.#packetLog.debug({ peer, code }, 'peer unreachable');
    (this.#warnings ??= new DropWarnings(this.#log)).unreachable(peer, code ?? 'error');
  }
}
