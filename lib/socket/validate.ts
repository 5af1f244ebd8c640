// Argument checks made before any syscall, each failing with its own clear, coded error.
import { isMulticast, parseAddress, splitZone } from '../address';
import { describeValue, rangeError, typeError } from '../errors';

export type Family = 4 | 6;

/** Largest UDP payload: 65,535 minus the IPv4 (20) or IPv6 (40, no jumbograms) and UDP (8) headers. */
export const MAX_PAYLOAD_BYTES: Readonly<Record<Family, number>> = { 4: 65_507, 6: 65_527 };

export function assertFamily(family: unknown): asserts family is Family {
  if (family !== 4 && family !== 6) {
    throw rangeError('ERR_MULTIBULLY_INVALID_FAMILY', `family must be 4 or 6, got ${describeValue(family)}`);
  }
}

/** An address as a socket takes it: canonical text, and the `%zone` of an IPv6 address if any. */
export interface ZonedAddress {
  /** Canonical text form without zone (RFC 5952 for IPv6; IPv4-mapped stays IPv6). */
  readonly address: string;
  /** The `%zone` suffix of an IPv6 address, if any (interface name or index). */
  readonly zone?: string;
}

/** A numeric address of the given family, optionally with an IPv6 `%zone`. */
export function parseSocketAddress(value: unknown, family: Family, what: string): ZonedAddress {
  if (typeof value !== 'string') {
    throw typeError('ERR_MULTIBULLY_INVALID_ADDRESS', `${what} must be a string, got ${describeValue(value)}`);
  }
  const { host, zone } = family === 6 ? splitZone(value) : { host: value, zone: undefined };
  const parsed = parseAddress(host, 'keep');
  if (parsed?.family !== family || zone === '') {
    throw typeError(
      'ERR_MULTIBULLY_INVALID_ADDRESS',
      `${what} ${JSON.stringify(value)} is not a numeric IPv${family} address (this socket is IPv${family})`,
    );
  }
  return zone === undefined ? { address: parsed.text } : { address: parsed.text, zone };
}

export function parseGroup(value: unknown, family: Family): string {
  const { address, zone } = parseSocketAddress(value, family, 'group');
  if (zone !== undefined) {
    throw typeError('ERR_MULTIBULLY_INVALID_ADDRESS', `group ${String(value)} must not carry a %zone; pass the interface separately`);
  }
  if (!isMulticast(address)) {
    const range = family === 4 ? '224.0.0.0/4' : 'ff00::/8';
    throw rangeError('ERR_MULTIBULLY_NOT_MULTICAST', `group ${address} is not a multicast address (${range})`);
  }
  return address;
}

export function assertPort(port: unknown, min: 0 | 1, what: string): asserts port is number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < min || port > 65_535) {
    throw rangeError('ERR_MULTIBULLY_INVALID_PORT', `${what} must be an integer ${min}..65535, got ${describeValue(port)}`);
  }
}

export function assertTTL(hops: unknown): asserts hops is number {
  if (typeof hops !== 'number' || !Number.isInteger(hops) || hops < 0 || hops > 255) {
    throw rangeError('ERR_MULTIBULLY_INVALID_TTL', `ttl must be in 0..255 (an integer), got ${describeValue(hops)}`);
  }
}

export function assertBoolean(value: unknown, what: string): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw typeError('ERR_MULTIBULLY_INVALID_ARGUMENT', `${what} must be a boolean, got ${describeValue(value)}`);
  }
}

export function assertPayload(data: unknown, family: Family): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) {
    throw typeError('ERR_MULTIBULLY_INVALID_ARGUMENT', `data must be a Uint8Array or Buffer, got ${describeValue(data)}`);
  }
  const max = MAX_PAYLOAD_BYTES[family];
  if (data.byteLength > max) {
    throw rangeError(
      'ERR_MULTIBULLY_PAYLOAD_TOO_LARGE',
      `payload of ${data.byteLength} bytes exceeds the IPv${family} UDP limit of ${max} bytes`,
    );
  }
}
