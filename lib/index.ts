/// <reference types="node" preserve="true" />
// Public entry point. Each room of lib/ exports its public surface from here. The reference
// above stays in dist/index.d.ts: the typings use Node's (EventEmitter, Buffer, AbortSignal), and
// a default tsconfig of TypeScript ≥ 6 (`types: []`) would not load @types/node without it.
export * from './core/types';

// The Participant (what most users need) and the Go-compatible constructor.
export * from './participant';

// Prometheus metrics of a Participant (text exposition format, e.g. for a /metrics endpoint).
export { prometheusText, PROMETHEUS_CONTENT_TYPE, type MetricsSource } from './metrics';

// The pure election core, for custom transports and simulations.
export {
  Election,
  resolveElectionOptions,
  comparePriority,
  seededRandom,
  type ElectionCounters,
  type ElectionMode,
  type ElectionOptions,
  type ResolvedElectionOptions,
} from './core';

// Wire codecs (v1 with HMAC authentication, Go legacy).
export {
  createV1Codec,
  createGoCodec,
  DROP_REASONS,
  type Codec,
  type DecodeResult,
  type DropReason,
  type V1CodecOptions,
  type WireKey,
} from './wire';

// Every error's `code`.
export type { ErrorCode } from './errors';

// Addresses: the GROUP:PORT option and the multicast rule.
export { parseGroupAddress, isMulticast, type GroupAddress } from './address';

// The multicast socket and interface lookup.
export * from './socket';
