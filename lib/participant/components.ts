// The parts a Participant is made of, each made in one place from the resolved options: the
// election core (again for a new identity), the codec, and the group socket (again after a rejoin).
import { Election } from '../core';
import type { NodeIdentity } from '../core/types';
import { MulticastSocket } from '../socket';
import { createGoCodec, createV1Codec, type Codec } from '../wire';
import type { ResolvedOptions } from './options';

/** A core for this identity (the options were checked by the core's rules), with the metadata and priority in force. */
export function createElection(options: ResolvedOptions, self: NodeIdentity, metadata = options.metadata, priority = options.election.priority): Election {
  return new Election({
    ...options.election, self, metadata: metadata ?? new Uint8Array(0),
    // Go mode has no priority (the core refuses one there).
    ...(options.wire === 'v1' && priority !== undefined && { priority }),
  });
}

/** The Go format, or v1 with the cluster and keys. */
export function createCodec(options: ResolvedOptions): Codec {
  if (options.wire === 'go') return createGoCodec();
  return createV1Codec({
    cluster: options.cluster,
    ...(options.keys !== undefined && { keys: options.keys }),
    ...(options.sendKeyId !== undefined && { sendKeyId: options.sendKeyId }),
  });
}

/**
 * A socket bound to the election's port on the NIC with this index. With a group: joined and
 * sending on that NIC, taking group datagrams only (the arrival rule: sent to our group, on the
 * NIC it was joined on). With peers: receiving unicast on that NIC (SO_BINDTODEVICE where
 * permitted); the Participant drops what no peer sent, and sends through PeerLinks.
 */
export function openElectionSocket(options: ResolvedOptions, nic: { readonly index: number; readonly name: string }): MulticastSocket {
  const { group, port, family } = options;
  const socket = new MulticastSocket({ family, groupsOnly: group !== undefined });
  try {
    socket.bind(port);
    if (group === undefined) {
      try {
        socket.bindToDevice(nic.name);
      } catch {
        // Unprivileged on a kernel before 5.7: the source filter still admits peers only.
      }
      return socket;
    }
    socket.join(group.group, nic.index);
    socket.setMulticastInterface(nic.index);
    socket.setTTL(options.ttl ?? 1);
    socket.setLoopback(options.loopback);
  } catch (error) {
    socket.close();
    throw error;
  }
  return socket;
}
