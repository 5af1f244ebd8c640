// Child process of bench/scale.mjs: one per namespace host. Prints one JSON line per event.
//   participants IFACE GROUP PORT CLUSTER HEARTBEAT_MS IDS PARENT_PID
//     runs one Participant per id (IDS: "a-b" or "a,b,c") in this process, started back to back;
//     prints {k:'ev',t,id,ev:'leader'|'follower',leader,term} per leader/follower event,
//     {k:'st',t,id,to} per state change to anything else (candidate, waiting, …) and,
//     every STATS_MS, {k:'stats',t,lagMaxMs,lagP99Ms,elu,cpuMs,received,sent} (event-loop lag).
//   spy IFACE GROUP PORT CLUSTER PARENT_PID
//     joins the group and prints {k:'p',t,type,from,term} per datagram (type from byte 3 of the
//     v1 header: 1 ELECTION, 2 OK, 3 COORDINATOR, 4 RESIGN; sender id from the v1 codec).
//   recv-native|recv-dgram IFACE GROUP PORT REGIME PARENT_PID
//     counts datagrams until an 'END' datagram; prints {k:'cost',count,cpuUs,…}: process CPU
//     from the first datagram to the end marker. REGIME 'trickle': reads as datagrams come (a
//     wake-up per few datagrams); 'backlog': the loop sleeps 10 ms (Atomics.wait, no CPU) between
//     turns, so each turn drains a queue of datagrams, as a busy process does.
//   recv-baseline ROOT IFACE GROUP PORT REGIME PARENT_PID
//     recv-native with the package (dist/ and its addon) at ROOT: e.g. a build from before a change.
//   blast IFACE GROUP PORT COUNT RATE PARENT_PID
//     sends COUNT 32-byte datagrams at RATE per second (bursts every 2 ms), then 'END' 20 times.
// Bounded: every mode exits by LIFETIME_MS, and as soon as the parent process is gone.
import { createRequire } from 'node:module';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import dgram from 'node:dgram';
import os from 'node:os';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const lib = require('../dist/index.js');

const LIFETIME_MS = 120_000;
const STATS_MS = 250;
const now = () => performance.timeOrigin + performance.now();
const print = (object) => process.stdout.write(JSON.stringify(object, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');

const [mode, ...args] = process.argv.slice(2);
const parentPid = Number(args.at(-1));
setTimeout(() => process.exit(3), LIFETIME_MS).unref();
setInterval(() => {
  try {
    process.kill(parentPid, 0);
  } catch {
    process.exit(4);
  }
}, 500).unref();

/** Datagrams the kernel dropped (receive buffer full) on every UDP socket of this namespace bound to `port`. */
function udpDrops(port) {
  let drops = 0;
  for (const file of ['/proc/self/net/udp', '/proc/self/net/udp6']) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 13) continue;
      if (parseInt(cols[1].split(':')[1], 16) === port) drops += Number(cols.at(-1));
    }
  }
  return drops;
}

function parseIds(text) {
  const range = /^([0-9]+)-([0-9]+)$/.exec(text);
  if (range) {
    const ids = [];
    for (let id = Number(range[1]); id <= Number(range[2]); id++) ids.push(id);
    return ids;
  }
  return text.split(',').filter(Boolean).map(Number);
}

async function participants([iface, group, port, cluster, heartbeatText, idsText]) {
  const heartbeatMs = Number(heartbeatText);
  const ids = parseIds(idsText);
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  const nodes = [];
  for (const id of ids) {
    const p = new lib.Participant({ address: `${group}:${port}`, interface: iface, id, cluster, heartbeatMs, probeLeader: process.env.PROBE !== '0' });
    p.on('leader', ({ term }) => print({ k: 'ev', t: now(), id, ev: 'leader', leader: String(id), term }));
    p.on('follower', ({ leader, term }) => print({ k: 'ev', t: now(), id, ev: 'follower', leader: String(leader.id), term }));
    // Leaving leader/follower (candidate, waiting, fault): this node agrees with nobody meanwhile.
    p.on('state', ({ to }) => {
      if (to !== 'leader' && to !== 'follower') print({ k: 'st', t: now(), id, to });
    });
    p.on('error', (error) => print({ k: 'error', t: now(), id, message: String(error?.message ?? error) }));
    nodes.push(p);
  }
  print({ k: 'starting', t: now(), count: ids.length });
  // One start per loop turn: queued datagrams are read between starts, as with one process per node.
  for (const p of nodes) {
    await p.start();
    await new Promise((r) => setImmediate(r));
  }
  print({ k: 'started', t: now(), count: ids.length });
  setInterval(() => {
    const e = performance.eventLoopUtilization(elu);
    elu = performance.eventLoopUtilization();
    const c = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    let received = 0;
    let sent = 0;
    for (const p of nodes) {
      const counters = p.counters;
      received += counters.received;
      sent += counters.sent;
    }
    print({ k: 'stats', t: now(), lagMaxMs: lag.max / 1e6, lagP99Ms: lag.percentile(99) / 1e6, elu: e.utilization, cpuMs: (c.user + c.system) / 1000, received, sent, drops: udpDrops(Number(port)) });
    lag.reset();
  }, STATS_MS);
}

