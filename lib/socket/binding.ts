// Loads the compiled addon (a prebuild from prebuilds/ or a local build/ via node-gyp-build).
import * as path from 'node:path';
import { codedError } from '../errors';
import type { NetworkInterfaceInfo } from './interface-types';

/** The native socket as the addon exposes it; only multicast-socket.ts and unicast-probe.ts talk to it. */
export interface NativeUdpSocket {
  /**
   * One call per wake-up with every datagram read in it (one recvmmsg on Linux; see
   * native/udp_receive.cc, BatchReceiver). `payload` holds the datagrams' bytes back to back;
   * `meta` (reused from call to call: read it before returning) has 8 ints per datagram;
   * `addresses` the batch's distinct address texts.
   */
  onbatch?: (count: number, payload: Buffer, meta: Int32Array, addresses: string[]) => void;
  onerror?: (error: Error) => void;
  bind(port: number, address: string): void;
  join(group: string, interfaceIndex: number): void;
  leave(group: string, interfaceIndex: number): void;
  setMulticastInterface(interfaceIndex: number): void;
  setTTL(hops: number): void;
  getTTL(): number;
  /** IP_TTL / IPV6_UNICAST_HOPS, 1..255. */
  setUnicastTTL(hops: number): void;
  getUnicastTTL(): number;
  setLoopback(on: boolean): void;
  getLoopback(): boolean;
  bindToDevice(name: string): void;
  /** connect(2): the socket then reports ICMP port unreachable from that peer as ECONNREFUSED. */
  connect(address: string, port: number, scopeId?: number): void;
  send(data: Uint8Array, address: string, port: number, scopeId?: number): boolean;
  address(): { address: string; port: number };
  ref(): void;
  unref(): void;
  close(): void;
  isClosed(): boolean;
}

/**
 * The native interface watcher (Linux only): an rtnetlink socket on link and address groups.
 * Calls onchange() once per wake-up in which anything changed; only interface-monitor.ts
 * talks to it. Never keeps the process alive.
 */
export interface NativeInterfaceMonitor {
  onchange?: () => void;
  onerror?: (error: Error) => void;
  close(): void;
  isClosed(): boolean;
}

export interface NativeBinding {
  UdpSocket: new (family: 4 | 6, maxDatagramSize: number) => NativeUdpSocket;
  /** Absent where the platform has no rtnetlink (the monitor then polls listInterfaces). */
  InterfaceMonitor?: new () => NativeInterfaceMonitor;
  listInterfaces(): NetworkInterfaceInfo[];
  /**
   * Floating addresses (Linux only; absent elsewhere), used by lib/cli/vip.ts. Synchronous
   * rtnetlink requests; errors carry code/errno/syscall.
   * vipAddAddress: true when added, false when the NIC already had it (EEXIST). IPv6 gets IFA_F_NODAD.
   * vipRemoveAddress: true when removed, false when the NIC did not have it.
   * vipAnnounce: one gratuitous ARP (4) or unsolicited neighbour advertisement (6); false when
   * the link has no Ethernet address (nothing to announce).
   */
  vipAddAddress?(interfaceIndex: number, family: 4 | 6, address: string, prefixLength: number): boolean;
  vipRemoveAddress?(interfaceIndex: number, family: 4 | 6, address: string, prefixLength: number): boolean;
  vipAnnounce?(interfaceIndex: number, family: 4 | 6, address: string): boolean;
}

/** Package root: lib/socket (under vitest) and dist/socket (built) are both two levels deep. */
const PACKAGE_ROOT = path.join(__dirname, '..', '..');

let cached: NativeBinding | undefined;

/** Loads the addon once; throws ERR_MULTIBULLY_NATIVE_MISSING with build instructions. */
export function nativeBinding(): NativeBinding {
  cached ??= loadBindingFrom(PACKAGE_ROOT);
  return cached;
}

/** Exported for tests: load the addon from a given package root. */
export function loadBindingFrom(root: string): NativeBinding {
  try {
    const load = require('node-gyp-build') as (dir: string) => NativeBinding;
    return load(root);
  } catch (cause) {
    throw codedError(
      'ERR_MULTIBULLY_NATIVE_MISSING',
      `multibully: no native addon for ${process.platform}-${process.arch} ` +
        `(node ${process.versions.node}, N-API ${process.versions.napi}) in ${root}. ` +
        'Build it from source with `npm run build` (or `npx node-gyp rebuild`) in the package ' +
        'directory; that needs python3, make and a C++ compiler.',
      cause,
    );
  }
}
