// Errors with a Node-style `code`, shared by every room of lib/, so that callers branch on the
// code rather than parse messages, and one value reads the same in every message.

export type CodedError<E extends Error = Error, C extends string = string> = E & { code: C };

export function typeError<C extends string>(code: C, message: string): CodedError<TypeError, C> {
  return Object.assign(new TypeError(message), { code });
}

export function rangeError<C extends string>(code: C, message: string): CodedError<RangeError, C> {
  return Object.assign(new RangeError(message), { code });
}

export function codedError<C extends string>(code: C, message: string, cause?: unknown): CodedError<Error, C> {
  return Object.assign(cause === undefined ? new Error(message) : new Error(message, { cause }), { code });
}

/** Adds a `code` to an error thrown by a lower layer that has none, keeping its message. */
export function withCode(error: unknown, code: string): Error {
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
