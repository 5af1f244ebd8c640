// Health checks (keepalived's vrrp_script, track_script and track_file): what moves a node's
// priority, or puts it in fault, while its process lives.
export { HealthCheck, MAX_CHECK_WEIGHT, type CheckProbe, type CheckState, type CheckStatus, type HealthCheckOptions } from './check';
export { HealthMonitor, checkInput, type HealthInput } from './monitor';
export { PriorityFile } from './priority-file';
export { commandProbe } from './command';
