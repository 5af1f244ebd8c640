// The pure election core: no I/O, no clock, no ambient randomness.
export * from './types';
export { Election } from './election';
export type { ElectionCounters } from './counters';
export {
  resolveElectionOptions,
  checkElectionSettings,
  checkElectionMode,
  checkPriority,
  checkHoldMs,
  GO_ELECTION_MS,
  GO_FOLLOWER_TIMEOUT_MS,
  MAX_SKEW_RANK,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_MISSES,
  type ElectionMode,
  type ElectionOptions,
  type ResolvedElectionOptions,
} from './options';
export { comparePriority, compareInstance, addressBytes, sameNode, sameInstance, type RankedNode } from './priority';
export { termNewer, nextTerm } from './term';
export { seededRandom } from './random';
