// The sending side of a unicast-peers election: one connected UDP socket per peer, on the
// election NIC and from its address. Connected, because only a connected UDP socket hears the
// ICMP errors that say a peer is unreachable (port or host unreachable: its process or host is
// down); those are counted and reported, never fatal. A datagram went out when it left for at
// least one peer, or a peer's refusal shows the network works; when every peer's send failed
// locally (the NIC lost its address or route), send() throws that error, and the caller's fault
// logic takes over as for a failed multicast send.
import { needsScope, type PeerAddress } from '../address';
import { nativeBinding, type NativeUdpSocket } from './binding';

export interface PeerLinksOptions {
  readonly family: 4 | 6;
  /** The NIC to send on (SO_BINDTODEVICE where permitted) and its address (the source). */
  readonly interfaceName: string;
  readonly interfaceIndex: number;
  readonly localAddress: string;
  /** IP_TTL / IPV6_UNICAST_HOPS; undefined: the OS default. */
  readonly ttl: number | undefined;
  /** A peer refused a datagram (ICMP port or host unreachable, no neighbour). */
  readonly onUnreachable: (peer: PeerAddress, error: NodeJS.ErrnoException) => void;
}

export interface PeerLinksStats {
  /** Datagrams that left, counted once per peer. */
  sent: number;
  /** Sends a peer refused (see onUnreachable). */
  unreachable: number;
  /** Sends that failed locally (no route, NIC without the address, …). */
  failed: number;
}

/**
 * Errors that say the peer is not there (or not reachable from here), not that we cannot send at
 * all: a NIC that loses its address or link is the fault domain's, which watches the NIC itself.
 */
const PEER_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH']);

interface Link {
  readonly peer: PeerAddress;
  readonly native: NativeUdpSocket;
  readonly scopeId: number | undefined;
  /** False while there is no route to the peer: connect() is tried again on every send. */
  connected: boolean;
}

export class PeerLinks {
  readonly #options: PeerLinksOptions;
  readonly #links = new Map<string, Link>();
  readonly #stats: PeerLinksStats = { sent: 0, unreachable: 0, failed: 0 };
  #closed = false;

  constructor(options: PeerLinksOptions) {
    this.#options = options;
  }

  get stats(): Readonly<PeerLinksStats> {
    return { ...this.#stats };
  }

  get size(): number {
    return this.#links.size;
  }

  /** Links to exactly these peers: new ones are opened, the others closed. Throws if one cannot be opened (nothing changes then). */
  sync(peers: readonly PeerAddress[]): void {
    const wanted = new Map(peers.map((peer) => [keyOf(peer), peer]));
    const opened: Link[] = [];
    try {
      for (const [key, peer] of wanted) if (!this.#links.has(key)) opened.push(this.#open(peer));
    } catch (error) {
      for (const link of opened) closeLink(link);
      throw error;
    }
    for (const [key, link] of this.#links) {
      if (!wanted.has(key)) {
        closeLink(link);
        this.#links.delete(key);
      }
    }
    for (const link of opened) this.#links.set(keyOf(link.peer), link);
  }

  /** Sends `data` to every peer: true when it left for one at least (or a peer refused it); false when every queue was full. */
  send(data: Uint8Array): boolean {
    if (this.#closed || this.#links.size === 0) return true;
    let left = false;
    let full = false;
    let localError: unknown;
    for (const link of this.#links.values()) {
      const outcome = this.#sendTo(link, data, true);
      if (outcome === 'sent' || outcome === 'refused') left = true;
      else if (outcome === 'full') full = true;
      else localError = outcome.error;
    }
    if (left) return true;
    if (localError !== undefined && !full) throw localError;
    return false;
  }

  close(): void {
    this.#closed = true;
    for (const link of this.#links.values()) closeLink(link);
    this.#links.clear();
  }

  #open(peer: PeerAddress): Link {
    const { family, interfaceName, interfaceIndex, localAddress, ttl } = this.#options;
    const native = new (nativeBinding().UdpSocket)(family, 64);
    const scopeId = needsScope(peer.address) ? interfaceIndex : undefined;
    try {
      // From the NIC's address, which the peers list; a link-local one cannot be bound without
      // its zone, and SO_BINDTODEVICE then picks the source.
      native.bind(0, needsScope(localAddress) ? (family === 4 ? '0.0.0.0' : '::') : localAddress);
      try {
        native.bindToDevice(interfaceName);
      } catch {
        // Unprivileged on a kernel before 5.7: the bound source address decides the NIC.
      }
      if (ttl !== undefined) native.setUnicastTTL(ttl);
      native.unref();
    } catch (error) {
      native.close();
      throw error;
    }
    const link: Link = { peer, native, scopeId, connected: false };
    native.onbatch = () => {}; // peers send to our bound port, not here: only ICMP errors arrive
    native.onerror = (error) => this.#onError(link, error as NodeJS.ErrnoException);
    try {
      this.#connect(link);
    } catch (error) {
      closeLink(link);
      throw error;
    }
    return link;
  }

  /** Connects `link`; no route to the peer (yet) is reported as unreachable and tried again later. */
  #connect(link: Link): boolean {
    try {
      link.native.connect(link.peer.address, link.peer.port, link.scopeId);
      link.connected = true;
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (code === undefined || !PEER_ERRORS.has(code)) throw error;
      this.#stats.unreachable++;
      this.#options.onUnreachable(link.peer, error as NodeJS.ErrnoException);
      return false;
    }
  }

  #sendTo(link: Link, data: Uint8Array, retry: boolean): 'sent' | 'refused' | 'full' | { readonly error: unknown } {
    if (link.native.isClosed()) return 'sent';
    if (!link.connected) {
      try {
        if (!this.#connect(link)) return 'refused';
      } catch (error) {
        this.#stats.failed++;
        return { error };
      }
    }
    try {
      if (!link.native.send(data, link.peer.address, link.peer.port, link.scopeId)) return 'full';
      this.#stats.sent++;
      return 'sent';
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (code !== undefined && PEER_ERRORS.has(code)) {
        // A refusal still pending from an earlier datagram surfaces here; this one did not go out.
        this.#onError(link, error as NodeJS.ErrnoException);
        return retry ? this.#sendTo(link, data, false) : 'refused';
      }
      this.#stats.failed++;
      return { error };
    }
  }

  #onError(link: Link, error: NodeJS.ErrnoException): void {
    if (error.code === 'EBADF' && error.syscall === 'uv_poll') return; // the next send finds out (see unicast-probe.ts)
    if (error.code !== undefined && PEER_ERRORS.has(error.code)) {
      this.#stats.unreachable++;
      this.#options.onUnreachable(link.peer, error);
    }
  }
}

function keyOf(peer: PeerAddress): string {
  return `${peer.address}|${peer.port}`;
}

function closeLink(link: Link): void {
  link.native.onerror = undefined;
  link.native.close();
}
