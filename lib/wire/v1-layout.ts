// Byte layout of wire format v1 (its version byte is 2: version 1, without the priority and the
// successor, was never released). docs/PROTOCOL.md is the normative description; keep in sync.
import type { MessageType } from '../core/types';
import { MAX_METADATA_BYTES } from '../core/types';

export const V1_MAGIC = Object.freeze([0x4d, 0x42] as const); // "MB"
export const V1_VERSION = 2;

export const TYPE_CODES: Readonly<Record<MessageType, number>> = Object.freeze({
  election: 1,
  ok: 2,
  coordinator: 3,
  resign: 4,
});
export const TYPES_BY_CODE: ReadonlyMap<number, MessageType> = new Map(
  (Object.entries(TYPE_CODES) as [MessageType, number][]).map(([type, code]) => [code, type]),
);

/** Wire flag bit set by the codec when an auth trailer follows; never part of Message.flags. */
export const FLAG_AUTH = 0x80;
/** Bits the election layer may use in Message.flags; unknown ones are carried, not rejected. */
export const MESSAGE_FLAGS_MASK = 0x7f;

export const FAMILY_IPV4 = 4;
export const FAMILY_IPV6 = 6;

export const OFFSET = Object.freeze({
  magic: 0,
  version: 2,
  type: 3,
  flags: 4,
  family: 5,
  priority: 6,
  cluster: 7,
  term: 15,
  id: 23,
  nonce: 31,
  seq: 39,
  address: 47,
});

/** Bytes up to and including the family byte: enough to tell what the rest must look like. */
export const PREFIX_BYTES = 6;
export const CLUSTER_ID_BYTES = 8;
export const METADATA_LENGTH_BYTES = 2;
/** RESIGN's successor: a family byte (0: none named), then its id, nonce and address. */
export const SUCCESSOR_FAMILY_BYTES = 1;
export const SUCCESSOR_NONE = 0;
/** id and nonce of a named successor, before its address. */
export const SUCCESSOR_IDENTITY_BYTES = 16;
const KEY_ID_BYTES = 1;
export const TAG_BYTES = 32;
export const AUTH_TRAILER_BYTES = KEY_ID_BYTES + TAG_BYTES;
export const MAX_KEY_ID = 255;

/** Length of the sender address field for a family byte: 4 (IPv4) or 16 (IPv6) bytes. */
export function addressFieldLength(family: number): number {
  return family === FAMILY_IPV4 ? 4 : 16;
}

/** Largest valid packet: IPv6 sender, COORDINATOR with full metadata, auth trailer. */
export const MAX_V1_PACKET_BYTES =
  OFFSET.address + 16 + METADATA_LENGTH_BYTES + MAX_METADATA_BYTES + AUTH_TRAILER_BYTES;
