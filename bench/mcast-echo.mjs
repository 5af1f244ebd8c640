// Baseline for the failover benchmark: the raw one-way multicast latency between two hosts of
// the bench LAN, with the same native sockets the CLI uses. `echo` sends back every ping it
// hears; `ping` sends COUNT pings one at a time and prints the round trips as one JSON line.
// Bounded: COUNT pings, a per-ping timeout, and each process exits on its own by LIFETIME_MS.
// Usage: node mcast-echo.mjs echo|ping IFACE GROUP PORT [COUNT]
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { MulticastSocket } = require('../dist/index.js');

const [mode, iface, group, portText, countText = '50'] = process.argv.slice(2);
const port = Number(portText);
const count = Math.min(Number(countText), 500);
const PING_TIMEOUT_MS = 500;
const LIFETIME_MS = 30_000;

const socket = new MulticastSocket({ family: 4 });
socket.bind(port);
socket.join(group, iface);
socket.setMulticastInterface(iface);
socket.setTTL(1);
socket.setLoopback(true); // on loopback both ends share lo; the P/E prefix tells them apart
setTimeout(() => process.exit(2), LIFETIME_MS).unref();

if (mode === 'echo') {
  socket.on('message', ({ data }) => {
    if (data[0] === 0x50 /* P */) socket.send(Buffer.concat([Buffer.from('E'), data.subarray(1)]), group, port);
  });
  process.stdout.write('ready\n');
} else {
  const rtts = [];
  let pending;
  socket.on('message', ({ data }) => {
    if (data[0] === 0x45 /* E */ && pending && data.subarray(1).toString() === String(pending.seq)) pending.done();
  });
  for (let seq = 0; seq < count; seq++) {
    const sentAt = performance.now();
    const answered = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
      pending = { seq, done: () => (clearTimeout(timer), resolve(true)) };
      socket.send(Buffer.from(`P${seq}`), group, port);
    });
    if (answered) rtts.push(performance.now() - sentAt);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  process.stdout.write(JSON.stringify({ sent: count, rtts }) + '\n');
  socket.close();
}
