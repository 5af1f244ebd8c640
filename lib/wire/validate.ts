// Checks a Message before encoding; both codecs share these so their errors read the same.
import { UINT64_MAX, type Message, type MessageType } from '../core/types';
import { parseAddress, unicastProblem, type ParsedAddress } from '../core/address';
import { describeValue } from '../errors';
import { wireRangeError, wireTypeError } from './errors';

export const MESSAGE_TYPES: readonly MessageType[] = ['election', 'ok', 'coordinator', 'resign'];

/** Accepts a bigint, or a non-negative safe integer number from untyped callers. */
export function toUint64(value: unknown, field: string): bigint {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
  else throw wireTypeError(`${field} must be a bigint (or a safe integer number), got ${describeValue(value)}`);
  if (big < 0n || big > UINT64_MAX) throw wireRangeError(`${field} must be in 0..2^64-1, got ${big}`);
  return big;
}

export function checkMessage(message: unknown): Message {
  if (typeof message !== 'object' || message === null) {
    throw wireTypeError(`message must be an object, got ${describeValue(message)}`);
  }
  const m = message as Message;
  if (!MESSAGE_TYPES.includes(m.type)) {
    throw wireTypeError(`message.type must be one of ${MESSAGE_TYPES.join(', ')}, got ${describeValue(m.type)}`);
  }
  if (typeof m.from !== 'object' || m.from === null) {
    throw wireTypeError(`message.from must be an object, got ${describeValue(m.from)}`);
  }
  if (m.metadata !== undefined && !(m.metadata instanceof Uint8Array)) {
    throw wireTypeError(`message.metadata must be a Uint8Array, got ${describeValue(m.metadata)}`);
  }
  return m;
}

export function checkSenderAddress(text: unknown): ParsedAddress {
  if (typeof text !== 'string') throw wireTypeError(`message.from.address must be a string, got ${describeValue(text)}`);
  const parsed = parseAddress(text);
  if (!parsed) {
    throw wireRangeError(
      `message.from.address ${JSON.stringify(text)} is not an IPv4 or IPv6 address (zone ids are not allowed)`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  const problem = unicastProblem(parsed);
  if (problem) {
    throw wireRangeError(`message.from.address ${JSON.stringify(text)} ${problem}`, 'ERR_INVALID_ARG_VALUE');
  }
  return parsed;
}
