// How the Participant delivers its events: synchronously, but a listener's exception never
// unwinds into the participant. It is rethrown on process.nextTick, where it surfaces as an
// ordinary 'uncaughtException' (so does an 'error' event without a listener, Node's convention).
import type { ParticipantEvents } from './types';

interface Emitter {
  emit(name: keyof ParticipantEvents, ...args: unknown[]): boolean;
}

export function emitSafely<K extends keyof ParticipantEvents>(emitter: Emitter, name: K, ...args: ParticipantEvents[K]): void {
  try {
    emitter.emit(name, ...args);
  } catch (error) {
    process.nextTick(() => {
      throw error;
    });
  }
}
