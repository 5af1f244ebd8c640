// Validation of createV1Codec options. Errors never include secret material.
import { describeValue, rangeError, typeError } from '../errors';
import { checkOptionsObject } from '../validate';
import { clusterId, clusterNameBytes } from './cluster';
import { checkKeys, checkSendKeyId, type WireKey } from './keys';
import { DEFAULT_REPLAY_WINDOW, MAX_REPLAY_WINDOW } from './replay';
import type { WireSecret } from './secret';

export interface V1CodecOptions {
  /** Cluster name, 1..64 bytes (UTF-8 for strings). Only its 8-byte hash travels. */
  readonly cluster: string | Uint8Array;
  /** Accepted keys. With none, packets are sent and accepted without authentication. */
  readonly keys?: readonly WireKey[];
  /** Key used to send; default: the first of `keys`. */
  readonly sendKeyId?: number;
  /** Max sender instances tracked by the replay filter (docs/PROTOCOL.md "Bounded state"); default 1024. */
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
  checkOptionsObject(options, { owner: 'createV1Codec' });
  const o = options as V1CodecOptions;
  if (o.cluster === undefined) throw typeError('ERR_INVALID_ARG_TYPE', 'createV1Codec: options.cluster is required');
  const nameBytes = clusterNameBytes(o.cluster);
  const clusterLabel = typeof o.cluster === 'string' ? o.cluster : `0x${nameBytes.toString('hex')}`;
  const keys = o.keys === undefined ? new Map<number, WireSecret>() : checkKeys(o.keys, 'options.keys');
  const sendKeyId = checkSendKeyId(o.sendKeyId, keys, 'options.sendKeyId', 'options.keys');

  const replayWindow = o.replayWindow ?? DEFAULT_REPLAY_WINDOW;
  if (typeof replayWindow !== 'number' || !Number.isInteger(replayWindow)) {
    throw typeError('ERR_INVALID_ARG_TYPE', `options.replayWindow must be an integer, got ${describeValue(replayWindow)}`);
  }
  if (replayWindow < 1 || replayWindow > MAX_REPLAY_WINDOW) {
    throw rangeError('ERR_OUT_OF_RANGE', `options.replayWindow must be in 1..${MAX_REPLAY_WINDOW}, got ${replayWindow}`);
  }

  return { clusterLabel, clusterId: clusterId(nameBytes), keys, sendKeyId, replayWindow };
}
