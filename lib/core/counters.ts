// What the election core counts, for the Participant's stats and for tests.

export interface ElectionCounters {
  /** ELECTION rounds this node started (ELECTION messages sent). */
  elections: number;
  messagesSent: number;
  /** Messages from other nodes handed to receive(). */
  messagesReceived: number;
  /** Own looped-back messages ignored. */
  ownIgnored: number;
  /** COORDINATOR messages ignored because their term was not newer than our leader's. */
  staleIgnored: number;
  /** Messages from another start of our own (id, address). */
  conflicts: number;
  /** ELECTION/OK from a higher node carrying a term older than the current leader's. */
  staleHigherIgnored: number;
  /** Pending OKs dropped because a higher node spoke first. */
  okSuppressed: number;
  /** leaderUnreachable() hints that shortened the leader timeout. */
  leaderUnreachable: number;
  /** Leaders heard alive well after their host refused a probe (their refusals are ignored since). */
  probeContradicted: number;
}

export function zeroCounters(): ElectionCounters {
  return {
    elections: 0, messagesSent: 0, messagesReceived: 0, ownIgnored: 0, staleIgnored: 0, conflicts: 0, staleHigherIgnored: 0, okSuppressed: 0,
    leaderUnreachable: 0, probeContradicted: 0,
  };
}
