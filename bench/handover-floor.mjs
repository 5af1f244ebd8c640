// Baseline for the planned-handover figure of the failover benchmark: the least any Node
// implementation can do between SIGTERM and a successor knowing it leads, on the same LAN with
// the same native socket. `leader` multicasts a heartbeat every HEARTBEAT ms (its send path is
// warm, as a real leader's is) and, on SIGTERM, one resign datagram, then exits. `follower`
// hears the heartbeats and prints `heard TIME`, the precise time the resign arrived, then exits.
// No election, no codec, no events: only the signal, one send, one hop and one receive.
// Bounded: each process exits on its own by LIFETIME_MS.
// Usage: node handover-floor.mjs leader|follower IFACE GROUP PORT HEARTBEAT_MS
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { MulticastSocket } = require('../dist/index.js');

const [mode, iface, group, portText, heartbeatText] = process.argv.slice(2);
const port = Number(portText);
const heartbeatMs = Number(heartbeatText);
const LIFETIME_MS = 30_000;
const HEARTBEAT = Buffer.alloc(64, 0x48); // 'H', about a v1 COORDINATOR's size
const RESIGN = Buffer.alloc(64, 0x52); // 'R'

const socket = new MulticastSocket({ family: 4 });
socket.bind(port);
socket.join(group, iface);
socket.setMulticastInterface(iface);
socket.setTTL(1);
setTimeout(() => process.exit(2), LIFETIME_MS).unref();

if (mode === 'leader') {
  const beat = setInterval(() => socket.send(HEARTBEAT, group, port), heartbeatMs);
  process.once('SIGTERM', () => {
    socket.send(RESIGN, group, port);
    clearInterval(beat);
    socket.close();
    process.exit(0);
  });
  process.stdout.write('ready\n');
} else {
  socket.on('message', ({ data }) => {
    if (data[0] !== 0x52) return;
    process.stdout.write(`heard ${performance.timeOrigin + performance.now()}\n`);
    socket.close();
    process.exit(0);
  });
  process.stdout.write('ready\n');
}
