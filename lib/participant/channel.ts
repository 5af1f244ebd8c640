// The election's way onto the network, on the bound NIC: the socket bound to the election's port,
// and how a packet reaches the others: multicast to the group, or (with peers) unicast to every
// peer but ourselves through PeerLinks. Opened on a NIC as a whole and replaced as a whole (a
// rejoin builds the new one before it closes the old). With peers it is also the arrival rule's
// last word: only the peers' addresses are heard, and their empty datagrams are probes.
import { formatPeerAddress, type PeerAddress } from '../address';
import type { ArrivalDropReason, Datagram, MulticastSocket } from '../socket';
import { PeerLinks } from '../socket/peer-links';
import { openElectionSocket } from './components';
import type { ResolvedOptions } from './options';
import { otherPeers, peerSources } from './peers';
import type { BoundInterface } from './types';

export interface ChannelEvents {
  /** A datagram for the codec, from the socket open now. */
  readonly onDatagram: (datagram: Datagram) => void;
  /** A datagram the socket's arrival rule dropped. */
  readonly onDrop: (reason: ArrivalDropReason) => void;
  /** With peers: a datagram from `from`, which is not a peer's address (dropped). */
  readonly onNotPeer: (from: string) => void;
  readonly onError: (error: Error) => void;
  /** With peers: a peer refused a datagram (ICMP unreachable, no route). */
  readonly onUnreachable: (peer: PeerAddress, error: NodeJS.ErrnoException) => void;
}

const EMPTY = Buffer.alloc(0);

export class ElectionChannel {
  readonly #options: ResolvedOptions;
  readonly #events: ChannelEvents;
  #socket: MulticastSocket | undefined;
  #links: PeerLinks | undefined;
  /** With peers: every peer as listed (this node's own address too, if it is there), and their addresses. */
  #peers: readonly PeerAddress[] | undefined;
  #sources: ReadonlySet<string> | undefined;
  /** Our own end, to skip in the list: the NIC's address and our port. */
  #self: { address: string; port: number } | undefined;

  constructor(options: ResolvedOptions, events: ChannelEvents) {
    this.#options = options;
    this.#events = events;
    this.#peers = options.peers;
    this.#sources = options.peers && peerSources(options.peers);
  }

  get isOpen(): boolean {
    return this.#socket !== undefined;
  }

  /** With peers: the list as "addr:port"; with a group: undefined. */
  get peers(): string[] | undefined {
    return this.#peers?.map(formatPeerAddress);
  }

  /** Opens on `nic`, replacing what was open only once the new one works (throws otherwise, leaving the old one). */
  openOn(nic: BoundInterface): void {
    const socket = openElectionSocket(this.#options, nic);
    let links: PeerLinks | undefined;
    try {
      links = this.#linksOn(nic);
    } catch (error) {
      socket.close();
      throw error;
    }
    socket.on('message', (datagram) => this.#arrived(socket, datagram));
    socket.on('drop', (reason) => this.#events.onDrop(reason));
    socket.on('error', (error) => this.#events.onError(error));
    this.close();
    this.#socket = socket;
    this.#links = links;
    this.#self = { address: nic.address, port: this.#options.port };
  }

  close(): void {
    this.#socket?.close();
    this.#socket = undefined;
    this.#links?.close();
    this.#links = undefined;
  }

  /** Sends one packet to the others: true when it left, false when a queue was full; throws when it failed. */
  send(packet: Buffer): boolean {
    const group = this.#options.group;
    if (group === undefined) return this.#links?.send(packet) ?? true;
    return this.#socket?.send(packet, group.group, this.#options.port) ?? false;
  }

  /** Whether sending works again: an empty datagram, which receivers drop. */
  sendProbe(): boolean {
    return this.#socket === undefined ? false : this.send(EMPTY);
  }

  /** With peers: the new list (already checked) from the next packet on. */
  setPeers(peers: readonly PeerAddress[]): void {
    if (this.#links !== undefined && this.#self !== undefined) this.#links.sync(otherPeers(peers, this.#self));
    this.#peers = peers;
    this.#sources = peerSources(peers);
  }

  /**
   * The port `address`'s participant is bound to: ours with a group; with peers its entry's, or
   * undefined when several entries share the address (a message carries no port). Asked after
   * every step while a target has no probe: it allocates nothing.
   */
  portOf(address: string): number | undefined {
    if (this.#peers === undefined) return this.#options.port;
    let found: number | undefined;
    for (const peer of this.#peers) {
      if (peer.address !== address) continue;
      if (found !== undefined) return undefined;
      found = peer.port;
    }
    return found ?? this.#options.port;
  }

  #linksOn(nic: BoundInterface): PeerLinks | undefined {
    if (this.#peers === undefined) return undefined;
    const links = new PeerLinks({
      family: this.#options.family, interfaceName: nic.name, interfaceIndex: nic.index, localAddress: nic.address, ttl: this.#options.ttl,
      onUnreachable: this.#events.onUnreachable,
    });
    try {
      links.sync(otherPeers(this.#peers, { address: nic.address, port: this.#options.port }));
    } catch (error) {
      links.close();
      throw error;
    }
    return links;
  }

  #arrived(socket: MulticastSocket, datagram: Datagram): void {
    if (socket !== this.#socket) return;
    if (this.#sources !== undefined) {
      if (!this.#sources.has(datagram.address)) return this.#events.onNotPeer(datagram.address);
      // A follower's probe of the leader (lib/socket/unicast-probe.ts) or a send check: not traffic.
      if (datagram.data.length === 0) return;
    }
    this.#events.onDatagram(datagram);
  }
}
