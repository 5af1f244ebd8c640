// Wire format v1 codec: binary, big-endian, optional HMAC-SHA256 trailer, replay filter.
import { timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import { DEFAULT_PRIORITY, MAX_METADATA_BYTES, MAX_PRIORITY, type Message, type NodeIdentity } from '../core/types';
import { formatIPv4, formatIPv6, isIPv4Mapped, unicastProblem } from '../address';
import { rangeError, typeError } from '../errors';
import { toUint64 } from '../validate';
import { ReplayWindow, senderKey } from './replay';
import { drop, type Codec, type DecodeResult } from './types';
import { resolveV1Options, type ResolvedV1Options, type V1CodecOptions } from './v1-options';
import {
  AUTH_TRAILER_BYTES,
  CLUSTER_ID_BYTES,
  FAMILY_IPV4,
  FAMILY_IPV6,
  FLAG_AUTH,
  MAX_V1_PACKET_BYTES,
  MESSAGE_FLAGS_MASK,
  METADATA_LENGTH_BYTES,
  OFFSET,
  PREFIX_BYTES,
  TAG_BYTES,
  TYPE_CODES,
  TYPES_BY_CODE,
  V1_MAGIC,
  SUCCESSOR_FAMILY_BYTES,
  SUCCESSOR_IDENTITY_BYTES,
  SUCCESSOR_NONE,
  V1_VERSION,
  addressFieldLength,
} from './v1-layout';
import { checkMessage, checkMetadataSize } from '../core/message';
import { checkSenderAddress } from './validate';

export function createV1Codec(options: V1CodecOptions): V1Codec {
  return new V1Codec(options);
}

export class V1Codec implements Codec {
  readonly wire = 'v1' as const;
  readonly #options: ResolvedV1Options;
  readonly #replay: ReplayWindow;

  constructor(options: V1CodecOptions) {
    this.#options = resolveV1Options(options);
    // With keys only genuine packets reach the filter, so it can be strict; without, it only
    // removes duplicates (see replay.ts).
    this.#replay = new ReplayWindow(this.#options.replayWindow, this.#options.keys.size > 0 ? 'strict' : 'duplicates');
  }

  /** Cluster id in hex (first 8 bytes of SHA-256 of the name). */
  get clusterId(): string {
    return this.#options.clusterId.toString('hex');
  }

  get keyIds(): number[] {
    return [...this.#options.keys.keys()];
  }

  get sendKeyId(): number | undefined {
    return this.#options.sendKeyId;
  }

  /** Sender instances currently tracked by the replay filter. */
  get trackedSenders(): number {
    return this.#replay.size;
  }

  encode(message: Message): Buffer {
    const m = checkMessage(message);
    const term = toUint64(m.term, 'message.term', 'bigint-or-number');
    const id = toUint64(m.from.id, 'message.from.id', 'bigint-or-number');
    const nonce = toUint64(m.from.nonce, 'message.from.nonce', 'bigint-or-number');
    const seq = toUint64(m.seq, 'message.seq', 'bigint-or-number');
    const address = checkSenderAddress(m.from.address);
    const flags = m.flags ?? 0;
    if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0 || flags > MESSAGE_FLAGS_MASK) {
      throw rangeError('ERR_OUT_OF_RANGE', `message.flags must be an integer 0..${MESSAGE_FLAGS_MASK} (bit 0x80 is reserved for auth)`);
    }
    const metadata = m.metadata;
    if (metadata && metadata.length > 0 && m.type !== 'coordinator') {
      throw typeError('ERR_INVALID_ARG_TYPE', `message.metadata is only carried by coordinator messages, not ${m.type}`);
    }
    if (metadata) checkMetadataSize(metadata, 'message.metadata');
    const successor = m.successor === undefined ? undefined : {
      id: toUint64(m.successor.id, 'message.successor.id', 'bigint-or-number'),
      nonce: toUint64(m.successor.nonce, 'message.successor.nonce', 'bigint-or-number'),
      address: checkSenderAddress(m.successor.address, 'message.successor.address'),
    };

    const sendKeyId = this.#options.sendKeyId;
    const bodyStart = OFFSET.address + address.bytes.length;
    const bodyBytes = m.type === 'coordinator' ? METADATA_LENGTH_BYTES + (metadata?.length ?? 0)
      : m.type === 'resign' ? SUCCESSOR_FAMILY_BYTES + (successor ? SUCCESSOR_IDENTITY_BYTES + successor.address.bytes.length : 0)
      : 0;
    const authBytes = sendKeyId === undefined ? 0 : AUTH_TRAILER_BYTES;
    const packet = Buffer.alloc(bodyStart + bodyBytes + authBytes);

    packet[OFFSET.magic] = V1_MAGIC[0];
    packet[OFFSET.magic + 1] = V1_MAGIC[1];
    packet[OFFSET.version] = V1_VERSION;
    packet[OFFSET.type] = TYPE_CODES[m.type];
    packet[OFFSET.flags] = flags | (sendKeyId === undefined ? 0 : FLAG_AUTH);
    packet[OFFSET.family] = address.family === 4 ? FAMILY_IPV4 : FAMILY_IPV6;
    packet[OFFSET.priority] = m.priority ?? DEFAULT_PRIORITY;
    this.#options.clusterId.copy(packet, OFFSET.cluster);
    packet.writeBigUInt64BE(term, OFFSET.term);
    packet.writeBigUInt64BE(id, OFFSET.id);
    packet.writeBigUInt64BE(nonce, OFFSET.nonce);
    packet.writeBigUInt64BE(seq, OFFSET.seq);
    packet.set(address.bytes, OFFSET.address);
    if (m.type === 'coordinator') {
      packet.writeUInt16BE(metadata?.length ?? 0, bodyStart);
      if (metadata) packet.set(metadata, bodyStart + METADATA_LENGTH_BYTES);
    }
    if (m.type === 'resign') {
      packet[bodyStart] = successor === undefined ? SUCCESSOR_NONE : successor.address.family === 4 ? FAMILY_IPV4 : FAMILY_IPV6;
      if (successor) {
        packet.writeBigUInt64BE(successor.id, bodyStart + SUCCESSOR_FAMILY_BYTES);
        packet.writeBigUInt64BE(successor.nonce, bodyStart + SUCCESSOR_FAMILY_BYTES + 8);
        packet.set(successor.address.bytes, bodyStart + SUCCESSOR_FAMILY_BYTES + SUCCESSOR_IDENTITY_BYTES);
      }
    }
    if (sendKeyId !== undefined) {
      const keyIdOffset = bodyStart + bodyBytes;
      packet[keyIdOffset] = sendKeyId;
      const tag = this.#options.keys.get(sendKeyId)!.hmac(packet.subarray(0, keyIdOffset + 1));
      tag.copy(packet, keyIdOffset + 1);
    }
    return packet;
  }

  decode(packet: Uint8Array): DecodeResult {
    try {
      return this.#decode(packet);
    } catch (error) {
      // Defensive: no input may throw out of decode. Reaching this is a codec bug.
      return drop('bad-field', `decoder error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #decode(input: Uint8Array): DecodeResult {
    if (!(input instanceof Uint8Array)) return drop('bad-field', 'packet is not a Uint8Array');
    const packet = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const length = packet.length;
    if (length > MAX_V1_PACKET_BYTES) {
      return drop('oversized', `${length} bytes, the largest v1 packet is ${MAX_V1_PACKET_BYTES}`);
    }
    if (length < PREFIX_BYTES) return drop('truncated', `${length} bytes, shorter than the ${PREFIX_BYTES}-byte prefix`);
    if (packet[0] !== V1_MAGIC[0] || packet[1] !== V1_MAGIC[1]) {
      return drop('bad-magic', `magic 0x${packet.subarray(0, 2).toString('hex')}, expected 0x4d42 ("MB")`);
    }
    const version = packet[OFFSET.version]!;
    if (version !== V1_VERSION) return drop('bad-version', `version ${version}, this decoder speaks ${V1_VERSION}`);
    const typeCode = packet[OFFSET.type]!;
    const type = TYPES_BY_CODE.get(typeCode);
    if (type === undefined) return drop('bad-type', `type code ${typeCode}, expected 1..4`);
    const wireFlags = packet[OFFSET.flags]!;
    const authenticated = (wireFlags & FLAG_AUTH) !== 0;
    const family = packet[OFFSET.family]!;
    if (family !== FAMILY_IPV4 && family !== FAMILY_IPV6) {
      return drop('bad-field', `address family ${family}, expected 4 or 6`);
    }
    if (length > OFFSET.priority && packet[OFFSET.priority]! > MAX_PRIORITY) {
      return drop('bad-field', `priority ${packet[OFFSET.priority]}, expected 0..${MAX_PRIORITY}`);
    }

    const bodyStart = OFFSET.address + addressFieldLength(family);
    let bodyEnd = bodyStart;
    let metadataLength = 0;
    let successorFamily = SUCCESSOR_NONE;
    if (type === 'coordinator') {
      if (length < bodyStart + METADATA_LENGTH_BYTES) {
        return drop('truncated', `${length} bytes, coordinator header needs ${bodyStart + METADATA_LENGTH_BYTES}`);
      }
      metadataLength = packet.readUInt16BE(bodyStart);
      if (metadataLength > MAX_METADATA_BYTES) {
        return drop('bad-length', `metadata length ${metadataLength} exceeds ${MAX_METADATA_BYTES}`);
      }
      bodyEnd = bodyStart + METADATA_LENGTH_BYTES + metadataLength;
    }
    if (type === 'resign') {
      if (length < bodyStart + SUCCESSOR_FAMILY_BYTES) {
        return drop('truncated', `${length} bytes, resign header needs ${bodyStart + SUCCESSOR_FAMILY_BYTES}`);
      }
      successorFamily = packet[bodyStart]!;
      if (successorFamily !== SUCCESSOR_NONE && successorFamily !== FAMILY_IPV4 && successorFamily !== FAMILY_IPV6) {
        return drop('bad-field', `successor family ${successorFamily}, expected 0, 4 or 6`);
      }
      bodyEnd = bodyStart + SUCCESSOR_FAMILY_BYTES
        + (successorFamily === SUCCESSOR_NONE ? 0 : SUCCESSOR_IDENTITY_BYTES + addressFieldLength(successorFamily));
    }
    const expected = bodyEnd + (authenticated ? AUTH_TRAILER_BYTES : 0);
    if (length < expected) return drop('truncated', `${length} bytes, this ${type} packet needs ${expected}`);
    if (length > expected) return drop('trailing-bytes', `${length - expected} bytes after the end of the ${type} packet`);

    const address = readAddress(packet, family, OFFSET.address, 'sender');
    if (typeof address !== 'string') return address;
    let successor: NodeIdentity | undefined;
    if (successorFamily !== SUCCESSOR_NONE) {
      const at = bodyStart + SUCCESSOR_FAMILY_BYTES;
      const successorAddress = readAddress(packet, successorFamily, at + SUCCESSOR_IDENTITY_BYTES, 'successor');
      if (typeof successorAddress !== 'string') return successorAddress;
      successor = { id: packet.readBigUInt64BE(at), address: successorAddress, nonce: packet.readBigUInt64BE(at + 8) };
    }

    const cluster = packet.subarray(OFFSET.cluster, OFFSET.cluster + CLUSTER_ID_BYTES);
    if (!cluster.equals(this.#options.clusterId)) {
      return drop('other-cluster', `cluster id ${cluster.toString('hex')}, this node's is ${this.clusterId}`);
    }

    const authProblem = this.#verify(packet, authenticated, bodyEnd);
    if (authProblem) return authProblem;

    const id = packet.readBigUInt64BE(OFFSET.id);
    const nonce = packet.readBigUInt64BE(OFFSET.nonce);
    const seq = packet.readBigUInt64BE(OFFSET.seq);
    const sender = senderKey(id, address, nonce);
    if (this.#replay.isReplay(sender, seq)) {
      return drop(
        'replay',
        this.#replay.policy === 'strict'
          ? `seq ${seq} from ${id}@${address} nonce ${nonce} is not newer than the last accepted`
          : `seq ${seq} from ${id}@${address} nonce ${nonce} is a duplicate`,
      );
    }
    this.#replay.accept(sender, seq);

    const message: Message = {
      type,
      term: packet.readBigUInt64BE(OFFSET.term),
      from: { id, address, nonce },
      seq,
      flags: wireFlags & MESSAGE_FLAGS_MASK,
      priority: packet[OFFSET.priority]!,
      ...(metadataLength > 0
        ? { metadata: new Uint8Array(packet.subarray(bodyStart + METADATA_LENGTH_BYTES, bodyEnd)) }
        : {}),
      ...(successor !== undefined && { successor }),
    };
    return { ok: true, message };
  }

  #verify(packet: Buffer, authenticated: boolean, keyIdOffset: number): DecodeResult | undefined {
    const keys = this.#options.keys;
    if (!authenticated) {
      return keys.size > 0 ? drop('unauthenticated', 'packet has no auth trailer; this node requires one') : undefined;
    }
    const keyId = packet[keyIdOffset]!;
    const key = keys.get(keyId);
    if (!key) {
      return drop(
        'unknown-key',
        keys.size > 0 ? `key id ${keyId} is not configured` : `key id ${keyId}: this node has no keys to verify with`,
      );
    }
    const expectedTag = key.hmac(packet.subarray(0, keyIdOffset + 1));
    const tag = packet.subarray(keyIdOffset + 1, keyIdOffset + 1 + TAG_BYTES);
    if (!timingSafeEqual(tag, expectedTag)) return drop('bad-tag', `HMAC tag does not verify under key id ${keyId}`);
    return undefined;
  }

  toString(): string {
    return `V1Codec(cluster ${this.#options.clusterLabel}, keys [${this.keyIds.join(', ')}])`;
  }

  toJSON(): object {
    return { wire: this.wire, cluster: this.#options.clusterLabel, keyIds: this.keyIds, sendKeyId: this.sendKeyId };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** The canonical text of an address field (sender or successor), or the drop that its bytes call for. */
function readAddress(packet: Buffer, family: number, offset: number, what: string): string | DecodeResult {
  const raw = packet.subarray(offset, offset + addressFieldLength(family));
  if (family === FAMILY_IPV6 && isIPv4Mapped(raw)) {
    return drop('bad-field', `IPv4-mapped IPv6 ${what} address; IPv4 addresses must use family 4`);
  }
  const text = family === FAMILY_IPV4 ? formatIPv4(raw) : formatIPv6(raw);
  const problem = unicastProblem({ family: family === FAMILY_IPV4 ? 4 : 6, bytes: raw, text });
  return problem ? drop('bad-field', `${what} address ${text} ${problem}`) : text;
}
