// The one error vocabulary of lib/: every error the library throws carries a Node-style `code`
// from ErrorCode, so callers branch on the code rather than parse messages. The policy:
// - Options of the election (Participant, Election, the codecs) use Node's own codes, by kind:
//   a value of the wrong type ERR_INVALID_ARG_TYPE, a number or size out of its range
//   ERR_OUT_OF_RANGE, any other bad value ERR_INVALID_ARG_VALUE.
// - Network configuration (addresses, interfaces, ports, sockets, floating addresses) uses
//   ERR_MULTIBULLY_ codes that name what is wrong, in whichever room checks it: an interface spec
//   that cannot name a NIC is always ERR_MULTIBULLY_INVALID_ARGUMENT, a valid one that no NIC
//   matches ERR_MULTIBULLY_UNKNOWN_INTERFACE.
// - States and environments (closed, started, unsupported, no addon) have ERR_MULTIBULLY_ codes.
// A message starts with the option path the caller wrote ("keys[0].secret must be …").
// System call failures come from the addon as Node's do: code ('ENODEV'), errno and syscall.

export type ErrorCode =
  // Node's codes, for option values.
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_OUT_OF_RANGE'
  // Network configuration.
  /** The GROUP:PORT text of the `address` option is malformed. */
  | 'ERR_MULTIBULLY_BAD_ADDRESS'
  /** An address argument is not a numeric address of the socket's family. */
  | 'ERR_MULTIBULLY_INVALID_ADDRESS'
  | 'ERR_MULTIBULLY_NOT_MULTICAST'
  | 'ERR_MULTIBULLY_RESERVED_GROUP'
  /** Any other bad argument of the network layer (its options, an interface spec, a --vip). */
  | 'ERR_MULTIBULLY_INVALID_ARGUMENT'
  | 'ERR_MULTIBULLY_INVALID_FAMILY'
  | 'ERR_MULTIBULLY_INVALID_PORT'
  | 'ERR_MULTIBULLY_INVALID_TTL'
  | 'ERR_MULTIBULLY_PAYLOAD_TOO_LARGE'
  | 'ERR_MULTIBULLY_UNKNOWN_INTERFACE'
  | 'ERR_MULTIBULLY_NO_INTERFACE_ADDRESS'
  /** The Go wire format cannot carry a v1 option. */
  | 'ERR_MULTIBULLY_GO_INCOMPATIBLE'
  // States and environments.
  | 'ERR_MULTIBULLY_ALREADY_BOUND'
  | 'ERR_MULTIBULLY_SOCKET_CLOSED'
  | 'ERR_MULTIBULLY_CLOSED'
  | 'ERR_MULTIBULLY_STARTED'
  /** resign() before start() or after stop(). */
  | 'ERR_MULTIBULLY_NOT_RUNNING'
  | 'ERR_ELECTION_STARTED'
  /** start() could not set the socket up (the cause's own code is kept when it has one). */
  | 'ERR_MULTIBULLY_SOCKET'
  | 'ERR_MULTIBULLY_UNSUPPORTED'
  | 'ERR_MULTIBULLY_NATIVE_MISSING'
  | 'ERR_MULTIBULLY_VIP_PERMISSION'
  /** A bug: reported as an 'error' event, never thrown into a callback. */
  | 'ERR_MULTIBULLY_INTERNAL'
  /** The CLI's command line. */
  | 'ERR_USAGE';

export type CodedError<E extends Error = Error, C extends ErrorCode = ErrorCode> = E & { code: C };

export function typeError<C extends ErrorCode>(code: C, message: string): CodedError<TypeError, C> {
  return Object.assign(new TypeError(message), { code });
}

export function rangeError<C extends ErrorCode>(code: C, message: string): CodedError<RangeError, C> {
  return Object.assign(new RangeError(message), { code });
}

export function codedError<C extends ErrorCode>(code: C, message: string, cause?: unknown): CodedError<Error, C> {
  return Object.assign(cause === undefined ? new Error(message) : new Error(message, { cause }), { code });
}

/** Adds a `code` to an error thrown by a lower layer that has none, keeping its message. */
export function withCode(error: unknown, code: ErrorCode): Error {
  const err = error instanceof Error ? error : new Error(String(error));
  if (!('code' in err) || (err as { code?: unknown }).code === undefined) Object.assign(err, { code });
  return err;
}

/** A short, safe description of a bad value for an error message (long strings are cut). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`;
  return Array.isArray(value) ? 'an array' : 'an object';
}
