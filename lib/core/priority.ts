// Priority order of the Bully election: (priority, then id, then address). The priority is the
// node's effective priority (1..254; 0 while it may not lead), carried in every v1 message; the
// Go format has none, so there every node has DEFAULT_PRIORITY and the order is the Go library's
// (pid first, then the IP byte by byte), with every address in one 16-byte form so IPv4 and IPv6
// senders compare consistently. The nonce only tells starts apart; it is not priority.
import { addressToBytes16 } from '../address';
import { typeError } from '../errors';
import { DEFAULT_PRIORITY, type NodeIdentity } from './types';

/** A node with the priority it was last heard with (none: DEFAULT_PRIORITY). */
export type RankedNode = NodeIdentity & { readonly priority?: number };

/**
 * `node` with `priority`, for every packet the core reads. Written out field by field: an object
 * spread ({ ...node, priority }) here made V8 keep every packet's copy alive across two young-
 * generation collections, so a flood of packets grew the heap (measured: ~200 bytes promoted to
 * the old space per packet, none with this).
 */
export function withPriority(node: NodeIdentity, priority: number): RankedNode {
  return { id: node.id, address: node.address, nonce: node.nonce, priority };
}

/** A copy of `node` for a table to keep (only when it takes a new entry, not per packet). */
export function storedNode(node: RankedNode): RankedNode {
  return node.priority === undefined ? { id: node.id, address: node.address, nonce: node.nonce } : withPriority(node, node.priority);
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
    throw typeError('ERR_INVALID_ARG_TYPE', `address must be a string, got ${typeof address}`);
  }
  const result = addressToBytes16(address);
  if (!result) throw typeError('ERR_INVALID_ARG_VALUE', `address must be an IPv4 or IPv6 literal, got ${JSON.stringify(address)}`);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(address, result);
  return result;
}

/** Negative when a ranks below b, positive when above, 0 for the same priority, id and address. */
export function comparePriority(a: RankedNode, b: RankedNode): number {
  const byPriority = (a.priority ?? DEFAULT_PRIORITY) - (b.priority ?? DEFAULT_PRIORITY);
  return byPriority !== 0 ? Math.sign(byPriority) : compareIdentity(a, b);
}

/** (id, then address): the order among nodes of one priority. */
function compareIdentity(a: NodeIdentity, b: NodeIdentity): number {
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  if (a.address === b.address) return 0;
  const left = addressBytes(a.address);
  const right = addressBytes(b.address);
  for (let i = 0; i < 16; i++) {
    if (left[i] !== right[i]) return left[i]! < right[i]! ? -1 : 1;
  }
  return 0;
}

/** Same node: same id and address (possibly another start of it, whatever its priority). */
export function sameNode(a: NodeIdentity, b: NodeIdentity): boolean {
  return compareIdentity(a, b) === 0;
}

/** Same start of the same node: id, address and nonce. */
export function sameInstance(a: NodeIdentity, b: NodeIdentity): boolean {
  return a.nonce === b.nonce && sameNode(a, b);
}

/**
 * Priority, then the nonce: two starts of the same (id, address), which operators should never
 * run at once, still have a strict order, so exactly one of them ends up leading.
 */
export function compareInstance(a: RankedNode, b: RankedNode): number {
  const byPriority = comparePriority(a, b);
  if (byPriority !== 0 || a.nonce === b.nonce) return byPriority;
  return a.nonce < b.nonce ? -1 : 1;
}

/** A map key for one start of a node. */
export function instanceKey(node: NodeIdentity): string {
  return `${node.id}|${node.address}|${node.nonce}`;
}

/** The identity alone, without the priority a node was heard with (as events report it). */
export function identityOf(node: RankedNode): NodeIdentity {
  return { id: node.id, address: node.address, nonce: node.nonce };
}

/** A map key for a node regardless of its start. */
export function nodeKey(node: NodeIdentity): string {
  return `${node.id}|${node.address}`;
}
