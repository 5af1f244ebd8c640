// One participant of the flood bench (bench/flood.mjs), in a host namespace of the bench LAN:
//
//   node flood-node.mjs IFACE GROUP:PORT ID HEARTBEAT_MS CLUSTER [SECRET]
//
// Prints JSON lines on stdout: {"ev":"state",from,to,reason,t} on every role change, and every
// 250 ms {"ev":"stats",t,rss,cpu,received,dropped,heartbeats:[send times]}: resident memory
// (bytes), CPU used so far (µs, user + system), and the times (ms, this process's clock) at which
// it sent a COORDINATOR since the last line. Exits on SIGTERM (stop: it resigns) or after
// MAX_LIFETIME_MS.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { Participant } = require('../dist/index.js');

const MAX_LIFETIME_MS = 600_000;
const STATS_MS = 250;
const [iface, address, id, heartbeatMs, cluster, secret] = process.argv.slice(2);

let heartbeats = [];
const silent = () => {};
// The leader's heartbeat times come from its trace lines (FLOOD_TRACE=1, the leader only: trace
// builds an entry per received packet, which a production receiver does not).
const tracing = process.env.FLOOD_TRACE === '1';
const logger = {
  trace: (fields, msg) => msg === 'sent' && fields?.type === 'coordinator' && heartbeats.push(performance.timeOrigin + performance.now()),
  debug: silent, info: silent, warn: silent, error: silent,
  isLevelEnabled: (level) => tracing && level === 'trace',
};
const participant = new Participant({
  interface: iface, address, id: BigInt(id), heartbeatMs: Number(heartbeatMs), cluster, logger,
  ...(secret && { secret }),
});
const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
participant.on('state', ({ from, to, reason }) => print({ ev: 'state', from, to, reason, t: performance.timeOrigin + performance.now() }));
participant.on('error', (error) => print({ ev: 'error', message: error.message }));
const stats = setInterval(() => {
  const { user, system } = process.cpuUsage();
  const { received, dropped } = participant.counters;
  const { heapUsed, heapTotal } = process.memoryUsage();
  print({ ev: 'stats', t: performance.timeOrigin + performance.now(), rss: process.memoryUsage.rss(), heapUsed, heapTotal, cpu: user + system, received, dropped, heartbeats });
  heartbeats = [];
}, STATS_MS);
const stop = () => {
  clearInterval(stats);
  void participant.stop().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
setTimeout(stop, MAX_LIFETIME_MS).unref();
await participant.start();
