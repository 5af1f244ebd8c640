// Notices fast that a peer's process is gone while its host is up (crashed, killed, exited
// without a word). A connected UDP socket sends an empty datagram to the peer's port every
// periodMs; once nothing is bound there, the peer's kernel answers ICMP port unreachable and the
// socket reports ECONNREFUSED. A live peer just drops the empty datagram.
// It is a hint, never proof: ICMP is unauthenticated and a host may stay silent (firewall, host
// down, another process on the port). The caller may only shorten a timeout with it.
import { nativeBinding, type NativeUdpSocket } from './binding';
import { rangeError } from '../errors';

export interface UnicastProbeOptions {
  readonly family: 4 | 6;
  /** The peer's unicast address and port. */
  readonly address: string;
  readonly port: number;
  /** IPv6 zone of a link-local peer: the NIC's index. */
  readonly scopeId?: number;
  /** The NIC to send on (SO_BINDTODEVICE where permitted; otherwise the routing table decides). */
  readonly interfaceName: string;
  readonly periodMs: number;
  /** Called on each ICMP port unreachable from the peer. */
  readonly onRefused: () => void;
}

export interface UnicastProbeStats {
  sent: number;
  refused: number;
  /** Sends or receives that failed for another reason (no route, neighbour unreachable, …). */
  otherErrors: number;
}

const EMPTY = new Uint8Array(0);

export class UnicastProbe {
  readonly #native: NativeUdpSocket;
  readonly #options: UnicastProbeOptions;
  readonly #timer: NodeJS.Timeout;
  readonly #stats: UnicastProbeStats = { sent: 0, refused: 0, otherErrors: 0 };

  constructor(options: UnicastProbeOptions) {
    if (!Number.isFinite(options.periodMs) || options.periodMs < 1) {
      throw rangeError('ERR_MULTIBULLY_INVALID_ARGUMENT', `periodMs must be at least 1, got ${String(options.periodMs)}`);
    }
    this.#options = options;
    const native = new (nativeBinding().UdpSocket)(options.family, 64);
    try {
      native.bind(0, options.family === 4 ? '0.0.0.0' : '::');
      try {
        native.bindToDevice(options.interfaceName);
      } catch {
        // Unprivileged on a kernel before 5.7: the route to a peer on the NIC's own subnet is that NIC.
      }
      native.connect(options.address, options.port, options.scopeId);
      native.unref();
    } catch (error) {
      native.close();
      throw error;
    }
    native.onbatch = () => {}; // nothing is expected back but ICMP
    native.onerror = (error) => this.#onError(error);
    this.#native = native;
    this.#timer = setInterval(() => this.#send(), options.periodMs).unref();
    this.#send();
  }

  get stats(): Readonly<UnicastProbeStats> {
    return { ...this.#stats };
  }

  get peer(): string {
    return this.#options.address;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#native.onerror = undefined;
    this.#native.close();
  }

  #send(retry = true): void {
    if (this.#native.isClosed()) return;
    try {
      if (this.#native.send(EMPTY, this.#options.address, this.#options.port, this.#options.scopeId)) this.#stats.sent++;
    } catch (error) {
      // A refusal still pending from the last probe surfaces here too; that send did not go out.
      const refused = (error as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED';
      this.#onError(error);
      if (refused && retry) this.#send(false);
    }
  }

  #onError(error: unknown): void {
    const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
    if (code === 'ECONNREFUSED') {
      this.#stats.refused++;
      this.#options.onRefused();
    } else if (code === 'EBADF' && syscall === 'uv_poll') {
      // libuv stopped the poll on POLLERR without an error pending (the addon reads and reports a
      // pending one as ECONNREFUSED and polls on): a send finds out, and later ones keep doing so.
      this.#send();
    } else {
      this.#stats.otherErrors++;
    }
  }
}
