// The one check of a Message handed in by an untyped caller (Election.receive, the encoders).
import { describeValue, rangeError, typeError } from '../errors';
import { INELIGIBLE_PRIORITY, MAX_METADATA_BYTES, MAX_PRIORITY, MESSAGE_TYPES, type Message } from './types';

/**
 * Checks the shape of a Message and returns it. The encoders range-check each field afterwards
 * (and accept safe-integer numbers there); the core, which computes with the fields, asks for
 * `bigints`: a bigint term and a { id: bigint, address: string, nonce: bigint } sender.
 */
export function checkMessage(message: unknown, { bigints = false } = {}): Message {
  const m = message as Message;
  const problem =
    typeof m !== 'object' || m === null ? `message must be an object, got ${describeValue(m)}`
    : !(MESSAGE_TYPES as readonly unknown[]).includes(m.type) ? `message.type must be one of ${MESSAGE_TYPES.join(', ')}, got ${describeValue(m.type)}`
    : typeof m.from !== 'object' || m.from === null ? `message.from must be an object, got ${describeValue(m.from)}`
    : m.metadata !== undefined && !(m.metadata instanceof Uint8Array) ? `message.metadata must be a Uint8Array, got ${describeValue(m.metadata)}`
    : m.priority !== undefined && !isPriority(m.priority) ? `message.priority must be an integer in ${INELIGIBLE_PRIORITY}..${MAX_PRIORITY}, got ${describeValue(m.priority)}`
    : m.successor !== undefined && (typeof m.successor !== 'object' || m.successor === null) ? `message.successor must be an object, got ${describeValue(m.successor)}`
    : m.successor !== undefined && m.type !== 'resign' ? `message.successor is only carried by resign messages, not ${m.type}`
    : !bigints ? undefined
    : typeof m.term !== 'bigint' ? `message.term must be a bigint, got ${describeValue(m.term)}`
    : typeof m.from.id !== 'bigint' || typeof m.from.address !== 'string' || typeof m.from.nonce !== 'bigint'
      ? 'message.from must be { id: bigint, address: string, nonce: bigint }'
    : m.successor !== undefined && (typeof m.successor.id !== 'bigint' || typeof m.successor.address !== 'string' || typeof m.successor.nonce !== 'bigint')
      ? 'message.successor must be { id: bigint, address: string, nonce: bigint }'
      : undefined;
  if (problem !== undefined) throw typeError('ERR_INVALID_ARG_TYPE', problem);
  return m;
}

/** The leader's metadata rides in every COORDINATOR, one datagram: at most MAX_METADATA_BYTES. */
export function checkMetadataSize(metadata: Uint8Array, name: string): void {
  if (metadata.length <= MAX_METADATA_BYTES) return;
  throw rangeError('ERR_OUT_OF_RANGE', `${name} must be at most ${MAX_METADATA_BYTES} bytes, got ${metadata.length}`);
}

/** A priority as messages carry it: an integer 0 (ineligible) .. MAX_PRIORITY. */
export function isPriority(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= INELIGIBLE_PRIORITY && value <= MAX_PRIORITY;
}
