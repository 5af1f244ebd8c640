// Sends what the core wants sent: each message encoded and multicast to the group (or unicast to
// every peer: the channel says how). A failure to
// encode or send loses that packet only (the election copes with loss); it is counted, and failed
// sends are the fault domain's evidence of a send outage.
import type { Message } from '../core/types';
import type { ElectionChannel } from './channel';
import type { Codec } from '../wire';
import type { TrafficCounters } from './counters';
import type { FaultDomain } from './fault-domain';
import type { Logger, PacketLogger } from './logger';

export interface GroupSenderParts {
  readonly codec: Codec;
  /** Where packets go (the group, or every peer); nothing is sent while it is closed. */
  readonly channel: Pick<ElectionChannel, 'isOpen' | 'send'>;
  readonly counters: TrafficCounters;
  readonly faults: FaultDomain;
  readonly log: Logger;
  readonly packetLog: PacketLogger;
}

export class GroupSender {
  readonly #parts: GroupSenderParts;

  constructor(parts: GroupSenderParts) {
    this.#parts = parts;
  }

  send(messages: readonly Message[]): void {
    const { codec, channel, counters, faults, log, packetLog } = this.#parts;
    if (!channel.isOpen) return;
    for (const message of messages) {
      let packet: Buffer;
      try {
        packet = codec.encode(message);
      } catch (error) {
        // A bug, never an input: logged and counted, the election goes on as after a lost packet.
        counters.sendFailures++;
        log.error({ err: error, type: message.type }, 'cannot encode a message; it is not sent');
        continue;
      }
      let delivered: boolean;
      try {
        delivered = channel.send(packet);
      } catch (error) {
        // A down link or a missing route loses this packet; failures that last over a heartbeat
        // put the participant in fault.
        counters.sendFailures++;
        faults.noteSendFailure(error, message.type);
        continue;
      }
      if (delivered) {
        counters.sent++;
        faults.noteSendSuccess(message.type);
        packetLog.trace({ type: message.type, term: message.term }, 'sent');
      } else {
        counters.sendFailures++;
        packetLog.debug({ type: message.type }, 'send would block; packet dropped');
      }
    }
  }
}
