// What one call into the core puts out: messages to multicast, numbered here, and events, handed
// to the driver together as one Ready.
import type { CoreEvent, Message, MessageType, NodeIdentity, Ready } from './types';

/** Nothing came out (also what calls before start() and after stop() return). */
export const EMPTY_READY: Ready = Object.freeze({ messages: Object.freeze([]), events: Object.freeze([]) });

export interface OutgoingFields {
  readonly priority?: number | undefined;
  readonly metadata?: Uint8Array | undefined;
  readonly successor?: NodeIdentity | undefined;
  readonly flags?: number;
}

export class Outbox {
  readonly #from: NodeIdentity;
  #seq = 0n;
  #messages: Message[] = [];
  #events: CoreEvent[] = [];

  constructor(from: NodeIdentity) {
    this.#from = from;
  }

  /** One message; `priority` undefined in go mode (its format has none). */
  send(type: MessageType, term: bigint, { priority, metadata, successor, flags = 0 }: OutgoingFields = {}): void {
    this.#seq += 1n;
    this.#messages.push({
      type, term, from: this.#from, seq: this.#seq, flags,
      ...(priority !== undefined && { priority }),
      ...(metadata !== undefined && { metadata }),
      ...(successor !== undefined && { successor }),
    });
  }

  emit(event: CoreEvent): void {
    this.#events.push(event);
  }

  /** Everything since the last flush. */
  flush(): Ready {
    if (this.#messages.length === 0 && this.#events.length === 0) return EMPTY_READY;
    const ready: Ready = { messages: this.#messages, events: this.#events };
    this.#messages = [];
    this.#events = [];
    return ready;
  }
}
