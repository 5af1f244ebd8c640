// Interface lookup and resolution of "eth0" / 4 / "10.0.0.2" to one exact interface.
import { nativeBinding } from './binding';
import { codedError, describeValue, rangeError, typeError } from '../errors';
import type { InterfaceAddress, NetworkInterfaceInfo, ResolvedInterface } from './interface-types';
import { canonicalAddress, isLinkLocalAddress, parseAddress, parseHostAddress } from '../address';
import { assertFamily, type Family } from './validate';

/** Every interface of this host (network namespace), ordered by index. */
export function listInterfaces(): NetworkInterfaceInfo[] {
  return nativeBinding().listInterfaces();
}

/**
 * Finds the interface named by `spec`: its name, its index (number or decimal string), or one
 * of its local addresses (an IPv6 `%zone` suffix is ignored). Throws
 * ERR_MULTIBULLY_UNKNOWN_INTERFACE listing the interfaces that exist.
 */
export function findInterface(spec: string | number, interfaces = listInterfaces()): NetworkInterfaceInfo {
  checkInterfaceSpec(spec);
  const found = lookupInterface(spec, interfaces);
  if (!found) {
    const existing = interfaces.map((i) => `${i.name} (${i.index})`).join(', ');
    throw rangeError(
      'ERR_MULTIBULLY_UNKNOWN_INTERFACE',
      `unknown interface ${JSON.stringify(String(spec))}; interfaces here: ${existing || 'none'}`,
    );
  }
  return found;
}

/**
 * Resolves `spec` to one interface and this host's address of `family` on it. When `spec` is
 * itself an address of `family`, that address is used. Otherwise IPv4 prefers a routable
 * address over 169.254/16; IPv6 prefers a global or ULA address over link-local (fe80::/10).
 */
export function resolveInterface(spec: string | number, family: Family): ResolvedInterface {
  assertFamily(family);
  const found = findInterface(spec);
  const candidates = found.addresses.filter((a) => a.family === family);
  if (candidates.length === 0) {
    throw codedError(
      'ERR_MULTIBULLY_NO_INTERFACE_ADDRESS',
      `interface ${found.name} (${found.index}) has no IPv${family} address`,
    );
  }
  const chosen = chooseAddress(spec, candidates);
  return {
    name: found.name,
    index: found.index,
    family,
    address: canonicalAddress(chosen.address),
    scopeId: family === 6 ? found.index : 0,
    flags: found.flags,
  };
}

/**
 * The one check of an interface spec (the `interface` option, a socket's NIC argument, the
 * monitor's spec): a non-empty string (a name, a decimal index or a local address) or a positive
 * integer index. Anything else cannot name a NIC: ERR_MULTIBULLY_INVALID_ARGUMENT.
 */
export function checkInterfaceSpec(spec: unknown, path = 'interface'): asserts spec is string | number {
  const problem = `${path} must be a NIC name, a positive index or a local address, got ${describeValue(spec)}`;
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 1 || spec > 0xffff_ffff) throw rangeError('ERR_MULTIBULLY_INVALID_ARGUMENT', problem);
    return;
  }
  if (typeof spec !== 'string' || spec === '') throw typeError('ERR_MULTIBULLY_INVALID_ARGUMENT', problem);
}

/** The canonical address an interface spec names (an IPv6 `%zone` ignored), if it is one. */
function specAddress(spec: string | number): string | undefined {
  return typeof spec === 'string' ? parseAddress(spec.split('%', 1)[0]!, 'keep')?.text : undefined;
}

/**
 * The interface a (valid) spec names, or undefined: by name, then by decimal index, then as the
 * interface carrying that address. Shared by findInterface and the interface monitor.
 */
export function lookupInterface(spec: string | number, interfaces: readonly NetworkInterfaceInfo[]): NetworkInterfaceInfo | undefined {
  if (typeof spec === 'number') return interfaces.find((i) => i.index === spec);
  const found = interfaces.find((i) => i.name === spec) ??
    (/^[0-9]+$/.test(spec) ? interfaces.find((i) => i.index === Number(spec)) : undefined);
  const wanted = found ? undefined : specAddress(spec);
  return wanted === undefined ? found : interfaces.find((i) => i.addresses.some((a) => canonicalAddress(a.address) === wanted));
}

/**
 * The address of `family` this node advertises among an interface's `candidates` (non-empty):
 * the spec itself when it is one of them, else IPv4 prefers a routable address over
 * 169.254/16 and IPv6 a global or ULA address over link-local.
 */
export function chooseAddress(spec: string | number, candidates: readonly InterfaceAddress[]): InterfaceAddress {
  const wanted = specAddress(spec);
  const matching = wanted === undefined ? undefined : candidates.find((a) => canonicalAddress(a.address) === wanted);
  const isLinkLocal = (a: InterfaceAddress): boolean => {
    const parsed = parseHostAddress(a.address);
    return parsed !== undefined && isLinkLocalAddress(parsed);
  };
  return matching ?? candidates.find((a) => !isLinkLocal(a)) ?? candidates[0]!;
}
