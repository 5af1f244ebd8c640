// Parses the 'group:port' string ('[ff02::1234]:port' for IPv6), as the Go library took it.
// The parser, canonical text and multicast rule are lib/core/address.ts's, so one address has
// one spelling everywhere (ff02::1, never ff02:0:0:0:0:0:0:1).
import { isMulticastAddress, parseAddress } from '../core/address';
import { rangeError, typeError } from '../errors';

export interface GroupAddress {
  /** Canonical text: dotted quad, or RFC 5952 lowercase IPv6. */
  readonly group: string;
  readonly port: number;
  readonly family: 4 | 6;
}

const V4_FORM = /^([0-9.]+):([0-9]+)$/;
const V6_FORM = /^\[([^\]]+)\]:([0-9]+)$/;
/** 224.0.0.0 is the reserved base address of the IPv4 multicast range (RFC 5771). */
const RESERVED_V4_BASE = '224.0.0.0';

export function parseGroupAddress(text: unknown): GroupAddress {
  if (typeof text !== 'string') {
    throw typeError('ERR_INVALID_ARG_TYPE', `address must be a string like "239.1.2.3:9999" or "[ff02::1234]:9999", got ${typeof text}`);
  }
  const v4 = V4_FORM.exec(text);
  const match = v4 ?? V6_FORM.exec(text);
  if (!match) {
    throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `address "${text}" is not "GROUP:PORT" (IPv6: "[GROUP]:PORT")`);
  }
  const host = match[1]!;
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `address "${text}": port must be 1..65535`);
  }
  if (host.includes('%')) {
    throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `address "${text}": give the interface with the interface option, not as a %zone`);
  }
  const family = v4 ? 4 : 6;
  const parsed = parseAddress(host);
  // The bracket form must hold real IPv6 (an IPv4-mapped ::ffff:a.b.c.d would fold to IPv4).
  if (!parsed || parsed.family !== family || (family === 6 && !host.includes(':'))) {
    throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `address "${text}": "${host}" is not an IPv${family} address`);
  }
  const group = parsed.text;
  if (!isMulticastAddress(parsed)) {
    throw rangeError('ERR_MULTIBULLY_NOT_MULTICAST', `address "${text}": ${group} is not a multicast group (${family === 4 ? '224.0.0.0/4' : 'ff00::/8'})`);
  }
  if (group === RESERVED_V4_BASE) {
    throw rangeError('ERR_MULTIBULLY_RESERVED_GROUP', `address "${text}": ${group} is the reserved base address; use a group from 239.0.0.0/8`);
  }
  return { group, port, family };
}

/** 224.0.0.0/24 is the local network control block (OSPF, VRRP, mDNS, …): usable but shared. */
export function isLocalControlGroup(address: GroupAddress): boolean {
  return address.family === 4 && address.group.startsWith('224.0.0.');
}

/** Formats a group and port back into the option's text form. */
export function formatGroupAddress(address: GroupAddress): string {
  return address.family === 6 ? `[${address.group}]:${address.port}` : `${address.group}:${address.port}`;
}