/** An independent observer: node:dgram with a 4 MB receive buffer, so bursts are not lost. */
function spy([iface, group, port, cluster]) {
  const codec = lib.createV1Codec({ cluster });
  const address = os.networkInterfaces()[iface]?.find((a) => a.family === 'IPv4')?.address;
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 4 << 20 });
  socket.on('message', (data) => {
    const t = now();
    const type = data.length > 3 && data[0] === 0x4d && data[1] === 0x42 ? data[3] : 0;
    const decoded = codec.decode(data);
    const from = decoded.ok ? decoded.message.from.id : undefined;
    const term = decoded.ok ? decoded.message.term : undefined;
    print({ k: 'p', t, type, from, term });
  });
  socket.bind(Number(port), () => {
    socket.addMembership(group, address);
    print({ k: 'ready', t: now(), recvBufferSize: socket.getRecvBufferSize() });
    setInterval(() => print({ k: 'drops', t: now(), drops: udpDrops(Number(port)) }), 250);
  });
}

/** Process CPU (µs) between the first datagram and the end marker, per received datagram. */
function receiver(kind, [iface, group, port, regime], socketLib = lib) {
  if (regime === 'backlog') {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    setInterval(() => Atomics.wait(cell, 0, 0, 5), 1);
  }
  let count = 0;
  let first;
  let cpuAtFirst;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    const cpu = process.cpuUsage(cpuAtFirst);
    print({ k: 'cost', kind, regime, count, cpuUs: cpu.user + cpu.system, userUs: cpu.user, systemUs: cpu.system, wallMs: first === undefined ? 0 : performance.now() - first });
    process.exit(0);
  };
  const onData = (data) => {
    if (data.length === 3 && data[0] === 0x45 && data[1] === 0x4e && data[2] === 0x44) return finish(); // "END"
    if (first === undefined) {
      first = performance.now();
      cpuAtFirst = process.cpuUsage();
    }
    count++;
  };
  if (kind !== 'dgram') {
    const socket = new socketLib.MulticastSocket({ family: 4 });
    socket.bind(Number(port));
    socket.join(group, iface);
    socket.on('message', (d) => onData(d.data));
  } else {
    const address = os.networkInterfaces()[iface]?.find((a) => a.family === 'IPv4')?.address;
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    socket.on('message', (data) => onData(data));
    socket.bind(Number(port), () => {
      socket.addMembership(group, address);
      print({ k: 'ready', t: now() });
    });
  }
  if (kind !== 'dgram') print({ k: 'ready', t: now() });
  setTimeout(finish, 60_000).unref();
}

async function blast([iface, group, port, countText, rateText]) {
  const total = Math.min(Number(countText), 1_000_000);
  const rate = Math.min(Number(rateText), 200_000);
  const socket = new lib.MulticastSocket({ family: 4 });
  socket.bind(0);
  socket.setMulticastInterface(iface);
  socket.setLoopback(false);
  const payload = Buffer.alloc(32, 0x61);
  const perTick = Math.max(1, Math.round((rate * 2) / 1000));
  const started = performance.now();
  let sent = 0;
  let refused = 0;
  while (sent + refused < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + perTick);
    while (sent + refused < due) {
      if (socket.send(payload, group, Number(port))) sent++;
      else refused++;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await new Promise((r) => setTimeout(r, 300));
  for (let i = 0; i < 20; i++) {
    socket.send(Buffer.from('END'), group, Number(port));
    await new Promise((r) => setTimeout(r, 20));
  }
  print({ k: 'blasted', sent, refused, ms: performance.now() - started });
  socket.close();
  process.exit(0);
}

const modes = {
  participants,
  spy,
  'recv-native': (a) => receiver('native', a),
  'recv-dgram': (a) => receiver('dgram', a),
  'recv-baseline': ([root, ...a]) => receiver('baseline', a, require(`${root}/dist/index.js`)),
  blast,
};
if (!modes[mode]) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
Promise.resolve(modes[mode](args)).catch((error) => {
  console.error(error?.stack ?? String(error));
  process.exit(1);
});
