// Option and message validation errors: Node-style `code` so callers can branch on it.
import { rangeError, typeError } from '../errors';

export type WireErrorCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE';

export function wireTypeError(message: string): TypeError {
  return typeError<WireErrorCode>('ERR_INVALID_ARG_TYPE', message);
}

export function wireRangeError(message: string, code: WireErrorCode = 'ERR_OUT_OF_RANGE'): RangeError {
  return rangeError(code, message);
}
