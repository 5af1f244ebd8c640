// Parses the 'group:port' string ('[ff02::1234]:port' for IPv6), as the Go library took it.
import { isIPv4, isIPv6 } from 'node:net';
import { rangeError, typeError } from './errors';

export interface GroupAddress {
  readonly group: string;
  readonly port: number;
  readonly family: 4 | 6;
}

const V4_FORM = /^([0-9.]+):([0-9]+)$/;
const V6_FORM = /^\[([^\]]+)\]:([0-9]+)$/;

export function parseGroupAddress(text: unknown): GroupAddress {
  if (typeof text !== 'string') {
    throw typeError('ERR_INVALID_ARG_TYPE', `address must be a string like "239.1.2.3:9999" or "[ff02::1234]:9999", got ${typeof text}`);
  }
  const v4 = V4_FORM.exec(text);
  const v6 = v4 ? null : V6_FORM.exec(text);
  const match = v4 ?? v6;
  if (!match) {
    throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `address "${text}" is not "GROUP:PORT" (IPv6: "[GROUP]:PORT")`);
  }
  const group = match[1]!;
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `address "${text}": port must be 1..65535`);
  }
  if (v4) {
    if (!isIPv4(group)) throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `address "${text}": "${group}" is not an IPv4 address`);
    const first = Number(group.split('.')[0]);
    if (first < 224 || first > 239) {
      throw rangeError('ERR_MULTIBULLY_NOT_MULTICAST', `address "${text}": ${group} is not a multicast group (224.0.0.0/4)`);
    }
    return { group, port, family: 4 };
  }
  if (group.includes('%')) {
    throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `address "${text}": give the interface with the interface option, not as a %zone`);
  }
  if (!isIPv6(group)) throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `address "${text}": "${group}" is not an IPv6 address`);
  if (!/^ff[0-9a-f]{2}:/i.test(group)) {
    throw rangeError('ERR_MULTIBULLY_NOT_MULTICAST', `address "${text}": ${group} is not a multicast group (ff00::/8)`);
  }
  return { group: group.toLowerCase(), port, family: 6 };
}

/** Formats a group and port back into the option's text form. */
export function formatGroupAddress(address: GroupAddress): string {
  return address.family === 6 ? `[${address.group}]:${address.port}` : `${address.group}:${address.port}`;
}
