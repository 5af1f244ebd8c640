export { Participant } from './participant';
export type { ParticipantEvents, LeaderInfo, BoundInterface } from './types';
export type { LeaderInfoJSON } from './leader-info';
export type { MetadataEncoding } from './metadata-text';
export type { WaitForLeaderOptions } from './wait-for-leader';
export { type ParticipantOptions, type ParticipantTimers } from './options';
export { type ParticipantCounters, type ParticipantDropReason } from './counters';
export { type Logger, type LogFn, silentLogger } from './logger';
export { newParticipant, Follower, Leader, type SeedCallback, type SeedParticipant, type SeedState } from './seed';
