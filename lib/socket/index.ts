// Public surface of the socket layer.
export { MulticastSocket } from './multicast-socket';
export type { ArrivalDropReason, Datagram, MulticastSocketEvents, MulticastSocketOptions, MulticastSocketStats } from './multicast-socket';
export { InterfaceMonitor, interfaceStatus } from './interface-monitor';
export type { InterfaceMonitorEvents, InterfaceMonitorOptions, InterfaceStatus } from './interface-monitor';
export { listInterfaces, resolveInterface, findInterface } from './interfaces';
export type { InterfaceAddress, InterfaceFlags, NetworkInterfaceInfo, ResolvedInterface } from './interface-types';
export { MAX_PAYLOAD_BYTES } from './validate';
export type { Family as IpFamily } from './validate';
