// participant.waitForLeader(): a promise of the next leader this node knows (itself included),
// for code that needs one before it can go on ("where do I send writes?").
import { codedError } from '../errors';
import { checkOptionsObject } from '../validate';
import { abortReason } from './abort';
import { checkSignal } from './options';
import type { Participant } from './participant';
import type { LeaderInfo } from './types';

export interface WaitForLeaderOptions {
  /** Aborting rejects the promise with the signal's reason (e.g. AbortSignal.timeout(ms)). */
  readonly signal?: AbortSignal | undefined;
}

const KNOWN_OPTIONS = new Set(['signal']);

type Waitable = Pick<Participant, 'state' | 'leader' | 'on' | 'off'>;

/**
 * Resolves at once while the node leads or follows, else with the first leader it takes or
 * follows. Rejects when the signal aborts, or with ERR_MULTIBULLY_CLOSED once `stopped` aborts
 * (stop() was called: this participant will know no leader any more).
 */
export function waitForLeader(participant: Waitable, options: WaitForLeaderOptions, stopped: AbortSignal): Promise<LeaderInfo> {
  checkOptionsObject(options, { known: KNOWN_OPTIONS });
  const signal = checkSignal(options.signal);
  const closed = () => codedError('ERR_MULTIBULLY_CLOSED', 'the participant was stopped before it knew a leader');
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const known = participant.leader;
  if (known && (participant.state === 'leader' || participant.state === 'follower')) return Promise.resolve(known);
  if (stopped.aborted) return Promise.reject(closed());
  return new Promise((resolve, reject) => {
    const settle = (done: () => void): void => {
      participant.off('leader', onLeader);
      participant.off('follower', onFollower);
      stopped.removeEventListener('abort', onStop);
      signal?.removeEventListener('abort', onAbort);
      done();
    };
    const onLeader = (): void => settle(() => resolve(participant.leader!));
    const onFollower = ({ leader }: { leader: LeaderInfo }): void => settle(() => resolve(leader));
    const onStop = (): void => settle(() => reject(closed()));
    const onAbort = (): void => settle(() => reject(abortReason(signal!)));
    participant.on('leader', onLeader);
    participant.on('follower', onFollower);
    stopped.addEventListener('abort', onStop, { once: true });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
