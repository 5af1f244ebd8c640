// The addresses of a Message before encoding (its sender's, a RESIGN's successor's); both codecs
// share it so their errors read the same.
import { parseAddress, unicastProblem, type ParsedAddress } from '../address';
import { describeValue, rangeError, typeError } from '../errors';

/** Valid sender addresses, parsed once: a node encodes its own address on every heartbeat. */
const senders = new Map<string, ParsedAddress>();

export function checkSenderAddress(text: unknown, path = 'message.from.address'): ParsedAddress {
  if (typeof text !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `${path} must be a string, got ${describeValue(text)}`);
  const cached = senders.get(text);
  if (cached) return cached;
  const parsed = parseAddress(text);
  if (!parsed) {
    throw rangeError('ERR_INVALID_ARG_VALUE', `${path} ${JSON.stringify(text)} is not an IPv4 or IPv6 address (zone ids are not allowed)`);
  }
  const problem = unicastProblem(parsed);
  if (problem) throw rangeError('ERR_INVALID_ARG_VALUE', `${path} ${JSON.stringify(text)} ${problem}`);
  if (senders.size >= 256) senders.clear(); // bounded: a caller may encode for many senders
  senders.set(text, parsed);
  return parsed;
}
