// Traffic counters exposed by Participant.counters, in one vocabulary: every drop, whichever
// layer finds it (the socket's arrival rule, the codec, the core's own-packet rule), is one
// reason of ParticipantDropReason, counted once where it happens.
import type { ElectionCounters } from '../core';
import type { CoreEvent, FaultReason } from '../core/types';
import type { ArrivalDropReason } from '../socket';
import { DROP_REASONS, type DropReason } from '../wire';

/** Why a received datagram was not handed to the election. */
export type ParticipantDropReason = DropReason | ArrivalDropReason | 'own' | 'truncated' | 'not-peer';

export interface ParticipantCounters {
  /** Datagrams handed to the socket for sending. */
  sent: number;
  /** Sends that failed (buffer full, network down); the election tolerates lost packets. */
  sendFailures: number;
  /** With peers: datagrams a peer refused (ICMP port or host unreachable: its process or host is down). */
  peerUnreachable: number;
  /** Valid messages from other nodes fed to the election. */
  received: number;
  /** Datagrams not fed to the election, by reason. */
  dropped: Record<ParticipantDropReason, number>;
  /** Elections this node started. */
  elections: number;
  /** Times the leader this node knows changed: it took office, or followed a new leader or a new term of one. */
  leaderTransitions: number;
  /** Times this node entered 'fault', by reason. */
  faults: Record<FaultReason, number>;
}

/** Every fault reason at 0 (a reason added to FaultReason must be added here: the type says so). */
const NO_FAULTS: Readonly<Record<FaultReason, 0>> = { 'nic-down': 0, 'nic-no-address': 0, 'nic-gone': 0, 'send-failing': 0, 'check-failed': 0 };

/** Every reason at 0, so a counter reads 0 rather than undefined before its first drop. */
export function emptyDropCounts(): Record<ParticipantDropReason, number> {
  const counts = { own: 0, truncated: 0, 'wrong-interface': 0, 'not-group': 0, 'not-peer': 0 } as Record<ParticipantDropReason, number>;
  for (const reason of DROP_REASONS) counts[reason] = 0;
  return counts;
}

/**
 * The participant's counts. What the core counts (messages received, own packets, elections) is
 * read from it; the counts of a core replaced by a new identity are kept in `retired`.
 */
export class TrafficCounters {
  sent = 0;
  sendFailures = 0;
  peerUnreachable = 0;
  readonly #dropped = emptyDropCounts();
  readonly #retired = { received: 0, own: 0, elections: 0 };
  #leaderTransitions = 0;
  readonly #faults: Record<FaultReason, number> = { ...NO_FAULTS };

  drop(reason: Exclude<ParticipantDropReason, 'own'>): void {
    this.#dropped[reason]++;
  }

  /** Counts what the core reported: changes of leader, and faults. */
  noteEvents(events: readonly CoreEvent[]): void {
    for (const event of events) {
      if (event.type === 'leader' || event.type === 'follower') this.#leaderTransitions++;
      else if (event.type === 'state' && event.to === 'fault') {
        const reason = event.reason as FaultReason;
        this.#faults[reason] = (this.#faults[reason] ?? 0) + 1;
      }
    }
  }

  /** A core is being replaced: its counts stay in the totals. */
  retire(core: Readonly<ElectionCounters>): void {
    this.#retired.received += core.messagesReceived;
    this.#retired.own += core.ownIgnored;
    this.#retired.elections += core.elections;
  }

  snapshot(core: Readonly<ElectionCounters>): ParticipantCounters {
    return {
      sent: this.sent,
      sendFailures: this.sendFailures,
      peerUnreachable: this.peerUnreachable,
      received: this.#retired.received + core.messagesReceived,
      dropped: { ...this.#dropped, own: this.#retired.own + core.ownIgnored },
      elections: this.#retired.elections + core.elections,
      leaderTransitions: this.#leaderTransitions,
      faults: { ...this.#faults },
    };
  }
}
