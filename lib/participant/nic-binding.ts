// The NIC the election runs on, bound once the options are checked: it must exist, carry an
// address of the group's family, and be able to carry the group at all. Linux carries no IPv6
// multicast over the loopback interface: there is no ff00::/8 route on lo (with or without its
// MULTICAST flag), so an IPv6 group there would join fine and then fault on the first send with a
// bare ENETUNREACH; and with such a route added by hand the sends leave but nothing is looped back
// (each node would lead alone). Refused here, with the fix. IPv4 multicast on lo works.
import type { GroupAddress } from '../address';
import { rangeError } from '../errors';
import { findInterface, resolveInterface, type NetworkInterfaceInfo } from '../socket';
import type { BoundInterface } from './types';

/**
 * Resolves the NIC (throws ERR_MULTIBULLY_UNKNOWN_INTERFACE, …_NO_INTERFACE_ADDRESS or the check
 * below): it needs an address of the election's family (the group's, or the peers').
 */
export function bindInterface(spec: string | number, election: { readonly group: GroupAddress | undefined; readonly family: 4 | 6 }): BoundInterface {
  const nic = findInterface(spec);
  if (election.group) checkGroupOnInterface(election.group, nic);
  const { name, index, address, scopeId } = resolveInterface(spec, election.family);
  return { name, index, address, scopeId };
}

export function checkGroupOnInterface(group: GroupAddress, nic: Pick<NetworkInterfaceInfo, 'name' | 'flags'>, platform = process.platform): void {
  if (platform !== 'linux' || group.family !== 6 || !nic.flags.loopback) return;
  throw rangeError(
    'ERR_MULTIBULLY_UNSUPPORTED',
    `interface ${nic.name} cannot carry the IPv6 group ${group.group}: Linux carries no IPv6 multicast on the loopback interface (sends fail with ENETUNREACH, and with a route added nothing comes back). ` +
      `Use an IPv4 group on ${nic.name} (e.g. 239.255.0.1:${group.port}), or the IPv6 group on a NIC with IPv6 (\`multibully interfaces\` lists them)`,
  );
}
