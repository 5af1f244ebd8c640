// Validation of createV1Codec options. Errors never include secret material.
import { clusterId, clusterNameBytes } from './cluster';
import { wireRangeError, wireTypeError } from './errors';
import { DEFAULT_REPLAY_WINDOW, MAX_REPLAY_WINDOW } from './replay';
import { WireSecret } from './secret';
import { MAX_KEY_ID } from './v1-layout';
import { describeValue } from '../errors';

export interface WireKey {
  /** Key id carried in every authenticated packet: an integer 0..255. */
  readonly id: number;
  /** At least 16 bytes; a string is taken as UTF-8. */
  readonly secret: Uint8Array | string | WireSecret;
}

export interface V1CodecOptions {
  /** Cluster name, 1..64 bytes (UTF-8 for strings). Only its 8-byte hash travels. */
  readonly cluster: string | Uint8Array;
  /** Accepted keys. With none, packets are sent and accepted without authentication. */
  readonly keys?: readonly WireKey[];
  /** Key used to send; default: the first of `keys`. */
  readonly sendKeyId?: number;
  /** Max sender instances tracked for replay, LRU; default 4096. */
  readonly replayWindow?: number;
}

export interface ResolvedV1Options {
  readonly clusterLabel: string;
  readonly clusterId: Buffer;
  readonly keys: ReadonlyMap<number, WireSecret>;
  readonly sendKeyId: number | undefined;
  readonly replayWindow: number;
}

export function resolveV1Options(options: unknown): ResolvedV1Options {
  if (typeof options !== 'object' || options === null) {
    throw wireTypeError(`createV1Codec options must be an object, got ${describeValue(options)}`);
  }
  const o = options as V1CodecOptions;
  if (o.cluster === undefined) throw wireTypeError('createV1Codec: options.cluster is required');
  const nameBytes = clusterNameBytes(o.cluster);
  const clusterLabel = typeof o.cluster === 'string' ? o.cluster : `0x${nameBytes.toString('hex')}`;

  const keys = new Map<number, WireSecret>();
  if (o.keys !== undefined) {
    if (!Array.isArray(o.keys)) throw wireTypeError(`options.keys must be an array, got ${describeValue(o.keys)}`);
    o.keys.forEach((key: unknown, index) => {
      if (typeof key !== 'object' || key === null) {
        throw wireTypeError(`options.keys[${index}] must be an object { id, secret }, got ${describeValue(key)}`);
      }
      const { id, secret } = key as WireKey;
      checkKeyId(id, `options.keys[${index}].id`);
      if (keys.has(id)) {
        throw wireRangeError(`options.keys has key id ${id} twice; key ids must be unique`, 'ERR_INVALID_ARG_VALUE');
      }
      keys.set(id, secret instanceof WireSecret ? secret : new WireSecret(secret, `options.keys[${index}].secret`));
    });
  }

  let sendKeyId: number | undefined;
  if (o.sendKeyId !== undefined) {
    checkKeyId(o.sendKeyId, 'options.sendKeyId');
    if (!keys.has(o.sendKeyId)) {
      const known = keys.size ? [...keys.keys()].join(', ') : 'none';
      throw wireRangeError(
        `options.sendKeyId ${o.sendKeyId} is not among options.keys (key ids: ${known})`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
    sendKeyId = o.sendKeyId;
  } else if (keys.size > 0) {
    sendKeyId = keys.keys().next().value as number;
  }

  const replayWindow = o.replayWindow ?? DEFAULT_REPLAY_WINDOW;
  if (typeof replayWindow !== 'number' || !Number.isInteger(replayWindow)) {
    throw wireTypeError(`options.replayWindow must be an integer, got ${describeValue(replayWindow)}`);
  }
  if (replayWindow < 1 || replayWindow > MAX_REPLAY_WINDOW) {
    throw wireRangeError(`options.replayWindow must be in 1..${MAX_REPLAY_WINDOW}, got ${replayWindow}`);
  }

  return { clusterLabel, clusterId: clusterId(nameBytes), keys, sendKeyId, replayWindow };
}

/** A key id (in options.keys or as sendKeyId) is an integer 0..MAX_KEY_ID: one byte on the wire. */
export function checkKeyId(id: unknown, field: string): asserts id is number {
  if (typeof id !== 'number' || !Number.isInteger(id)) {
    throw wireTypeError(`${field} must be an integer 0..${MAX_KEY_ID}, got ${describeValue(id)}`);
  }
  if (id < 0 || id > MAX_KEY_ID) throw wireRangeError(`${field} must be in 0..${MAX_KEY_ID}, got ${id}`);
}
