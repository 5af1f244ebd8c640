// Network-namespace test LAN for socket and multi-host election tests (Linux, root).
export { lanSupport, type LanSupport } from './support';
export { createLan, type Lan, type LanOptions, type Router } from './lan';
export { describeOnLan, type Killable, type LanSuiteOptions, type SuiteLan } from './describe-on-lan';
export type { Host, HostNic, HostRoute } from './host';
export type { Dev } from './names';
export type { ExecResult } from './exec';
export { collectLines, type LineCollector } from './lines';
