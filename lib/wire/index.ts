// Wire codecs: v1 (binary, authenticated, replay-filtered) and the Go legacy text format.
// docs/PROTOCOL.md specifies both byte by byte.
export { DROP_REASONS } from './types';
export type { Codec, DecodeResult, DropReason } from './types';
export { createV1Codec, V1Codec } from './v1';
export { type V1CodecOptions } from './v1-options';
export { checkKeyId, checkKeys, checkSendKeyId, type WireKey } from './keys';
export { createGoCodec, GoCodec, GO_PACKET_BYTES } from './go';
export { WireSecret, MIN_SECRET_BYTES, secretBytes } from './secret';
export { clusterId, clusterNameBytes, MAX_CLUSTER_NAME_BYTES } from './cluster';
export { MAX_V1_PACKET_BYTES, MAX_KEY_ID, V1_VERSION } from './v1-layout';
export { DEFAULT_REPLAY_WINDOW } from './replay';
