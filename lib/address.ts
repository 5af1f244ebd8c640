// The one home of IP addresses (pure, no I/O): text <-> bytes with one canonical text form per
// address; the multicast, unicast, link-local and scope rules; the 16-byte priority form; the
// GROUP:PORT option; and the rules of a floating address (ADDR/PREFIX). Used by the core's
// priority order, the wire codecs, the socket's argument checks, the interface lookup, the
// Participant's options and the CLI's --vip.
// IPv4 as a dotted quad without leading zeros, IPv6 as RFC 5952 (lowercase, longest run of
// two or more zero groups compressed, first run on a tie). Identities fold IPv4-mapped IPv6
// (::ffff:a.b.c.d) to plain IPv4 so that an address has exactly one wire encoding; the socket
// keeps them as IPv6 (an IPv6 socket may send to one), written ::ffff:a.b.c.d (RFC 5952 §5).

import { codedError, describeValue, rangeError, typeError } from './errors';

export interface ParsedAddress {
  readonly family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6. */
  readonly bytes: Uint8Array;
  /** Canonical text. */
  readonly text: string;
}

const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIPv4Bytes(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!DECIMAL_OCTET.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

function parseHexGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  for (const part of text.split(':')) {
    if (!HEX_GROUP.test(part)) return undefined;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

function parseIPv6Bytes(text: string): Uint8Array | undefined {
  // Zone ids (fe80::1%eth0) are host-local and never travel on the wire.
  if (text.length > 45 || text.includes('%')) return undefined;
  let body = text;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.indexOf('.', lastColon) > lastColon) {
    const v4 = parseIPv4Bytes(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    // Drop the separating colon, but keep a "::" whole ("::1.2.3.4" must still split on "::").
    body = text.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const halves = body.split('::');
  let groups: number[];
  if (halves.length === 1) {
    const all = parseHexGroups(body);
    if (!all) return undefined;
    groups = [...all, ...tail];
    if (groups.length !== 8) return undefined;
  } else if (halves.length === 2) {
    const head = parseHexGroups(halves[0]!);
    const rest = parseHexGroups(halves[1]!);
    if (!head || !rest) return undefined;
    const known = head.length + rest.length + tail.length;
    if (known > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - known).fill(0), ...rest, ...tail];
  } else {
    return undefined;
  }
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

export function isIPv4Mapped(bytes16: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes16[i] !== 0) return false;
  return bytes16[10] === 0xff && bytes16[11] === 0xff;
}

export function formatIPv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** RFC 5952 text of 16 bytes; an IPv4-mapped address is written ::ffff:a.b.c.d. */
export function formatIPv6(bytes: Uint8Array): string {
  if (isIPv4Mapped(bytes)) return `::ffff:${formatIPv4(bytes.subarray(12))}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(':');
  if (bestLength < 2) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/**
 * Parses IPv4 or IPv6 text (any valid form, no zone id). Returns undefined when invalid.
 * IPv4-mapped IPv6 folds to IPv4 unless `mapped` is 'keep' (the socket's view of an address).
 */
export function parseAddress(text: string, mapped: 'fold' | 'keep' = 'fold'): ParsedAddress | undefined {
  if (typeof text !== 'string') return undefined;
  if (text.includes(':')) {
    const bytes = parseIPv6Bytes(text);
    if (!bytes) return undefined;
    if (mapped === 'fold' && isIPv4Mapped(bytes)) {
      const v4 = bytes.slice(12);
      return { family: 4, bytes: v4, text: formatIPv4(v4) };
    }
    return { family: 6, bytes, text: formatIPv6(bytes) };
  }
  const bytes = parseIPv4Bytes(text);
  return bytes ? { family: 4, bytes, text: formatIPv4(bytes) } : undefined;
}

/** Splits an IPv6 `%zone` suffix (interface name or index) off; IPv4 text is returned whole. */
export function splitZone(text: string): { readonly host: string; readonly zone?: string } {
  const percent = text.includes(':') ? text.indexOf('%') : -1;
  return percent < 0 ? { host: text } : { host: text.slice(0, percent), zone: text.slice(percent + 1) };
}

/** An address as a host names it: an IPv6 %zone allowed (and dropped), IPv4-mapped kept. */
export function parseHostAddress(text: string): ParsedAddress | undefined {
  const { host, zone } = splitZone(text);
  return zone === '' ? undefined : parseAddress(host, 'keep');
}

/** Canonical text of a host address (see parseHostAddress); other text is returned unchanged. */
export function canonicalAddress(text: string): string {
  return parseHostAddress(text)?.text ?? text;
}

/** 224.0.0.0/4 or ff00::/8: the one multicast rule. */
export function isMulticastAddress(address: ParsedAddress): boolean {
  const first = address.bytes[0]!;
  return address.family === 4 ? first >= 224 && first <= 239 : first === 0xff;
}

/** Whether text (an IPv6 %zone allowed) is a multicast address. */
export function isMulticast(text: string): boolean {
  const parsed = typeof text === 'string' ? parseHostAddress(text) : undefined;
  return parsed !== undefined && isMulticastAddress(parsed);
}

/** Unspecified and multicast addresses can never be a sender's unicast address. */
export function unicastProblem(address: ParsedAddress): string | undefined {
  const b = address.bytes;
  if (b.every((byte) => byte === 0)) return 'is the unspecified address';
  return isMulticastAddress(address) ? `is an IPv${address.family} multicast address` : undefined;
}

/** 16-byte form used for priority comparison: IPv6 as is, IPv4 mapped to ::ffff:a.b.c.d. */
export function addressToBytes16(text: string): Uint8Array | undefined {
  const parsed = parseAddress(text);
  if (!parsed) return undefined;
  if (parsed.family === 6) return parsed.bytes;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(parsed.bytes, 12);
  return out;
}

/**
 * Link-local: IPv4 169.254.0.0/16, IPv6 fe80::/10. A node advertises such an address only when
 * its NIC has no other of the family (see chooseAddress in socket/interfaces.ts).
 */
export function isLinkLocalAddress(address: ParsedAddress): boolean {
  const [first, second] = address.bytes as unknown as [number, number];
  return address.family === 4 ? first === 169 && second === 254 : first === 0xfe && (second & 0xc0) === 0x80;
}

/**
 * Link-scoped IPv6 destinations need an interface scope (a zone): multicast of interface-local or
 * link-local scope (ffX1::/16, ffX2::/16) and link-local unicast (fe80::/10). Text may carry a %zone.
 */
export function needsScope(text: string): boolean {
  const parsed = typeof text === 'string' ? parseHostAddress(text) : undefined;
  if (parsed?.family !== 6) return false;
  if (isMulticastAddress(parsed)) {
    const scope = parsed.bytes[1]! & 0x0f;
    return scope === 1 || scope === 2;
  }
  return isLinkLocalAddress(parsed);
}

// ---- the GROUP:PORT option ------------------------------------------------------------------

export interface GroupAddress {
  /** Canonical text: dotted quad, or RFC 5952 lowercase IPv6. */
  readonly group: string;
  readonly port: number;
  readonly family: 4 | 6;
}

const V4_GROUP_FORM = /^([0-9.]+):([0-9]+)$/;
const V6_GROUP_FORM = /^\[([^\]]+)\]:([0-9]+)$/;
/** 224.0.0.0 is the reserved base address of the IPv4 multicast range (RFC 5771). */
const RESERVED_V4_BASE = '224.0.0.0';

/** Parses 'group:port' ('[ff02::1234]:port' for IPv6), as the Go library took it. */
export function parseGroupAddress(text: unknown): GroupAddress {
  if (typeof text !== 'string') {
    throw typeError('ERR_INVALID_ARG_TYPE', `address must be a string like "239.1.2.3:9999" or "[ff02::1234]:9999", got ${typeof text}`);
  }
  const v4 = V4_GROUP_FORM.exec(text);
  const match = v4 ?? V6_GROUP_FORM.exec(text);
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

/** A group and port in the option's text form. */
export function formatGroupAddress(address: GroupAddress): string {
  return address.family === 6 ? `[${address.group}]:${address.port}` : `${address.group}:${address.port}`;
}

// ---- unicast peers (ADDR[:PORT]) ------------------------------------------------------------

export interface PeerAddress {
  /** Canonical text: dotted quad, or RFC 5952 lowercase IPv6. */
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** The local end of a peers election: its port, and the family when "0.0.0.0:PORT" or "[::]:PORT" said so. */
export interface LocalPort {
  readonly port: number;
  readonly family: 4 | 6 | undefined;
}

const PORT_FORM = /^[0-9]+$/;
const V4_WITH_PORT = /^([0-9.]+):([0-9]+)$/;
const V6_BRACKETS = /^\[([^\]]+)\](?::([0-9]+))?$/;

function portOf(text: string, what: string): number {
  const port = Number(text);
  if (!PORT_FORM.test(text) || port < 1 || port > 65535) throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `${what}: port must be 1..65535, got ${JSON.stringify(text)}`);
  return port;
}

/** 'PORT', '0.0.0.0:PORT' or '[::]:PORT': the `address` option when peers are given. */
export function parseLocalPort(text: unknown, path = 'address'): LocalPort {
  if (typeof text !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `${path} must be a string like "9999" (with peers: the local port), got ${typeof text}`);
  if (PORT_FORM.test(text)) return { port: portOf(text, `${path} "${text}"`), family: undefined };
  const v4 = V4_WITH_PORT.exec(text);
  const v6 = v4 ? undefined : V6_BRACKETS.exec(text);
  const host = v4?.[1] ?? v6?.[1];
  const parsed = host === undefined ? undefined : parseAddress(host);
  if (parsed && isMulticastAddress(parsed)) {
    throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `${path} "${text}" is a multicast group, and peers are given: use either a group (multicast) or peers (unicast), not both`);
  }
  if (!parsed || (v6 && v6[2] === undefined) || !parsed.bytes.every((byte) => byte === 0)) {
    throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `${path} "${text}": with peers, address is the local port: "PORT", "0.0.0.0:PORT" or "[::]:PORT" (the node's own address is its interface's)`);
  }
  return { port: portOf((v4 ?? v6)![2]!, `${path} "${text}"`), family: parsed.family };
}

/** 'ADDR', 'ADDR:PORT', '[ADDR6]' or '[ADDR6]:PORT' (a bare IPv6 address takes no port); `port` when none is given. */
export function parsePeerAddress(text: unknown, defaultPort: number, path = 'peer'): PeerAddress {
  if (typeof text !== 'string') throw typeError('ERR_INVALID_ARG_TYPE', `${path} must be a string like "10.0.1.5", "10.0.1.5:9999" or "[fd00::5]:9999", got ${describeValue(text)}`);
  const v4 = V4_WITH_PORT.exec(text);
  const v6 = v4 ? undefined : V6_BRACKETS.exec(text);
  const host = v4?.[1] ?? v6?.[1] ?? text;
  const portText = v4?.[2] ?? v6?.[2];
  if (host.includes('%')) throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `${path} "${text}": give the interface with the interface option, not as a %zone`);
  const parsed = parseAddress(host);
  if (!parsed || (v6 && !host.includes(':'))) throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `${path} "${text}" is not an IPv4 or IPv6 address (forms: 10.0.1.5, 10.0.1.5:9999, fd00::5, [fd00::5]:9999)`);
  if (isMulticastAddress(parsed)) {
    throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `${path} "${text}" is a multicast address: peers are the unicast addresses of the other nodes (for multicast, give the group in address and no peers)`);
  }
  const problem = unicastProblem(parsed);
  if (problem) throw rangeError('ERR_MULTIBULLY_BAD_ADDRESS', `${path} "${text}" ${problem}`);
  const port = portText === undefined ? defaultPort : portOf(portText, `${path} "${text}"`);
  return { address: parsed.text, port, family: parsed.family };
}

/** A peer in the text form the options take and `participant.peers` reports. */
export function formatPeerAddress(peer: Pick<PeerAddress, 'address' | 'port' | 'family'>): string {
  return peer.family === 6 ? `[${peer.address}]:${peer.port}` : `${peer.address}:${peer.port}`;
}

// ---- floating addresses (ADDR/PREFIX) -------------------------------------------------------

export interface FloatingAddress {
  /** Canonical text (dotted quad, or RFC 5952 IPv6). */
  readonly address: string;
  readonly prefixLength: number;
  readonly family: 4 | 6;
}

const FLOATING_EXAMPLE = 'e.g. 192.0.2.10/24 or 2001:db8::10/64';

/**
 * Parses `ADDR/PREFIX`, an address that moves between hosts. The prefix is required (it decides
 * the subnet route the kernel adds). Rejects multicast, unspecified, loopback, broadcast,
 * IPv4-mapped IPv6, zone ids and an IPv4 network or broadcast address of its own prefix. Errors
 * start with `${path} "${text}": `.
 */
export function parseFloatingAddress(text: string, path: string): FloatingAddress {
  const invalid = (why: string): Error => codedError('ERR_MULTIBULLY_INVALID_ARGUMENT', `${path} ${JSON.stringify(String(text))}: ${why}`);
  if (typeof text !== 'string' || text.trim() === '') throw invalid(`expected ADDR/PREFIX (${FLOATING_EXAMPLE})`);
  const slash = text.lastIndexOf('/');
  if (slash < 0) throw invalid(`the prefix length is missing: expected ADDR/PREFIX (${FLOATING_EXAMPLE})`);
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (addressText.includes('%')) throw invalid('a zone id (%…) is not allowed: the address goes on the election interface');
  const parsed = parseAddress(addressText);
  if (!parsed) throw invalid(`${JSON.stringify(addressText)} is not a numeric IPv4 or IPv6 address (${FLOATING_EXAMPLE})`);
  if (parsed.family === 4 && addressText.includes(':')) throw invalid('an IPv4-mapped IPv6 address cannot be a floating address; write the IPv4 address');
  const max = parsed.family === 4 ? 32 : 128;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) < 1 || Number(prefixText) > max) {
    throw invalid(`the prefix length must be an integer from 1 to ${max}, got ${JSON.stringify(prefixText)}`);
  }
  const prefixLength = Number(prefixText);
  const problem = floatingProblem(parsed, prefixLength);
  if (problem !== undefined) throw invalid(problem);
  return Object.freeze({ address: parsed.text, prefixLength, family: parsed.family });
}

function floatingProblem(parsed: ParsedAddress, prefixLength: number): string | undefined {
  const b = parsed.bytes;
  if (b.every((byte) => byte === 0)) return 'the unspecified address cannot be a floating address';
  if (isMulticastAddress(parsed)) return 'a multicast address cannot be a floating address';
  if (parsed.family === 6) {
    return b.slice(0, 15).every((byte) => byte === 0) && b[15] === 1 ? 'the loopback address cannot be a floating address' : undefined;
  }
  if (b[0] === 127) return 'a loopback address cannot be a floating address';
  if (b[0] === 0 || b[0]! >= 240) return 'a reserved or broadcast address cannot be a floating address';
  if (prefixLength > 30) return undefined;
  const value = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  const hostMask = 2 ** (32 - prefixLength) - 1;
  const host = value & hostMask;
  if (host === 0) return `${parsed.text} is the network address of /${prefixLength}`;
  if (host === hostMask) return `${parsed.text} is the broadcast address of /${prefixLength}`;
  return undefined;
}
