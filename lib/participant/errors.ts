// Errors carry a Node-style `code` so callers can branch without parsing messages.

export type ErrorWithCode<E extends Error> = E & { code: string };

export function typeError(code: string, message: string): ErrorWithCode<TypeError> {
  return Object.assign(new TypeError(message), { code });
}

export function rangeError(code: string, message: string): ErrorWithCode<RangeError> {
  return Object.assign(new RangeError(message), { code });
}

export function stateError(code: string, message: string): ErrorWithCode<Error> {
  return Object.assign(new Error(message), { code });
}

/** Adds a `code` to an error thrown by a lower layer that has none, keeping its message. */
export function withCode(error: unknown, code: string): Error {
  const err = error instanceof Error ? error : new Error(String(error));
  if (!('code' in err) || (err as { code?: unknown }).code === undefined) Object.assign(err, { code });
  return err;
}
