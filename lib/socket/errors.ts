// The socket layer's error codes: every error it throws carries one of them.
import * as coded from '../errors';
import type { CodedError as BaseCodedError } from '../errors';

export type SocketErrorCode =
  | 'ERR_MULTIBULLY_INVALID_ARGUMENT'
  | 'ERR_MULTIBULLY_INVALID_FAMILY'
  | 'ERR_MULTIBULLY_INVALID_ADDRESS'
  | 'ERR_MULTIBULLY_NOT_MULTICAST'
  | 'ERR_MULTIBULLY_INVALID_PORT'
  | 'ERR_MULTIBULLY_INVALID_TTL'
  | 'ERR_MULTIBULLY_PAYLOAD_TOO_LARGE'
  | 'ERR_MULTIBULLY_UNKNOWN_INTERFACE'
  | 'ERR_MULTIBULLY_NO_INTERFACE_ADDRESS'
  | 'ERR_MULTIBULLY_SOCKET_CLOSED'
  | 'ERR_MULTIBULLY_ALREADY_BOUND'
  | 'ERR_MULTIBULLY_NATIVE_MISSING';

export type CodedError<E extends Error = Error> = BaseCodedError<E, SocketErrorCode>;

// The shared constructors, held to the socket layer's codes.
export const typeError = coded.typeError<SocketErrorCode>;
export const rangeError = coded.rangeError<SocketErrorCode>;
export const codedError = coded.codedError<SocketErrorCode>;
