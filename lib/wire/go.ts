// The Go MultiBully library's text format: "<kind>|<ip>|<pid>|" padded with '#' to 128 bytes.
// It carries no term, nonce, sequence, flags, metadata, cluster or authentication.
import { inspect } from 'node:util';
import { parseAddress, unicastProblem } from '../address';
import { checkMessage } from '../core/message';
import { UINT64_MAX, type Message, type MessageType } from '../core/types';
import { typeError } from '../errors';
import { toUint64 } from '../validate';
import { drop, type Codec, type DecodeResult } from './types';
import { checkSenderAddress } from './validate';

export const GO_PACKET_BYTES = 128;
const GO_SEPARATOR = 0x7c; // '|'
const GO_PADDING = 0x23; // '#'

const GO_KIND_CODES: Readonly<Partial<Record<MessageType, string>>> = Object.freeze({
  election: '0',
  ok: '1',
  coordinator: '2',
});
const GO_KINDS: ReadonlyMap<string, MessageType> = new Map([
  ['0', 'election'],
  ['1', 'ok'],
  ['2', 'coordinator'],
]);
const CANONICAL_PID = /^(0|[1-9][0-9]{0,19})$/;

export function createGoCodec(): GoCodec {
  return new GoCodec();
}

export class GoCodec implements Codec {
  readonly wire = 'go' as const;

  /** term, nonce, seq and flags are not carried and are ignored; metadata and RESIGN throw. */
  encode(message: Message): Buffer {
    const m = checkMessage(message);
    const kind = GO_KIND_CODES[m.type];
    if (kind === undefined) {
      throw typeError('ERR_INVALID_ARG_TYPE', `the Go legacy wire has no ${m.type} message; a go-mode participant must not send one`);
    }
    if (m.metadata && m.metadata.length > 0) {
      throw typeError('ERR_INVALID_ARG_TYPE', 'the Go legacy wire cannot carry metadata; leave metadata unset in go mode');
    }
    const id = toUint64(m.from.id, 'message.from.id', 'bigint-or-number');
    const address = checkSenderAddress(m.from.address);
    const text = `${kind}|${address.text}|${id}|`;
    // Longest possible text is 69 bytes (45-char IPv6 + 20-digit pid), so padding always fits.
    const packet = Buffer.alloc(GO_PACKET_BYTES, GO_PADDING);
    packet.write(text, 0, 'latin1');
    return packet;
  }

  decode(packet: Uint8Array): DecodeResult {
    try {
      return decodeGo(packet);
    } catch (error) {
      return drop('bad-field', `decoder error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  toString(): string {
    return 'GoCodec';
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function decodeGo(input: Uint8Array): DecodeResult {
  if (!(input instanceof Uint8Array)) return drop('bad-field', 'packet is not a Uint8Array');
  const packet = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (packet.length < GO_PACKET_BYTES) return drop('truncated', `${packet.length} bytes, Go packets are exactly 128`);
  if (packet.length > GO_PACKET_BYTES) return drop('oversized', `${packet.length} bytes, Go packets are exactly 128`);

  const kindEnd = packet.indexOf(GO_SEPARATOR);
  if (kindEnd < 0) return drop('bad-field', "no '|' after the kind field");
  const kindText = packet.toString('latin1', 0, kindEnd);
  const type = GO_KINDS.get(kindText);
  if (type === undefined) return drop('bad-type', `kind ${quote(kindText)}, expected 0, 1 or 2`);

  const ipEnd = packet.indexOf(GO_SEPARATOR, kindEnd + 1);
  if (ipEnd < 0) return drop('bad-field', "no '|' after the ip field");
  const ipText = packet.toString('latin1', kindEnd + 1, ipEnd);
  const address = parseAddress(ipText);
  if (!address) return drop('bad-field', `ip ${quote(ipText)} is not an IPv4 or IPv6 address`);
  const problem = unicastProblem(address);
  if (problem) return drop('bad-field', `ip ${address.text} ${problem}`);

  const pidEnd = packet.indexOf(GO_SEPARATOR, ipEnd + 1);
  if (pidEnd < 0) return drop('bad-field', "no '|' after the pid field");
  const pidText = packet.toString('latin1', ipEnd + 1, pidEnd);
  if (!CANONICAL_PID.test(pidText)) return drop('bad-field', `pid ${quote(pidText)} is not a plain decimal number`);
  const id = BigInt(pidText);
  if (id > UINT64_MAX) return drop('bad-field', `pid ${pidText} exceeds 2^64-1`);

  for (let i = pidEnd + 1; i < GO_PACKET_BYTES; i++) {
    if (packet[i] !== GO_PADDING) {
      return drop('trailing-bytes', `byte 0x${packet[i]!.toString(16).padStart(2, '0')} at offset ${i} in the '#' padding`);
    }
  }
  return {
    ok: true,
    message: { type, term: 0n, from: { id, address: address.text, nonce: 0n }, seq: 0n, flags: 0 },
  };
}

/** Quotes an untrusted field for an error detail: escaped and cut short. */
function quote(text: string): string {
  return JSON.stringify(text.length > 48 ? `${text.slice(0, 48)}…` : text);
}
