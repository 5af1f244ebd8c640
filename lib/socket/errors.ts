// Error constructors for the socket layer: every error carries a stable `code`.

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

export type CodedError<E extends Error = Error> = E & { code: SocketErrorCode };

function withCode<E extends Error>(error: E, code: SocketErrorCode): CodedError<E> {
  return Object.assign(error, { code });
}

export function typeError(code: SocketErrorCode, message: string): CodedError<TypeError> {
  return withCode(new TypeError(message), code);
}

export function rangeError(code: SocketErrorCode, message: string): CodedError<RangeError> {
  return withCode(new RangeError(message), code);
}

export function codedError(code: SocketErrorCode, message: string, cause?: unknown): CodedError {
  return withCode(cause === undefined ? new Error(message) : new Error(message, { cause }), code);
}
