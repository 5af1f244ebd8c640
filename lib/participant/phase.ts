// The participant's lifecycle, apart from the election's roles.
import { codedError } from '../errors';

/**
 * While 'running', the core's role says the rest (candidate, leader, fault, …). 'start-failed'
 * reads as 'stopped' but lets start() be called again.
 */
export type Phase = 'new' | 'running' | 'stopping' | 'stopped' | 'start-failed';

/** start() where it is not allowed. A stopped participant stays stopped: its socket, timers and listeners are gone. */
export function cannotStart(phase: Phase): Error {
  const why = phase === 'running' ? 'it is already running' : 'it was stopped (by stop() or its signal); create a new Participant to take part again';
  return codedError('ERR_MULTIBULLY_STARTED', `participant cannot start: ${why}`);
}
