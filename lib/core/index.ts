// The pure election core: no I/O, no clock, no ambient randomness.
export * from './types';
export { Election, type ElectionCounters } from './election';
export {
  resolveElectionOptions,
  checkElectionSettings,
  checkElectionMode,
  GO_ELECTION_MS,
  GO_FOLLOWER_TIMEOUT_MS,
  MAX_SKEW_RANK,
  type ElectionMode,
  type ElectionOptions,
  type ResolvedElectionOptions,
} from './options';
export { comparePriority, compareInstance, addressBytes, sameNode, sameInstance } from './priority';
export { termNewer, nextTerm } from './term';
export { seededRandom } from './random';
