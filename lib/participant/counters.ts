// Traffic counters exposed by Participant.counters.
import { DROP_REASONS, type DropReason } from '../wire';

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

/** Every reason at 0, so a counter reads 0 rather than undefined before its first drop. */
export function emptyDropCounts(): Record<ParticipantDropReason, number> {
  const counts = { own: 0, truncated: 0, 'wrong-interface': 0, 'not-group': 0 } as Record<ParticipantDropReason, number>;
  for (const reason of DROP_REASONS) counts[reason] = 0;
  return counts;
}

/**
 * The arrival rule (sent to our group, on the NIC it was joined on) is the socket's: its drops,
 * counted in the socket's stats, are reported as 'wrong-interface' and 'not-group'.
 */
export function addArrivalDrops(dropped: Record<ParticipantDropReason, number>, stats: { readonly otherInterface: number; readonly notGroup: number }): void {
  dropped['wrong-interface'] += stats.otherInterface;
  dropped['not-group'] += stats.notGroup;
}
