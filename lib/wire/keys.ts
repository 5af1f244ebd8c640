// The rules of authentication keys, shared by the codec's options and the Participant's: one
// key-id check, one key-list check and one send-key check, each worded with the option path the
// caller wrote ("keys[0].id", "options.sendKeyId"). The secret's own rule is secret.ts's.
import { describeValue, rangeError, typeError } from '../errors';
import { WireSecret } from './secret';
import { MAX_KEY_ID } from './v1-layout';

export interface WireKey {
  /** Key id carried in every authenticated packet: an integer 0..255. */
  readonly id: number;
  /** At least 16 bytes; a string is taken as UTF-8. */
  readonly secret: Uint8Array | string | WireSecret;
}

/** A key id is an integer 0..MAX_KEY_ID: one byte on the wire. */
export function checkKeyId(id: unknown, path: string): asserts id is number {
  const problem = `${path} must be an integer in 0..${MAX_KEY_ID}, got ${describeValue(id)}`;
  if (typeof id !== 'number' || !Number.isInteger(id)) throw typeError('ERR_INVALID_ARG_TYPE', problem);
  if (id < 0 || id > MAX_KEY_ID) throw rangeError('ERR_OUT_OF_RANGE', problem);
}

/**
 * A list of { id, secret } with unique ids, as the secrets it holds. `nonEmpty`: an empty list is
 * an error (the Participant's `keys`; the codec takes none as "no authentication").
 */
export function checkKeys(keys: unknown, path: string, { nonEmpty = false } = {}): Map<number, WireSecret> {
  if (!Array.isArray(keys) || (nonEmpty && keys.length === 0)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `${path} must be ${nonEmpty ? 'a non-empty array of { id, secret }' : 'an array'}, got ${describeValue(keys)}`);
  }
  const secrets = new Map<number, WireSecret>();
  keys.forEach((key: unknown, index) => {
    if (typeof key !== 'object' || key === null) {
      throw typeError('ERR_INVALID_ARG_TYPE', `${path}[${index}] must be an object { id, secret }, got ${describeValue(key)}`);
    }
    const { id, secret } = key as WireKey;
    checkKeyId(id, `${path}[${index}].id`);
    if (secrets.has(id)) throw rangeError('ERR_INVALID_ARG_VALUE', `${path} has key id ${id} twice; key ids must be unique`);
    secrets.set(id, secret instanceof WireSecret ? secret : new WireSecret(secret, `${path}[${index}].secret`));
  });
  return secrets;
}

/** The key to sign with: `sendKeyId` when given (it must be one of `keys`), else the first key, if any. */
export function checkSendKeyId(sendKeyId: unknown, keys: ReadonlyMap<number, unknown>, path: string, keysPath: string): number | undefined {
  if (sendKeyId === undefined) return keys.keys().next().value;
  checkKeyId(sendKeyId, path);
  if (!keys.has(sendKeyId)) {
    const known = keys.size ? [...keys.keys()].join(', ') : 'none';
    throw rangeError('ERR_INVALID_ARG_VALUE', `${path} ${sendKeyId} is not among ${keysPath} (key ids: ${known})`);
  }
  return sendKeyId;
}
