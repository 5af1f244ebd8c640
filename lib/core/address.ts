// The one home of IP addresses (pure, no I/O): text <-> bytes with one canonical text form per
// address, the multicast/unicast rule, and the 16-byte priority form. Used by the core's priority
// order, the wire codecs, the socket's argument checks and the participant's group:port option.
// IPv4 as a dotted quad without leading zeros, IPv6 as RFC 5952 (lowercase, longest run of
// two or more zero groups compressed, first run on a tie). Identities fold IPv4-mapped IPv6
// (::ffff:a.b.c.d) to plain IPv4 so that an address has exactly one wire encoding; the socket
// keeps them as IPv6 (an IPv6 socket may send to one), written ::ffff:a.b.c.d (RFC 5952 §5).

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
