// Public types shared by both codecs (v1 and Go legacy).
import type { Message } from '../core/types';

/** Why a packet was dropped. Each reason is counted separately by the Participant. */
export type DropReason =
  | 'truncated'
  | 'oversized'
  | 'bad-magic'
  | 'bad-version'
  | 'bad-type'
  | 'bad-length'
  | 'trailing-bytes'
  | 'bad-field'
  | 'other-cluster'
  | 'unauthenticated'
  | 'unknown-key'
  | 'bad-tag'
  | 'replay';

export const DROP_REASONS: readonly DropReason[] = Object.freeze([
  'truncated',
  'oversized',
  'bad-magic',
  'bad-version',
  'bad-type',
  'bad-length',
  'trailing-bytes',
  'bad-field',
  'other-cluster',
  'unauthenticated',
  'unknown-key',
  'bad-tag',
  'replay',
] as const);

export type DecodeResult =
  | { readonly ok: true; readonly message: Message }
  | { readonly ok: false; readonly reason: DropReason; readonly detail: string };

/** The DecodeResult of a dropped packet. */
export function drop(reason: DropReason, detail: string) {
  return { ok: false as const, reason, detail };
}

export interface Codec {
  readonly wire: 'v1' | 'go';
  /** Throws TypeError/RangeError when the message cannot be represented on this wire. */
  encode(message: Message): Buffer;
  /** Never throws, whatever the input. */
  decode(packet: Uint8Array): DecodeResult;
}
