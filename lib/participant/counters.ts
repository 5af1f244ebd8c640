// Traffic counters exposed by Participant.counters.
import type { DropReason } from '../wire';

/** Why a received datagram was not handed to the election. */
export type ParticipantDropReason = DropReason | 'own' | 'truncated' | 'wrong-interface' | 'not-group';

export interface ParticipantCounters {
  /** Datagrams handed to the socket for sending. */
  sent: number;
  /** Sends that failed (buffer full, network down); the election tolerates lost packets. */
  sendFailures: number;
  /** Valid messages from other nodes fed to the election. */
  received: number;
  /** Datagrams not fed to the election, by reason. */
  dropped: Record<ParticipantDropReason, number>;
  /** Elections this node started. */
  elections: number;
}

export function droppedTotal(counters: ParticipantCounters): number {
  return Object.values(counters.dropped).reduce((sum, n) => sum + n, 0);
}
