// Holds HMAC secrets so that they cannot leak through logs, errors, util.inspect, String()
// or JSON.stringify: the bytes live only inside a crypto KeyObject in a private field.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { rangeError, typeError } from '../errors';

/** Shorter secrets are rejected: HMAC-SHA256 is only as strong as its key. */
export const MIN_SECRET_BYTES = 16;
const REDACTED = '[redacted]';

/**
 * The one rule of a secret: a string (as UTF-8) or bytes, at least MIN_SECRET_BYTES long. Errors
 * name `path` and never echo the value: it may be a secret of the wrong type.
 */
export function secretBytes(secret: unknown, path: string): Uint8Array {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (!(bytes instanceof Uint8Array)) throw typeError('ERR_INVALID_ARG_TYPE', `${path} must be a string or a Uint8Array, got ${typeof secret}`);
  if (bytes.length === 0) throw rangeError('ERR_INVALID_ARG_VALUE', `${path} must not be empty`);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw rangeError('ERR_INVALID_ARG_VALUE', `${path} must be at least ${MIN_SECRET_BYTES} bytes (got ${bytes.length})`);
  }
  return bytes;
}

export class WireSecret {
  readonly #key: KeyObject;

  constructor(secret: Uint8Array | string, path = 'secret') {
    this.#key = createSecretKey(Buffer.from(secretBytes(secret, path))); // copies: later mutation by the caller has no effect
  }

  /** HMAC-SHA256 of data under this secret (32 bytes). */
  hmac(data: Uint8Array): Buffer {
    return createHmac('sha256', this.#key).update(data).digest();
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `WireSecret ${REDACTED}`;
  }
}
