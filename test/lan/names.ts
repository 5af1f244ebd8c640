// Naming and addressing of one test LAN. Everything lives inside namespaces named after a
// per-LAN tag, so a leftover from a killed run can never collide with a new one.
import { randomBytes } from 'node:crypto';

/** Namespaces of all test LANs start with this; the sweep only ever touches names with it. */
export const TAG_PREFIX = 'mb';
/** Hosts get 10.77.<lan>.<i+1>; keep well below the /24 broadcast address. */
export const MAX_HOSTS = 200;

export type Dev = 'eth0' | 'eth1';

/** `mb` + base36(pid) + 3 random base36 chars, e.g. `mb1a2bx7q` (short enough for any interface name). */
export function makeTag(pid: number = process.pid): string {
  const random = Array.from(randomBytes(3), (b) => (b % 36).toString(36)).join('');
  return `${TAG_PREFIX}${pid.toString(36)}${random}`;
}

export function switchNetns(tag: string): string {
  return `${tag}-sw`;
}

export function hostNetns(tag: string, index: number): string {
  return `${tag}-h${index}`;
}

/** The router namespace of a LAN built with `router: true`. */
export function routerNetns(tag: string): string {
  return `${tag}-rt`;
}

/** Switch-side veth peers of the router's NICs (eth0 on LAN A, eth1 on LAN B). */
export function routerPort(dev: Dev): 'rta' | 'rtb' {
  return dev === 'eth0' ? 'rta' : 'rtb';
}

/** The router's host part on both LANs: 10.77.<lan>.254 and fd77:<lan>::fe (hosts stop at .200). */
export const ROUTER_HOST_PART = 254;

export function hostName(index: number): string {
  return `h${index}`;
}

/** Bridge in the switch namespace: br0 is LAN A (eth0), br1 is LAN B (eth1). */
export function bridgeFor(dev: Dev): 'br0' | 'br1' {
  return dev === 'eth0' ? 'br0' : 'br1';
}

/** Switch-side veth peer of a host's device, e.g. host 3 eth1 -> `h3b`. */
export function switchPort(index: number, dev: Dev): string {
  return `h${index}${dev === 'eth0' ? 'a' : 'b'}`;
}

/** Which LAN a NIC is wired to: 1 (LAN A, br0) or 2 (LAN B, br1). */
export type LanNumber = 1 | 2;

/** The LAN a device is on by default: eth0 on LAN A, eth1 on LAN B (an `eth0OnLanB` host's eth0 is on LAN B). */
export function lanOf(dev: Dev): LanNumber {
  return dev === 'eth0' ? 1 : 2;
}

export function bridgeOfLan(lan: LanNumber): 'br0' | 'br1' {
  return lan === 1 ? 'br0' : 'br1';
}

export function ipv4For(index: number, dev: Dev, lan: LanNumber = lanOf(dev)): string {
  return `10.77.${lan}.${index + 1}`;
}

export function ipv6For(index: number, dev: Dev, lan: LanNumber = lanOf(dev)): string {
  return `fd77:${lan}::${(index + 1).toString(16)}`;
}

export function routerIpv4(lan: LanNumber): string {
  return `10.77.${lan}.${ROUTER_HOST_PART}`;
}

export function routerIpv6(lan: LanNumber): string {
  return `fd77:${lan}::${ROUTER_HOST_PART.toString(16)}`;
}

export function subnetV4(lan: LanNumber): string {
  return `10.77.${lan}.0/24`;
}

export function subnetV6(lan: LanNumber): string {
  return `fd77:${lan}::/64`;
}
