// Priority order of the Bully election: (id, then address), compared as the Go library does
// (pid first, then the IP byte by byte) but with every address in one 16-byte form so IPv4 and
// IPv6 senders compare consistently. The nonce only tells starts apart; it is not priority.
import type { NodeIdentity } from './types';

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseIPv4(text: string): number[] | undefined {
  const match = IPV4_PATTERN.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((octet, i) => octet > 255 || (match[i + 1]!.length > 1 && match[i + 1]!.startsWith('0')))) {
    return undefined;
  }
  return octets;
}

function parseIPv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const bytes: number[] = [];
    const groups = part.split(':');
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i]!;
      if (i === groups.length - 1 && group.includes('.')) {
        const v4 = parseIPv4(group);
        if (!v4) return undefined;
        bytes.push(...v4);
      } else if (HEX_GROUP.test(group)) {
        const value = parseInt(group, 16);
        bytes.push(value >> 8, value & 0xff);
      } else {
        return undefined;
      }
    }
    return bytes;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 16 ? head : undefined;
  const missing = 16 - head.length - tail.length;
  if (missing < 2) return undefined; // '::' stands for at least one zero group
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

const cache = new Map<string, Uint8Array>();
const CACHE_LIMIT = 4096;

/**
 * The 16-byte form of an address: IPv6 as is, IPv4 as the mapped ::ffff:a.b.c.d.
 * Throws a TypeError for anything that is not an IPv4 or IPv6 literal (zone ids are not allowed).
 */
export function addressBytes(address: string): Uint8Array {
  const cached = cache.get(address);
  if (cached) return cached;
  if (typeof address !== 'string') {
    throw new TypeError(`address must be a string, got ${typeof address}`);
  }
  const v4 = parseIPv4(address);
  const bytes = v4 ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4] : parseIPv6(address);
  if (!bytes) throw new TypeError(`address must be an IPv4 or IPv6 literal, got ${JSON.stringify(address)}`);
  const result = Uint8Array.from(bytes);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(address, result);
  return result;
}

/** Negative when a has lower priority than b, positive when higher, 0 for the same (id, address). */
export function comparePriority(a: NodeIdentity, b: NodeIdentity): number {
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  if (a.address === b.address) return 0;
  const left = addressBytes(a.address);
  const right = addressBytes(b.address);
  for (let i = 0; i < 16; i++) {
    if (left[i] !== right[i]) return left[i]! < right[i]! ? -1 : 1;
  }
  return 0;
}

/** Same node in priority terms: same id and address (possibly another start of it). */
export function sameNode(a: NodeIdentity, b: NodeIdentity): boolean {
  return comparePriority(a, b) === 0;
}

/** Same start of the same node: id, address and nonce. */
export function sameInstance(a: NodeIdentity, b: NodeIdentity): boolean {
  return a.nonce === b.nonce && sameNode(a, b);
}

/** A map key for a node regardless of its start. */
export function nodeKey(node: NodeIdentity): string {
  return `${node.id}|${node.address}`;
}
