// Public surface of the socket layer.
export { MulticastSocket } from './multicast-socket';
export type { ArrivalDropReason, Datagram, MulticastSocketEvents, MulticastSocketOptions, MulticastSocketStats } from './multicast-socket';
export { InterfaceMonitor, nicStatus } from './interface-monitor';
export type { InterfaceMonitorEvents, InterfaceMonitorOptions, NicStatus } from './interface-monitor';
export { listInterfaces, resolveInterface, findInterface } from './interfaces';
export type { InterfaceAddress, InterfaceFlags, NetworkInterfaceInfo, ResolvedInterface } from './interface-types';
export { MAX_PAYLOAD_BYTES } from './validate';
export type { Family as IpFamily } from './validate';
