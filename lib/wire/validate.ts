// Checks a Message before encoding; both codecs share these so their errors read the same.
import { UINT64_MAX } from '../core/types';
import { parseAddress, unicastProblem, type ParsedAddress } from '../address';
import { describeValue } from '../errors';
import { wireRangeError, wireTypeError } from './errors';

export { checkMessage, checkMetadataSize } from '../core/message';

/** Accepts a bigint, or a non-negative safe integer number from untyped callers. */
export function toUint64(value: unknown, field: string): bigint {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
  else throw wireTypeError(`${field} must be a bigint (or a safe integer number), got ${describeValue(value)}`);
  if (big < 0n || big > UINT64_MAX) throw wireRangeError(`${field} must be in 0..2^64-1, got ${big}`);
  return big;
}

/** Valid sender addresses, parsed once: a node encodes its own address on every heartbeat. */
const senders = new Map<string, ParsedAddress>();

export function checkSenderAddress(text: unknown): ParsedAddress {
  if (typeof text !== 'string') throw wireTypeError(`message.from.address must be a string, got ${describeValue(text)}`);
  const cached = senders.get(text);
  if (cached) return cached;
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
  if (senders.size >= 256) senders.clear(); // bounded: a caller may encode for many senders
  senders.set(text, parsed);
  return parsed;
}
