// Plain data describing network interfaces, as returned by the addon.

export interface InterfaceFlags {
  readonly up: boolean;
  readonly running: boolean;
  readonly multicast: boolean;
  readonly loopback: boolean;
}

export interface InterfaceAddress {
  readonly family: 4 | 6;
  readonly address: string;
  readonly netmask: string;
  readonly prefixLength: number;
  /** IPv6 scope id of this address (non-zero for link-local); 0 for IPv4. */
  readonly scopeId: number;
}

export interface NetworkInterfaceInfo {
  readonly name: string;
  readonly index: number;
  readonly flags: InterfaceFlags;
  readonly addresses: readonly InterfaceAddress[];
}

/** One interface chosen for one address family. */
export interface ResolvedInterface {
  readonly name: string;
  readonly index: number;
  readonly family: 4 | 6;
  /** This host's unicast address on the interface (see resolveInterface for the choice). */
  readonly address: string;
  /** IPv6: the interface's scope id (its index), for link-local destinations. IPv4: 0. */
  readonly scopeId: number;
  readonly flags: InterfaceFlags;
}
