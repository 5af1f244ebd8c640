// Option and message validation errors: Node-style `code` so callers can branch on it.
import type { DropReason } from './types';

export type WireErrorCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE';

export function wireTypeError(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' as WireErrorCode });
}

export function wireRangeError(message: string, code: WireErrorCode = 'ERR_OUT_OF_RANGE'): RangeError {
  return Object.assign(new RangeError(message), { code });
}

/** A decode failure result. */
export function drop(reason: DropReason, detail: string) {
  return { ok: false as const, reason, detail };
}
